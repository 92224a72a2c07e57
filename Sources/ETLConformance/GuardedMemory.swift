import ETLHost
import Foundation

/// Memory for one struct the host allocates, placed so that the struct's
/// last byte is the last byte before a page that can be neither read nor
/// written: a plugin that reads or writes past the struct_size it was given
/// crashes on the spot (SIGSEGV) instead of passing by luck.
///
/// ```swift
/// let request = GuardedMemory(size: ETLABI.readRequestSize1_0)
/// request.pointer.storeBytes(of: UInt32(ETLABI.readRequestSize1_0), as: UInt32.self)
/// ```
final class GuardedMemory {
    /// The start of the struct; `size` bytes, zeroed.
    let pointer: UnsafeMutableRawPointer
    /// The struct's size.
    let size: Int
    private let base: UnsafeMutableRawPointer
    private let mapped: Int

    /// Maps memory for a struct of `size` bytes (a multiple of 8).
    init(size: Int) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let dataPages = (size + page - 1) / page
        mapped = (dataPages + 1) * page
        guard let memory = mmap(nil, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              memory != MAP_FAILED
        else { fatalError("etl-host: cannot map \(mapped) bytes for a guarded struct") }
        base = memory
        mprotect(memory + dataPages * page, page, PROT_NONE)
        self.size = size
        pointer = memory + (dataPages * page - size)
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: size)
    }

    deinit { munmap(base, mapped) }

    /// Stores `value` at the offset of `field` in a struct of type `Root`,
    /// which must lie within ``size``.
    func store<Root, Value>(_ value: Value, at field: KeyPath<Root, Value>) {
        let offset = MemoryLayout<Root>.offset(of: field)!
        precondition(offset + MemoryLayout<Value>.size <= size, "field past the guarded struct")
        pointer.storeBytes(of: value, toByteOffset: offset, as: Value.self)
    }

    /// The struct, typed. Only the first ``size`` bytes exist.
    func typed<Root>(_: Root.Type) -> UnsafeMutablePointer<Root> {
        pointer.assumingMemoryBound(to: Root.self)
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Finds out whether memory that another component handed over (an Arrow
/// buffer from a plugin) can be read, without reading it in this thread:
/// the kernel copies one byte of every page the range touches
/// (`process_vm_readv` on this very process), and a page that is not
/// mapped, or mapped without read permission (a guard page), is reported
/// instead of faulting.
///
/// ```swift
/// if let readable = ReadableMemory.readablePrefix(of: offsets, count: 24), readable < 24 {
///     // refuse the column: its declared length runs past its buffer
/// }
/// ```
///
/// What it cannot tell: how many bytes of a readable page a buffer was
/// allocated. A buffer that ends in the middle of a heap page and is read a
/// little past its end stays undetected (the C Data Interface carries no
/// buffer sizes); one that ends at the end of a mapping is caught.
enum ReadableMemory {
    private typealias ProcessVMReadv = @convention(c) (
        pid_t, UnsafePointer<iovec>?, UInt, UnsafePointer<iovec>?, UInt, UInt
    ) -> Int

    /// `process_vm_readv` from the C library (not exported by the Glibc
    /// module), or nil where the C library lacks it.
    private static let processVMReadv: ProcessVMReadv? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "process_vm_readv") else { return nil }
        return unsafeBitCast(symbol, to: ProcessVMReadv.self)
    }()

    /// At most this many pages are probed per system call (IOV_MAX).
    private static let pagesPerCall = 1024

    private static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// How many of the `count` bytes from `address` can be read (a prefix),
    /// judged page by page; `nil` when this cannot be known on this system
    /// (no `process_vm_readv`, or the kernel refused it).
    static func readablePrefix(of address: UnsafeRawPointer, count: Int) -> Int? {
        guard count > 0 else { return 0 }
        guard let read = processVMReadv else { return nil }
        let start = UInt(bitPattern: address)
        let (end, overflow) = start.addingReportingOverflow(UInt(count))
        guard !overflow else { return 0 }
        let page = UInt(pageSize)
        // Probe the first byte, then the first byte of every later page,
        // at most `pagesPerCall` at a time; stop at the first that fails.
        let pages = (end - 1) / page - start / page + 1
        var scratch = [UInt8](repeating: 0, count: Int(min(pages, UInt(pagesPerCall))))
        var probe = start
        while probe < end {
            var batch: [iovec] = []
            batch.reserveCapacity(pagesPerCall)
            while batch.count < pagesPerCall, probe < end {
                batch.append(iovec(iov_base: UnsafeMutableRawPointer(bitPattern: probe), iov_len: 1))
                probe = (probe / page + 1) * page
            }
            let copied = scratch.withUnsafeMutableBytes { bytes -> Int in
                var local = iovec(iov_base: bytes.baseAddress, iov_len: batch.count)
                return batch.withUnsafeBufferPointer { read(getpid(), &local, 1, $0.baseAddress, UInt(batch.count), 0) }
            }
            if copied < 0 {
                guard errno == EFAULT else { return nil }  // ENOSYS, EPERM: cannot be known
                return Int(UInt(bitPattern: batch[0].iov_base) - start)
            }
            if copied < batch.count { return Int(UInt(bitPattern: batch[copied].iov_base) - start) }
        }
        return count
    }
}

/// A malformed flatbuffer or Arrow IPC file: what is wrong, in words.
struct ArrowIPCError: Error, Equatable, CustomStringConvertible {
    /// What is wrong, e.g. `the footer points past the end of the file`.
    let description: String

    init(_ description: String) { self.description = description }
}

/// A read-only view of one table in a flatbuffer, checking every offset
/// against the buffer before it is followed (a damaged file is an error,
/// never a crash).
///
/// ```swift
/// let message = try FlatTableView(root: bytes)
/// let version = try message.int16(0, default: 0)
/// let header = try message.table(2)
/// ```
struct FlatTableView {
    /// The whole flatbuffer.
    let buffer: UnsafeRawBufferPointer
    /// Where the table starts (its soffset to the vtable).
    let position: Int
    private let vtable: Int
    private let vtableSize: Int

    /// The root table of the flatbuffer `buffer`.
    init(root buffer: UnsafeRawBufferPointer) throws {
        let root = try Self.load(UInt32.self, buffer, at: 0)
        try self.init(buffer, at: Int(root))
    }

    /// The table at `position` of `buffer`.
    init(_ buffer: UnsafeRawBufferPointer, at position: Int) throws {
        self.buffer = buffer
        self.position = position
        let soffset = Int(try Self.load(Int32.self, buffer, at: position))
        vtable = position - soffset
        vtableSize = Int(try Self.load(UInt16.self, buffer, at: vtable))
        guard vtableSize >= 4, vtableSize % 2 == 0, vtable + vtableSize <= buffer.count else {
            throw ArrowIPCError("a flatbuffer vtable at byte \(vtable) is malformed")
        }
    }

    /// Loads a little-endian scalar, checking the bounds.
    static func load<T: FixedWidthInteger>(_ type: T.Type, _ buffer: UnsafeRawBufferPointer, at position: Int) throws -> T {
        guard position >= 0, position + MemoryLayout<T>.size <= buffer.count else {
            throw ArrowIPCError("a flatbuffer offset (\(position)) points outside its \(buffer.count) bytes")
        }
        return T(littleEndian: buffer.loadUnaligned(fromByteOffset: position, as: T.self))
    }

    /// Where field `slot` is stored, `nil` when absent.
    func fieldPosition(_ slot: Int) throws -> Int? {
        let entry = 4 + 2 * slot
        guard entry + 2 <= vtableSize else { return nil }
        let offset = Int(try Self.load(UInt16.self, buffer, at: vtable + entry))
        return offset == 0 ? nil : position + offset
    }

    /// A scalar field, or `defaultValue` when absent.
    func scalar<T: FixedWidthInteger>(_ slot: Int, default defaultValue: T) throws -> T {
        guard let at = try fieldPosition(slot) else { return defaultValue }
        return try Self.load(T.self, buffer, at: at)
    }

    /// A `bool` field.
    func bool(_ slot: Int, default defaultValue: Bool) throws -> Bool {
        try scalar(slot, default: UInt8(defaultValue ? 1 : 0)) != 0
    }

    /// Where the object that field `slot` refers to starts, `nil` when absent.
    private func target(_ slot: Int) throws -> Int? {
        guard let at = try fieldPosition(slot) else { return nil }
        return at + Int(try Self.load(UInt32.self, buffer, at: at))
    }

    /// A table field (or a union's value), `nil` when absent.
    func table(_ slot: Int) throws -> FlatTableView? {
        guard let at = try target(slot) else { return nil }
        return try FlatTableView(buffer, at: at)
    }

    /// A string field, `nil` when absent.
    func string(_ slot: Int) throws -> String? {
        guard let at = try target(slot) else { return nil }
        return try Self.string(buffer, at: at)
    }

    /// The string stored at `position`.
    static func string(_ buffer: UnsafeRawBufferPointer, at position: Int) throws -> String {
        let count = Int(try load(UInt32.self, buffer, at: position))
        guard position + 4 + count <= buffer.count else {
            throw ArrowIPCError("a flatbuffer string at byte \(position) runs past the end")
        }
        guard let text = String(validating: UnsafeRawBufferPointer(rebasing: buffer[(position + 4)..<(position + 4 + count)]),
                                as: UTF8.self) else {
            throw ArrowIPCError("a flatbuffer string at byte \(position) is not valid UTF-8")
        }
        return text
    }

    /// A vector field: its element count and where the elements start,
    /// checked to fit `elementSize` bytes each; `nil` when absent.
    func vector(_ slot: Int, elementSize: Int) throws -> (count: Int, start: Int)? {
        guard let at = try target(slot) else { return nil }
        let count = Int(try Self.load(UInt32.self, buffer, at: at))
        guard at + 4 + count * elementSize <= buffer.count else {
            throw ArrowIPCError("a flatbuffer vector at byte \(at) (\(count) elements) runs past the end")
        }
        return (count, at + 4)
    }

    /// A `[Table]` field; empty when absent.
    func tables(_ slot: Int) throws -> [FlatTableView] {
        guard let (count, start) = try vector(slot, elementSize: 4) else { return [] }
        return try (0..<count).map { index in
            let element = start + 4 * index
            return try FlatTableView(buffer, at: element + Int(try Self.load(UInt32.self, buffer, at: element)))
        }
    }
}

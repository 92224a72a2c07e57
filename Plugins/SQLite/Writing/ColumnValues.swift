import ETLPluginKit

/// The values of one column of an ``ImportedBatch``, read straight off its
/// validated buffers by code the compiler inlines into the INSERT loop
/// (``ColumnBinder/bind(_:row:to:parameter:scratch:)``), instead of a call
/// into ETLPluginKit per value (`ImportedBatch.int64(row:column:)`,
/// `utf8(row:column:)`, ..., which it equals value for value).
///
/// Made once per column and batch; valid only while the batch is alive.
///
/// ```swift
/// let values = ColumnValues(batch, column: 2)
/// if let bytes = values.variableWidth(row) { ... }
/// ```
struct ColumnValues {
    private let validity: UnsafePointer<UInt8>?
    private let values: UnsafeRawPointer?
    private let data: UnsafePointer<UInt8>?
    private let start: Int
    /// Whether the column is of Arrow's null type (every value null).
    private let allNull: Bool

    /// Reads column `column` of `batch`.
    init(_ batch: ImportedBatch, column: Int) {
        let view = batch.columnView(column)
        validity = view.validity
        values = view.values
        data = view.data
        start = view.start
        allNull = view.type == .null
    }

    /// Whether `row` (0-based, in the batch) is null.
    @inline(__always)
    func isNull(_ row: Int) -> Bool {
        if allNull { return true }
        guard let validity else { return false }
        let index = start &+ row
        return (validity[index &>> 3] &>> UInt8(truncatingIfNeeded: index & 7)) & 1 == 0
    }

    /// The 8-byte value (int64, float64 bits, timestamp) of a non-null row.
    @inline(__always)
    func eightBytes<Value>(_ row: Int, as type: Value.Type) -> Value {
        values.unsafelyUnwrapped.load(fromByteOffset: (start &+ row) &* 8, as: type)
    }

    /// The date32 value of a non-null row.
    @inline(__always)
    func date32(_ row: Int) -> Int32 {
        values.unsafelyUnwrapped.load(fromByteOffset: (start &+ row) &* 4, as: Int32.self)
    }

    /// The bool value of a non-null row.
    @inline(__always)
    func bool(_ row: Int) -> Bool {
        let index = start &+ row
        let bits = values.unsafelyUnwrapped.assumingMemoryBound(to: UInt8.self)
        return (bits[index &>> 3] &>> UInt8(truncatingIfNeeded: index & 7)) & 1 != 0
    }

    /// The bytes of a non-null utf8 or binary row (no pointer when empty).
    @inline(__always)
    func variableWidth(_ row: Int) -> UnsafeRawBufferPointer {
        let offsets = values.unsafelyUnwrapped.assumingMemoryBound(to: Int32.self)
        let index = start &+ row
        let begin = Int(offsets[index])
        let end = Int(offsets[index &+ 1])
        guard end > begin else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: data.unsafelyUnwrapped + begin, count: end &- begin)
    }
}

import ETLPluginKit

/// The values of one utf8 (or binary) column of an ``ImportedBatch``, read
/// straight off its validated buffers by code the compiler inlines into the
/// host's per-cell loops (inference in pass 1, the cast in pass 2), instead
/// of a call into ETLPluginKit per cell (`ImportedBatch.utf8(row:column:)`,
/// which it equals value for value).
///
/// Valid only while the batch is alive; the caller keeps it alive.
///
/// ```swift
/// let text = TextColumnReader(batch, column: 2)
/// for row in 0 ..< batch.rowCount {
///     if let value = text.value(row) { inference.observe(.untyped, value) }
/// }
/// ```
struct TextColumnReader {
    private let validity: UnsafePointer<UInt8>?
    private let offsets: UnsafePointer<Int32>?
    private let data: UnsafePointer<UInt8>?
    private let start: Int

    /// Reads column `column` of `batch`, which must be utf8 or binary.
    init(_ batch: ImportedBatch, column: Int) {
        let buffers = batch.buffers(column: column)
        precondition(buffers.type == .utf8 || buffers.type == .binary,
                     "column \(column) is \(buffers.type), not utf8 or binary")
        validity = buffers.validity
        offsets = buffers.values?.assumingMemoryBound(to: Int32.self)
        data = buffers.data
        start = buffers.start
    }

    /// The bytes of `row` (0-based, in the batch), `nil` when null.
    @inline(__always)
    func value(_ row: Int) -> UnsafeRawBufferPointer? {
        let index = start &+ row
        if let validity, (validity[index &>> 3] &>> UInt8(truncatingIfNeeded: index & 7)) & 1 == 0 { return nil }
        guard let offsets else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        let begin = Int(offsets[index])
        let end = Int(offsets[index &+ 1])
        guard end > begin else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: data! + begin, count: end &- begin)
    }
}

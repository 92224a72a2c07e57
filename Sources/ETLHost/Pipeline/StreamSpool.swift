import ETLPluginKit
import Foundation

/// Reads a stream's spool, an Arrow IPC file of the extractor's batches as
/// they came (the run's snapshot when one is kept), back as cells for
/// ``BatchConverter``, one batch at a time: each batch is flattened
/// again (``BatchFlattener``, without inference, which pass 1 did) in
/// memory, so no second file holds the cells.
///
/// ```swift
/// let spool = try SpoolCellReader(path: spoolPath, stream: "orders")
/// while let cells = try spool.next() { try converter.convert(cells.batch, into: array) }
/// ```
final class SpoolCellReader {
    private let reader: ArrowIPCFileReader
    private var flattener: BatchFlattener

    /// Opens the spool at `path` of `stream`.
    ///
    /// - Throws: `.io` naming the file when it is not a complete IPC file.
    init(path: String, stream: String) throws {
        do {
            reader = try ArrowIPCFileReader(path: path)
        } catch let error as ArrowIPCError {
            throw HostError(.io, "the spool file '\(path)' is damaged: \(error)")
        }
        flattener = BatchFlattener(stream: stream, infers: false)
        try flattener.register(reader.schema)
    }

    /// The next batch as cells, or `nil` after the last.
    func next() throws -> PinnedCellBatch? {
        let batch: ImportedBatch?
        do {
            batch = try reader.next()
        } catch let error as ArrowIPCError {
            throw HostError(.io, "the spool file '\(reader.path)' is damaged: \(error)")
        }
        guard let batch else { return nil }
        let first = flattener.rowCount
        return PinnedCellBatch(try flattener.flatten(batch), rows: batch.rowCount, firstRow: first)
    }
}

/// Cell columns copied into one buffer and seen as a ``CellBatch``, whose
/// pointers stay valid as long as this object lives.
final class PinnedCellBatch {
    /// The cells.
    let batch: CellBatch
    private let buffer: UnsafeMutableRawPointer

    /// Copies `columns` (each `rows` long); `firstRow` is the stream row
    /// number of the first row (0-based).
    init(_ columns: [CellColumn], rows: Int, firstRow: Int) {
        var layouts: [(kinds: Int, offsets: Int, bytes: Int)] = []
        var size = 0
        for column in columns {
            let kinds = size
            let offsets = (kinds + rows + 3) & ~3
            let bytes = offsets + (rows + 1) * 4
            layouts.append((kinds, offsets, bytes))
            size = (bytes + column.bytes.count + 7) & ~7
        }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(size, 8), alignment: 8)
        self.buffer = buffer
        for (column, layout) in zip(columns, layouts) {
            column.kinds.withUnsafeBytes { (buffer + layout.kinds).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            column.offsets.withUnsafeBytes { (buffer + layout.offsets).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            column.bytes.withUnsafeBytes { bytes in
                if bytes.count > 0 { (buffer + layout.bytes).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count) }
            }
        }
        let base = UnsafeRawPointer(buffer)
        batch = CellBatch(rowCount: rows, columns: zip(columns, layouts).map { column, layout in
            CellBatch.Column(name: column.name,
                             kinds: (base + layout.kinds).assumingMemoryBound(to: UInt8.self),
                             offsets: (base + layout.offsets).assumingMemoryBound(to: UInt32.self),
                             bytes: (base + layout.bytes).assumingMemoryBound(to: UInt8.self))
        }, firstRow: firstRow)
    }

    deinit { buffer.deallocate() }
}

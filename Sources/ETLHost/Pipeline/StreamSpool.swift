import ETLPluginKit
import Foundation

/// Reads a stream's spool, an Arrow IPC file of the extractor's batches as
/// they came (the run's snapshot when one is kept), back for
/// ``BatchConverter``, one batch at a time. The batch's own columns stay
/// Arrow buffers (pass 2 casts only those whose resolved type differs).
/// A record column (`etl.record`, JSON text from the source) is read as
/// cells: from the cell spool pass 1 kept (``CellSpool``) when given one,
/// else flattened again here (``BatchFlattener``, without inference).
///
/// ```swift
/// let spool = try SpoolBatchReader(path: spoolPath, stream: "orders", cells: cellSpoolPath)
/// while let batch = try spool.next() { try converter.convert(batch, into: array) }
/// ```
final class SpoolBatchReader {
    private let reader: ArrowIPCFileReader
    private var flattener: BatchFlattener
    /// The columns of every batch that load as they are: all but a record
    /// column and, beside one, its `_line`.
    private let ownColumns: [SpooledBatch.OwnColumn]
    /// Pass 1's cells of the record column, when it kept them.
    private let cellReader: CellSpoolReader?
    /// Rows read so far.
    private var rowsRead = 0

    /// Opens the spool at `path` of `stream`.
    ///
    /// - Throws: `.io` naming the file when it is not a complete IPC file.
    ///
    /// With `cells`, the cell spool pass 1 wrote beside it (``CellSpool``),
    /// a record column's fields are read from there instead of being
    /// flattened again; when the batches have no other columns, the Arrow
    /// spool itself is then not read at all.
    init(path: String, stream: String, cells: String? = nil) throws {
        do {
            // Written by this run from checked batches: not checked for UTF-8 again.
            reader = try ArrowIPCFileReader(path: path, origin: .ownFile)
        } catch let error as ArrowIPCError {
            throw HostError(.io, "the spool file '\(path)' is damaged: \(error)")
        }
        cellReader = try cells.map { try CellSpoolReader(path: $0) }
        flattener = BatchFlattener(stream: stream)
        try flattener.register(reader.schema)
        let fields = reader.schema.fields
        let recordColumn = fields.firstIndex { $0.annotation == .record }
        ownColumns = fields.enumerated().compactMap { [flattener] index, field in
            if index == recordColumn || (recordColumn != nil && field.name == "_line") { return nil }
            return SpooledBatch.OwnColumn(index: index, field: field, source: flattener.sourceName(ofColumn: index, field: field))
        }
    }

    /// The next batch, or `nil` after the last.
    func next() throws -> SpooledBatch? {
        if let cellReader { return try nextWithCells(cellReader) }
        let batch: ImportedBatch?
        do {
            batch = try reader.next()
        } catch let error as ArrowIPCError {
            throw HostError(.io, "the spool file '\(reader.path)' is damaged: \(error)")
        }
        guard let batch else { return nil }
        let first = flattener.rowCount
        let records = try flattener.recordCells(batch)
        rowsRead += batch.rowCount
        // A batch of records alone is not kept while it loads: its cells hold all of it.
        return SpooledBatch(arrow: ownColumns.isEmpty ? nil : batch, rowCount: batch.rowCount, ownColumns: ownColumns,
                            records: records.isEmpty ? nil : PinnedCellBatch(records, rows: batch.rowCount, firstRow: first),
                            firstRow: first)
    }
}

extension SpoolBatchReader {
    /// The next batch when pass 1 kept the record column's cells: those
    /// cells, and the Arrow batch only when it has columns of its own.
    private func nextWithCells(_ cells: CellSpoolReader) throws -> SpooledBatch? {
        var arrow: ImportedBatch?
        if !ownColumns.isEmpty {
            do {
                arrow = try reader.next()
            } catch let error as ArrowIPCError {
                throw HostError(.io, "the spool file '\(reader.path)' is damaged: \(error)")
            }
        }
        let first = rowsRead
        guard let records = try cells.next(firstRow: first) else {
            guard arrow == nil else { throw HostError(.io, "the cell spool '\(cells.path)' ends before the spool file '\(reader.path)'") }
            return nil
        }
        if let arrow, arrow.rowCount != records.batch.rowCount {
            throw HostError(.io, "the cell spool '\(cells.path)' does not match the spool file '\(reader.path)' (\(records.batch.rowCount) rows in a block, \(arrow.rowCount) in its batch)")
        }
        if arrow == nil, !ownColumns.isEmpty {
            throw HostError(.io, "the spool file '\(reader.path)' ends before the cell spool '\(cells.path)'")
        }
        rowsRead += records.batch.rowCount
        return SpooledBatch(arrow: arrow, rowCount: records.batch.rowCount, ownColumns: ownColumns,
                            records: records.batch.columns.isEmpty ? nil : records, firstRow: first)
    }
}

/// One batch read back from a spool: the extractor's Arrow batch as it
/// came, and the cells of its record column's fields, if it has one.
final class SpooledBatch {
    /// A column of the Arrow batch that loads as it is.
    struct OwnColumn {
        /// Its index in the batch.
        let index: Int
        /// Its Arrow field.
        let field: ArrowField
        /// Its source name (``BatchFlattener/sourceName(ofColumn:field:)``).
        let source: String
    }

    /// The batch as the extractor gave it (nil when it has no columns of
    /// its own, only records).
    let arrow: ImportedBatch?
    /// Its columns other than a record column, in batch order.
    let ownColumns: [OwnColumn]
    /// The record column's fields as cells (nil without one).
    let records: PinnedCellBatch?
    /// The stream row number of the first row (0-based).
    let firstRow: Int

    /// The number of rows.
    let rowCount: Int

    init(arrow: ImportedBatch?, rowCount: Int, ownColumns: [OwnColumn], records: PinnedCellBatch?, firstRow: Int) {
        self.arrow = arrow
        self.rowCount = rowCount
        self.ownColumns = ownColumns
        self.records = records
        self.firstRow = firstRow
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

    /// Takes `buffer` (allocated with alignment 8), into which `batch`
    /// points; it is deallocated with this object.
    init(owning buffer: UnsafeMutableRawPointer, batch: CellBatch) {
        self.buffer = buffer
        self.batch = batch
    }

    deinit { buffer.deallocate() }
}

import CETLPlugin
import ETLPluginKit
import Foundation

/// The lineage columns a load appends to every row: `_etl_run_id` (utf8,
/// the run whose snapshot the row came from) and `_etl_loaded_at`
/// (`tsu:UTC`, that run's start instant).
///
/// The values are the same in every row, so they are written once into
/// buffers as long as the largest batch, and each batch's two columns
/// point at those buffers (length = the batch's rows): appending them
/// costs two small structs per batch, not a copy per row.
///
/// ```swift
/// let lineage = try LineageColumns(stamp, adding: tableSchema, stream: "orders")
/// let writer = try warehouse.begin(table: "orders", schema: lineage.schema, ...)
/// while let batch = try batches.next() {
///     lineage.append(to: batch.array)
///     try writer.write(batch.array)
/// }
/// ```
final class LineageColumns {
    /// The run id column.
    static let runIDColumn = "_etl_run_id"
    /// The load instant column.
    static let loadedAtColumn = "_etl_loaded_at"

    /// The table's schema with the two columns at its end.
    let schema: ArrowBatchSchema
    private let runID: [UInt8]
    private let loadedAt: Int64
    private var values: ConstantValues

    /// Lineage `stamp` for a table of `tableSchema`.
    ///
    /// - Throws: `.invalidArgument` (exit 64) when a source field has
    ///   either name (it would load as `etl_run_id` beside the lineage
    ///   column) or a column already has it, naming the stream.
    init(_ stamp: RunRecord.Lineage, adding table: TableSchema, stream: String) throws {
        let tableSchema = table.arrowSchema
        for name in [Self.runIDColumn, Self.loadedAtColumn] where table.columns.contains(where: { $0.name == name || $0.source == name }) {
            throw HostError(.invalidArgument, "stream '\(stream)' has a column named \"\(name)\", which --lineage adds to every "
                + "row; rename it (a pipeline step's columns:) or sync without --lineage")
        }
        guard let instant = Timestamp.date(stamp.loadedAt) else {
            throw HostError(.invalidArgument, "the lineage instant '\(stamp.loadedAt)' of run \(stamp.runID) is not an ISO 8601 time")
        }
        schema = ArrowBatchSchema(tableSchema.fields + [
            ArrowField(Self.runIDColumn, .utf8), ArrowField(Self.loadedAtColumn, .timestampMicrosecondsUTC),
        ])
        runID = Array(stamp.runID.utf8)
        loadedAt = Int64((instant.timeIntervalSince1970 * 1_000_000).rounded())
        values = ConstantValues(runID: runID, loadedAt: loadedAt, capacity: 1024)
    }

    /// Appends the two columns to `array`, a `"+s"` batch of the table's
    /// schema that the caller owns; the caller still owns it (one release
    /// frees the batch and the two columns).
    func append(to array: UnsafeMutablePointer<ArrowArray>) {
        let rows = Int(array.pointee.length)
        if rows > values.capacity {
            values = ConstantValues(runID: runID, loadedAt: loadedAt, capacity: max(rows, values.capacity * 2))
        }
        let extended = ExtendedBatch(original: array.pointee, values: values, rows: rows)
        var parent = array.pointee
        parent.n_children += 2
        parent.children = extended.children
        parent.private_data = Unmanaged.passRetained(extended).toOpaque()
        parent.release = { array in
            guard let array, let data = array.pointee.private_data else { return }
            Unmanaged<ExtendedBatch>.fromOpaque(data).takeRetainedValue().release()
            array.pointee.release = nil
        }
        array.pointee = parent
    }
}

/// The buffers of the two constant columns, `capacity` rows long; shared
/// by every batch's columns, freed when the last of them is released.
private final class ConstantValues: @unchecked Sendable {
    // @unchecked: immutable after init; the buffers are only read.
    let capacity: Int
    /// `[validity (none), offsets, data]` of `_etl_run_id`.
    let textBuffers: UnsafeMutablePointer<UnsafeRawPointer?>
    /// `[validity (none), values]` of `_etl_loaded_at`.
    let instantBuffers: UnsafeMutablePointer<UnsafeRawPointer?>
    private let offsets: UnsafeMutablePointer<Int32>
    private let text: UnsafeMutableRawPointer
    private let instants: UnsafeMutablePointer<Int64>

    init(runID: [UInt8], loadedAt: Int64, capacity: Int) {
        self.capacity = capacity
        offsets = .allocate(capacity: capacity + 1)
        for row in 0...capacity { offsets[row] = Int32(row * runID.count) }
        let text = UnsafeMutableRawPointer.allocate(byteCount: max(1, capacity * runID.count), alignment: 8)
        runID.withUnsafeBytes { bytes in
            for row in 0..<capacity where !bytes.isEmpty {
                (text + row * bytes.count).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            }
        }
        self.text = text
        instants = .allocate(capacity: max(1, capacity))
        instants.initialize(repeating: loadedAt, count: max(1, capacity))
        textBuffers = .allocate(capacity: 3)
        textBuffers[0] = nil
        textBuffers[1] = UnsafeRawPointer(offsets)
        textBuffers[2] = UnsafeRawPointer(text)
        instantBuffers = .allocate(capacity: 2)
        instantBuffers[0] = nil
        instantBuffers[1] = UnsafeRawPointer(instants)
    }

    deinit {
        offsets.deallocate()
        text.deallocate()
        instants.deallocate()
        textBuffers.deallocate()
        instantBuffers.deallocate()
    }
}

/// What one extended batch owns besides its original: the original batch
/// (moved here; its release frees its own columns), the new children
/// list, and the two lineage columns.
private final class ExtendedBatch {
    let children: UnsafeMutablePointer<UnsafeMutablePointer<ArrowArray>?>
    private let original: UnsafeMutablePointer<ArrowArray>
    private let lineage: UnsafeMutablePointer<ArrowArray>
    private let count: Int

    init(original batch: ArrowArray, values: ConstantValues, rows: Int) {
        original = .allocate(capacity: 1)
        original.initialize(to: batch)
        let existing = Int(batch.n_children)
        count = existing + 2
        children = .allocate(capacity: count)
        for index in 0..<existing { children[index] = batch.children[index] }
        lineage = .allocate(capacity: 2)
        lineage.initialize(to: Self.column(rows: rows, buffers: values.textBuffers, count: 3, values: values))
        (lineage + 1).initialize(to: Self.column(rows: rows, buffers: values.instantBuffers, count: 2, values: values))
        children[existing] = lineage
        children[existing + 1] = lineage + 1
    }

    /// A column of `rows` rows over `buffers`, keeping `values` alive
    /// until it is released.
    private static func column(rows: Int, buffers: UnsafeMutablePointer<UnsafeRawPointer?>, count: Int64,
                               values: ConstantValues) -> ArrowArray {
        var column = ArrowArray()
        column.length = Int64(rows)
        column.null_count = 0
        column.offset = 0
        column.n_buffers = count
        column.n_children = 0
        column.buffers = buffers
        column.private_data = Unmanaged.passRetained(values).toOpaque()
        column.release = { array in
            guard let array, let data = array.pointee.private_data else { return }
            Unmanaged<ConstantValues>.fromOpaque(data).release()
            array.pointee.release = nil
        }
        return column
    }

    /// Releases the original batch and the lineage columns not moved out.
    func release() {
        if let release = original.pointee.release { release(original) }
        for index in 0..<2 {
            if let release = lineage[index].release { release(lineage + index) }
        }
        original.deallocate()
        lineage.deallocate()
        children.deallocate()
    }
}

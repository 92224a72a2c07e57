import CETLPlugin
@testable import ETLHost
import ETLPluginKit
import Foundation
import Testing

/// `--lineage`'s two columns, appended to converted batches: the values in
/// every row (also past the first buffers' length), a batch that imports
/// and releases as one, and the names a source may not use.
@Suite struct LineageColumnsTests {
    static let table = TableSchema(table: "orders", stream: "orders", columns: [
        TableSchema.Column(name: "id", source: "ID", type: .integer),
    ])
    static let stamp = RunRecord.Lineage(runID: "20261201T090000000Z-0a1b2c3d", loadedAt: "2026-12-01T09:00:00.123Z")
    /// 2026-12-01T09:00:00.123Z in microseconds since the epoch.
    static let micros: Int64 = 1_796_115_600_123_000

    /// A `"+s"` batch of `rows` ids (0, 1, ...), owned by the caller.
    static func batch(rows: Int) throws -> UnsafeMutablePointer<ArrowArray> {
        let builder = try ArrowBatchBuilder(schema: table.arrowSchema)
        for row in 0..<rows {
            builder.append(Int64(row))
            try builder.endRow()
        }
        let array = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
        try builder.finish(into: array)
        return array
    }

    @Test(arguments: [0, 3, 1024, 3000]) func everyRowCarriesTheRunAndItsInstant(_ rows: Int) throws {
        let lineage = try LineageColumns(Self.stamp, adding: Self.table, stream: "orders")
        #expect(lineage.schema.fields.map(\.description) == ["id: int64", "_etl_run_id: utf8", "_etl_loaded_at: timestamp[us, UTC]"])
        for _ in 0..<2 {  // the second batch reuses the buffers of the first
            let array = try Self.batch(rows: rows)
            defer { array.deallocate() }
            lineage.append(to: array)
            let batch = try ImportedBatch(taking: array, schema: lineage.schema)
            #expect(batch.rowCount == rows)
            #expect(array.pointee.release == nil, "the import took the batch")
            for row in [0, rows / 2, rows - 1] where row >= 0 && rows > 0 {
                #expect(batch.int64(row: row, column: 0) == Int64(row))
                #expect(batch.string(row: row, column: 1) == Self.stamp.runID)
                #expect(batch.timestamp(row: row, column: 2) == Self.micros)
            }
        }
    }

    @Test func aColumnMovedOutIsReleasedOnItsOwnAndTheRestWithTheBatch() throws {
        let lineage = try LineageColumns(Self.stamp, adding: Self.table, stream: "orders")
        let array = try Self.batch(rows: 5)
        defer { array.deallocate() }
        lineage.append(to: array)
        #expect(array.pointee.n_children == 3)
        var moved = array.pointee.children[1]!.pointee
        array.pointee.children[1]!.pointee.release = nil
        array.pointee.release!(array)
        #expect(array.pointee.release == nil)
        #expect(moved.length == 5)
        moved.release!(&moved)
        #expect(moved.release == nil)
    }

    @Test(arguments: [("_etl_run_id", "ETL Run"), ("etl_loaded_at", "_etl_loaded_at")])
    func aColumnOrSourceFieldOfEitherNameIsRefused(_ names: (String, String)) {
        let table = TableSchema(table: "orders", stream: "orders", columns: [
            TableSchema.Column(name: "id", source: "id", type: .integer),
            TableSchema.Column(name: names.0, source: names.1, type: .text),
        ])
        let clash = names.0.hasPrefix("_etl_") ? names.0 : names.1
        #expect(throws: HostError(.invalidArgument, "stream 'orders' has a column named \"\(clash)\", which --lineage adds to "
            + "every row; rename it (a pipeline step's columns:) or sync without --lineage")) {
            _ = try LineageColumns(Self.stamp, adding: table, stream: "orders")
        }
    }
}

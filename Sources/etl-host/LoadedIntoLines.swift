import ETLHost
import ETLWorkflow
import Foundation

/// The "where the data went" lines after a sync's summary, one per stream
/// that committed: `loaded into sqlite:///tmp/p/warehouse.db table orders (3 rows)`.
/// Printed on standard output with the summary (never with `--json` or
/// `--quiet`, so that output stays machine-clean).
enum LoadedIntoLines {
    /// The lines for `report`'s committed streams; `warehouse` is the
    /// warehouse's ``ETLHost/WarehouseLocation`` text.
    static func lines(_ report: SyncReport, warehouse: String) -> [String] {
        lines(report.streams, warehouse: warehouse)
    }

    /// The lines for the sync runs of a pipeline run, step by step in the
    /// record's order, as `loads` kept them.
    static func lines(_ record: PipelineRunRecord, loads: SyncRunLoads) -> [String] {
        record.steps.flatMap(\.syncRuns).compactMap(loads.load(ofSyncRun:)).flatMap { lines($0.streams, warehouse: $0.warehouse) }
    }

    /// The lines for the committed ones of `streams`.
    static func lines(_ streams: [StreamReport], warehouse: String) -> [String] {
        streams.filter { $0.status == .succeeded }.map { stream in
            "loaded into \(warehouse) table \(stream.table) (\(stream.rowsWritten) row\(stream.rowsWritten == 1 ? "" : "s"))"
        }
    }
}

import ETLHost
import Foundation

/// The "where the data went" lines after a sync's summary, one per stream
/// that committed: `loaded into sqlite:///tmp/p/warehouse.db table orders (3 rows)`.
/// Printed on standard output with the summary (never with `--json` or
/// `--quiet`, so that output stays machine-clean).
enum LoadedIntoLines {
    /// The lines for `report`'s committed streams; `warehouse` is the
    /// warehouse's ``ETLHost/WarehouseLocation`` text.
    static func lines(_ report: SyncReport, warehouse: String) -> [String] {
        report.streams.filter { $0.status == .succeeded }.map { stream in
            "loaded into \(warehouse) table \(stream.table) (\(stream.rowsWritten) row\(stream.rowsWritten == 1 ? "" : "s"))"
        }
    }
}

import ETLHost
import Foundation

/// What each sync run of a pipeline run loaded, and where: kept by
/// ``SyncStepExecutor`` as its runs end, read by `etl-host run` to print
/// the "loaded into WAREHOUSE table T (N rows)" lines after its summary.
/// The warehouse is its ``ETLHost/WarehouseLocation`` text, made from the
/// resolved connection (so a PostgreSQL URI shows without its password).
public final class SyncRunLoads: @unchecked Sendable {
    // @unchecked: `loads` is guarded by `lock` (steps run in parallel).
    private let lock = NSLock()
    private var loads: [String: Load] = [:]

    /// One sync run's outcome: where it loaded and its streams.
    public struct Load: Sendable, Equatable {
        /// The warehouse's ``ETLHost/WarehouseLocation`` text.
        public let warehouse: String
        /// The run's streams, as its report has them (committed ones have
        /// status `succeeded`).
        public let streams: [StreamReport]
    }

    /// An empty list.
    public init() {}

    /// Keeps what sync run `runID` loaded.
    func record(_ runID: String, warehouse: String, streams: [StreamReport]) {
        lock.withLock { loads[runID] = Load(warehouse: warehouse, streams: streams) }
    }

    /// What sync run `runID` loaded, or nil when it did not run in this
    /// process (or ended before its streams).
    public func load(ofSyncRun runID: String) -> Load? {
        lock.withLock { loads[runID] }
    }
}

/// Whether a sync adds the lineage columns (`--lineage`, `lineage: true`
/// in a pipeline's sync step) and whose lineage they carry.
public enum LineageRequest: Sendable, Equatable {
    /// No lineage columns.
    case off
    /// This run's id and start instant.
    case thisRun
    /// A replay's: the original run's id and instant (the rows still come
    /// from that run's snapshot).
    case kept(RunRecord.Lineage)
}

extension RunRecord {
    /// The values a run with `--lineage` put in every row it loaded:
    /// `_etl_run_id` and `_etl_loaded_at` (see ``LineageRequest``). A
    /// replay keeps the original run's, so its record holds them too.
    ///
    /// ```json
    /// "lineage": {"run_id": "20261201T090000000Z-0a1b2c3d", "loaded_at": "2026-12-01T09:00:00.000Z"}
    /// ```
    public struct Lineage: Codable, Equatable, Sendable {
        /// The run whose snapshot the rows came from.
        public var runID: String
        /// That run's start, ISO 8601 UTC with milliseconds.
        public var loadedAt: String

        /// A lineage stamp.
        public init(runID: String, loadedAt: String) {
            self.runID = runID
            self.loadedAt = loadedAt
        }

        enum CodingKeys: String, CodingKey {
            case runID = "run_id"
            case loadedAt = "loaded_at"
        }
    }
}

extension LineageRequest {
    /// The stamp a run `runID` that started at `startedAt` puts in its
    /// rows, or nil without lineage.
    public func stamp(runID: String, startedAt: String) -> RunRecord.Lineage? {
        switch self {
        case .off: nil
        case .thisRun: RunRecord.Lineage(runID: runID, loadedAt: startedAt)
        case .kept(let original): original
        }
    }
}

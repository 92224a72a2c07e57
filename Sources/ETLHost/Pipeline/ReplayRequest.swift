import ETLPluginKit
import Foundation

extension SyncRequest {
    /// The request that loads `original`'s snapshot into `warehouse` as
    /// that run loaded it: its mode (unless `mode` says otherwise), its key,
    /// and its deletions when it read every row. Recorded as a replay of it.
    public static func replaying(_ original: RunRecord, into warehouse: String, destinationConfig: JSONObject,
                                 mode: WriteMode? = nil, streams: [String]? = nil,
                                 workDirectory: String = SpoolDirectory.forThisRun()) -> SyncRequest {
        let mode = mode ?? original.mode
        var request = SyncRequest(
            extractor: original.extractor, warehouse: warehouse, sourceConfig: [:], destinationConfig: destinationConfig,
            mode: mode, primaryKey: original.primaryKey, streams: streams, workDirectory: workDirectory
        )
        if !original.incremental, mode == .upsert {
            request.deletions = original.deletions
        }
        request.pipeline = original.pipeline
        request.snapshot = false
        request.replayOf = original.id
        request.lineage = original.lineage.map { .kept($0) } ?? .off
        return request
    }
}

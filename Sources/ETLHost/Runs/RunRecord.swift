import ETLPluginKit
import Foundation

/// One retry of something transient, as `runs show` lists it.
public struct RetryEvent: Codable, Sendable, Equatable {
    /// When it was decided, ISO 8601 UTC.
    public var time: String
    /// The stream, when one was running.
    public var stream: String?
    /// Who retried: `host` (the whole stream again) or a plugin's name
    /// (its own retry of a request, reported through `etl_host_api.retry`).
    public var by: String
    /// Which attempt failed (1 for the first).
    public var attempt: Int
    /// Why: the failure's message.
    public var reason: String
    /// The wait before the next attempt, in seconds (nil when unknown).
    public var waitSeconds: Double?

    enum CodingKeys: String, CodingKey {
        case time, stream, by, attempt, reason
        case waitSeconds = "wait_seconds"
    }
}

/// A run as the state folder records it (`runs/<id>/run.json`): written
/// when the run starts and rewritten when it ends, so a run is recorded
/// even when the warehouse is unreachable or the process dies.
///
/// ```json
/// {"id": "20261122T101500Z-0a1b2c3d", "pipeline": "airtable_to_sqlite",
///  "extractor": "airtable", "warehouse": "sqlite", "mode": "replace",
///  "status": "succeeded", "started_at": "...", "finished_at": "...",
///  "streams": [{"stream": "Customers", "rows_written": 120, ...}], ...}
/// ```
public struct RunRecord: Codable, Sendable {
    /// The statuses a record can hold.
    public enum Status: String, Codable, Sendable {
        /// Started and not ended (or the process died: see ``RunStore``).
        case running
        /// Every stream succeeded (committed, or skipped as empty). A
        /// signal that arrives after the last commit returned does not
        /// change that.
        case succeeded
        /// At least one stream, or the run itself, failed.
        case failed
        /// Stopped by SIGINT or SIGTERM before every stream committed: the
        /// stream being loaded rolled back and later ones did not start
        /// (`cancelled`); streams that committed before the signal stay
        /// `succeeded`, with their rows.
        case cancelled
        /// Recorded as running by a process that no longer exists (killed).
        case interrupted
    }

    /// The run's id, sortable by start time.
    public var id: String
    /// The pipeline's name (`--pipeline`, default `<extractor>_to_<warehouse>`).
    public var pipeline: String
    public var extractor: String
    public var warehouse: String
    /// How the tables were loaded (JSON: `replace`, `append` or `upsert`).
    public var mode: WriteMode
    public var status: Status
    /// ISO 8601 UTC.
    public var startedAt: String
    public var finishedAt: String?
    public var durationSeconds: Double?
    /// Per stream, in run order (filled as streams end).
    public var streams: [StreamReport]
    /// What stopped the run, when it did not get to its streams.
    public var error: String?
    /// The fields of ``error`` (plugin, stream, table, row, database
    /// codes) when a ``HostError`` stopped the run and names any; nil (and
    /// absent from JSON) otherwise and in records written before this field.
    public var errorDetail: ErrorDetail?
    /// Every retry, by the host or a plugin.
    public var retries: [RetryEvent]
    /// The process that ran it.
    public var pid: Int32
    /// The configs as given, secrets as `***` unless they were `@env:` or
    /// `@file:` references (for `replay`).
    public var sourceConfig: [String: JSONValue]
    public var destinationConfig: [String: JSONValue]
    /// The options that shape the load, for `replay`.
    public var incremental: Bool
    /// What happened to rows the source no longer has (JSON: `keep`,
    /// `remove` or `flag`).
    public var deletions: DeletionMode
    public var primaryKey: [String]?
    /// Whether a raw snapshot of the run was kept (see ``SnapshotStore``).
    public var snapshot: Bool
    /// The run this one replayed, if it is a replay.
    public var replayOf: String?
    /// The pipeline run whose sync step ran this sync (`etl-host run`),
    /// set when the sync ends.
    public var pipelineRun: String?
    /// The absolute folder the run ran in, which relative paths in its
    /// configs (a SQLite `path=warehouse.db`) mean: `replay` loads into
    /// that warehouse from any folder. Nil in records written before it
    /// was recorded.
    public var workingDirectory: String?
    /// Where the snapshot is kept when it is not in the run's folder
    /// (`--snapshot-dir`): an absolute path. Nil: `runs/<id>/snapshot`.
    public var snapshotFolder: String?
    /// The `_etl_run_id` and `_etl_loaded_at` the run put in every row
    /// (`--lineage`); nil without lineage and in older records.
    public var lineage: Lineage?

    enum CodingKeys: String, CodingKey {
        case id, pipeline, extractor, warehouse, mode, status, streams, error, retries, pid, incremental, deletions
        case errorDetail = "error_detail"
        case snapshot
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case durationSeconds = "duration_seconds"
        case sourceConfig = "source_config"
        case destinationConfig = "destination_config"
        case primaryKey = "primary_key"
        case replayOf = "replay_of"
        case pipelineRun = "pipeline_run"
        case workingDirectory = "working_directory"
        case snapshotFolder = "snapshot_folder"
        case lineage
    }

    /// Rows written over all streams.
    public var rowsWritten: Int { streams.reduce(0) { $0 + $1.rowsWritten } }
}

extension RunRecord.Status {
    /// The status of a run whose streams ended as `streams`: cancelled when
    /// one was cancelled, failed when one failed, else succeeded. Decided
    /// from what happened to each stream, never from whether a signal came.
    public init(streams: [StreamReport]) {
        if streams.contains(where: { $0.status == .cancelled }) {
            self = .cancelled
        } else if streams.contains(where: { $0.status == .failed }) {
            self = .failed
        } else {
            self = .succeeded
        }
    }
}

import Foundation

/// What happened to one stream in a sync.
public struct StreamReport: Codable, Sendable, Equatable {
    /// The stream's name in the source.
    public var stream: String
    /// The warehouse table it loads into.
    public var table: String
    /// `succeeded` (its data committed), `failed`, `cancelled` (rolled
    /// back, or never started, after SIGINT/SIGTERM) or `skipped`.
    public var status: String
    /// Rows the extractor returned.
    public var rowsRead: Int
    /// Rows committed to the warehouse.
    public var rowsWritten: Int
    /// Rows set aside as bad (`_etl_rejects`).
    public var rowsRejected: Int
    /// Columns this run added to the table.
    public var newColumns: [String]
    /// Columns whose type this run widened, as `name: old -> new`.
    public var widenedColumns: [String]
    /// Wall-clock seconds for the stream.
    public var seconds: Double
    /// Why the stream failed or was skipped.
    public var error: String?
    /// How many times the stream was run (more than 1 after transient
    /// failures; see ``RetryPolicy``).
    public var attempts: Int?
    /// Whether the stream's data, state and run record were committed to
    /// the warehouse: true for every `succeeded` stream, and for a stream
    /// that failed only after its commit returned (its rejects could not
    /// be stored). Nil in records written before this field existed.
    public var committed: Bool?

    enum CodingKeys: String, CodingKey {
        case stream, table, status, error, seconds, attempts, committed
        case rowsRead = "rows_read"
        case rowsWritten = "rows_written"
        case rowsRejected = "rows_rejected"
        case newColumns = "new_columns"
        case widenedColumns = "widened_columns"
    }
}

/// What happened in a whole sync run.
public struct SyncReport: Codable, Sendable, Equatable {
    /// The run's id.
    public var runID: String
    /// Extractor plugin name.
    public var extractor: String
    /// Warehouse plugin name.
    public var warehouse: String
    /// replace, append or upsert.
    public var mode: String
    /// The run's ``RunRecord/Status``: `succeeded` when every stream
    /// succeeded, `cancelled` when a stream was cancelled (the streams that
    /// committed before say `succeeded`), else `failed`.
    public var status: String
    /// ISO 8601 start time.
    public var startedAt: String
    /// ISO 8601 end time.
    public var finishedAt: String
    /// Per stream, in run order.
    public var streams: [StreamReport]
    /// What stopped the run before its streams (nil when it got to them).
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case extractor, warehouse, mode, status, streams, error
        case runID = "run_id"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
    }
}

/// Receives a sync's progress (for a live progress line).
public protocol SyncObserver: AnyObject {
    /// A stream started.
    func streamStarted(_ stream: String)
    /// Rows so far in a phase (`reading` or `loading`) of a stream.
    func streamProgress(_ stream: String, phase: String, rows: Int)
    /// A stream ended.
    func streamFinished(_ report: StreamReport)
}

extension StreamReport {
    /// Whether the stream's data is in the warehouse (``committed``, or
    /// `succeeded` in records older than that field).
    public var isCommitted: Bool { committed ?? (status == "succeeded") }
}

extension Array where Element == StreamReport {
    /// One phrase naming which streams committed and which did not, for
    /// the end of a cancelled or failed run, e.g. `committed: a (3000
    /// rows); not committed: b (cancelled)`.
    public var commitSummary: String {
        let committed = filter(\.isCommitted).map { "\($0.stream) (\($0.rowsWritten) rows)" }
        let notCommitted = filter { !$0.isCommitted }.map { "\($0.stream) (\($0.status))" }
        return "committed: " + (committed.isEmpty ? "none" : committed.joined(separator: ", "))
            + "; not committed: " + (notCommitted.isEmpty ? "none" : notCommitted.joined(separator: ", "))
    }
}

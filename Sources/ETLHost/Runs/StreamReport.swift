import Foundation

/// How one stream of a sync ended (`status` in run records, `--json`
/// output and the summary table; the JSON text is the raw value).
public enum StreamStatus: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    /// Its data, state and run row committed.
    case succeeded
    /// It failed: rolled back, or failed after its commit (see
    /// ``StreamReport/committed``).
    case failed
    /// Rolled back, or never started, after SIGINT/SIGTERM.
    case cancelled
    /// Nothing to load (no fields, or an empty source the empty-source
    /// rule keeps from emptying the table).
    case skipped

    /// The raw value, e.g. `succeeded`.
    public var description: String { rawValue }
}

/// What happened to one stream in a sync.
public struct StreamReport: Codable, Sendable, Equatable {
    /// The stream's name in the source.
    public var stream: String
    /// The warehouse table it loads into.
    public var table: String
    /// How the stream ended.
    public var status: StreamStatus
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
    /// New columns left out by a `discard` schema contract
    /// (``StreamShaping/Contract``); nil (and absent from JSON) when none.
    public var discardedColumns: [String]?
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
    /// The fields of ``error`` (plugin, stream, table, row, database
    /// codes) when the stream failed with a ``HostError``; nil (and absent
    /// from JSON) otherwise and in records written before this field.
    public var errorDetail: ErrorDetail?
    /// The table that keeps the SCD2 history of ``table`` (`--history`);
    /// nil (and absent from JSON) without history.
    public var historyTable: String?

    enum CodingKeys: String, CodingKey {
        case stream, table, status, error, seconds, attempts, committed
        case errorDetail = "error_detail"
        case rowsRead = "rows_read"
        case rowsWritten = "rows_written"
        case rowsRejected = "rows_rejected"
        case newColumns = "new_columns"
        case widenedColumns = "widened_columns"
        case discardedColumns = "discarded_columns"
        case historyTable = "history_table"
    }
}

extension StreamReport {
    /// Whether the stream's data is in the warehouse (``committed``, or
    /// `succeeded` in records older than that field).
    public var isCommitted: Bool { committed ?? (status == .succeeded) }
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

import Foundation

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

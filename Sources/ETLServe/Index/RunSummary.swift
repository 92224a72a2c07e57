import ETLHost
import ETLWorkflow
import Foundation

/// One run as the runs page lists it: a pipeline run or a sync run, with
/// what an operator scans for (status, trigger, rows, duration, warning
/// and error counts, the error). Built from the run's record and log; never
/// holds a config.
public struct RunSummary: Codable, Sendable, Equatable {
    /// The run's id.
    public var id: String
    /// `pipeline` (pipeline.json) or `sync` (run.json).
    public var kind: RunSummaryKind
    /// The pipeline's name (a sync run: its `--pipeline` name).
    public var pipeline: String
    /// running, succeeded, failed, cancelled or interrupted.
    public var status: String
    /// What started it (a sync run: `cli`, or its pipeline run's trigger is not known here).
    public var trigger: RunTrigger
    /// ISO 8601 UTC.
    public var startedAt: String
    /// ISO 8601 UTC, when it ended.
    public var finishedAt: String?
    /// From start to end, in seconds.
    public var durationSeconds: Double?
    /// Rows written (a pipeline run: over its steps).
    public var rows: Int
    /// Warning lines in its log (a pipeline run: with its sync steps' logs).
    public var warnings: Int
    /// Error lines in its log (a pipeline run: with its sync steps' logs).
    public var errors: Int
    /// What stopped it: the run's error, or the first failed step's.
    public var error: String?
    /// The pipeline run a sync run belongs to (its sync step), if any.
    public var parentRun: String?

    enum CodingKeys: String, CodingKey {
        case id, kind, pipeline, status, trigger, rows, warnings, errors, error
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case durationSeconds = "duration_seconds"
        case parentRun = "parent_run"
    }

    /// A summary of a pipeline run; `logs` are the texts of its log and its sync runs' logs.
    public init(pipelineRun record: PipelineRunRecord, logs: [String]) {
        id = record.id
        kind = .pipeline
        pipeline = record.pipeline
        status = record.status.rawValue
        trigger = record.trigger ?? .cli
        startedAt = record.startedAt
        finishedAt = record.finishedAt
        durationSeconds = record.durationSeconds
        rows = record.steps.reduce(0) { $0 + ($1.rows ?? 0) }
        (warnings, errors) = LogLevelCount.count(logs)
        if let runError = record.error {
            error = runError
        } else if let failed = record.steps.first(where: { $0.state == .failed }) {
            error = "step '\(failed.name)': \(failed.error ?? "failed")"
        }
        parentRun = nil
    }

    /// A summary of a sync run; `log` is the text of its log.
    public init(syncRun record: RunRecord, log: String) {
        id = record.id
        kind = .sync
        pipeline = record.pipeline
        status = record.status.rawValue
        trigger = .cli
        startedAt = record.startedAt
        finishedAt = record.finishedAt
        durationSeconds = record.durationSeconds
        rows = record.rowsWritten
        (warnings, errors) = LogLevelCount.count([log])
        error = record.error ?? record.streams.first(where: { $0.status == .failed }).map { "stream '\($0.stream)': \($0.error ?? "failed")" }
        parentRun = record.pipelineRun
    }
}

/// The two kinds of run record in the state folder.
public enum RunSummaryKind: String, Codable, Sendable, CaseIterable {
    /// A pipeline run (`etl-host run`): `pipeline.json`.
    case pipeline
    /// A sync run (`etl-host sync`, or a pipeline's sync step): `run.json`.
    case sync
}

/// Counts warn and error lines of run logs (`log.jsonl`, one JSON object a line).
enum LogLevelCount {
    /// (warnings, errors) over the texts.
    static func count(_ logs: [String]) -> (Int, Int) {
        var warnings = 0
        var errors = 0
        for log in logs {
            for line in log.split(separator: "\n") {
                if line.contains("\"level\":\"warn\"") { warnings += 1 } else if line.contains("\"level\":\"error\"") { errors += 1 }
            }
        }
        return (warnings, errors)
    }
}

extension RunSummary {
    /// A summary from its fields (the index's rows).
    init(id: String, kind: RunSummaryKind, pipeline: String, status: String, trigger: RunTrigger, startedAt: String,
         finishedAt: String?, durationSeconds: Double?, rows: Int, warnings: Int, errors: Int, error: String?, parentRun: String?) {
        self.id = id
        self.kind = kind
        self.pipeline = pipeline
        self.status = status
        self.trigger = trigger
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.durationSeconds = durationSeconds
        self.rows = rows
        self.warnings = warnings
        self.errors = errors
        self.error = error
        self.parentRun = parentRun
    }
}

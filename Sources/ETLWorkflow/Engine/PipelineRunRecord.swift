import ETLHost
import Foundation

/// A pipeline run as the state folder records it
/// (`runs/<id>/pipeline.json`, beside the sync runs' `run.json`): written
/// atomically after every change of a step's state, so a run killed at
/// any moment leaves a readable record.
///
/// ```json
/// {"id": "20261206T121500Z-0a1b2c3d", "kind": "pipeline", "pipeline": "shop",
///  "file": "etl.yaml", "file_sha256": "…", "status": "failed",
///  "steps": [{"name": "raw_rates", "kind": "sync", "state": "succeeded",
///             "attempts": 1, "rows": 3, "sync_runs": ["…"]}, …]}
/// ```
public struct PipelineRunRecord: Codable, Sendable, Equatable {
    /// How a pipeline run ended (or that it has not).
    public enum Status: String, Codable, Sendable {
        /// Started and not ended (or the process died: it then reads as interrupted).
        case running
        /// Every step succeeded (or was skipped as done by the run it resumes).
        case succeeded
        /// A step failed.
        case failed
        /// SIGINT or SIGTERM stopped it.
        case cancelled
        /// Recorded as running by a process that no longer exists.
        case interrupted
    }

    /// The run's id (the same form as a sync run's).
    public var id: String
    /// What kind of run this is: always ``RunKind/pipeline`` (a sync run's record has no kind).
    public var kind = RunKind.pipeline
    /// The pipeline's name.
    public var pipeline: String
    /// The pipeline file, as named on the command line.
    public var file: String
    /// SHA-256 of the file's bytes: `--resume` refuses a changed file.
    public var fileSHA256: String
    /// How it ended, or `running`.
    public var status: Status
    /// When it started, ISO 8601 UTC.
    public var startedAt: String
    /// When it ended, ISO 8601 UTC.
    public var finishedAt: String?
    /// From start to end.
    public var durationSeconds: Double?
    /// The process that ran it.
    public var pid: Int32
    /// What started it (nil in records written before triggers were recorded: read as ``RunTrigger/cli``).
    public var trigger: RunTrigger?
    /// The run this one resumes (`--resume`).
    public var resumedFrom: String?
    /// `--full-refresh` as given (`STEP` or `STEP.STREAM`).
    public var fullRefresh: [String]
    /// Steps run at once at most (`--parallel`).
    public var parallel: Int
    /// What stopped the run as a whole, if anything did.
    public var error: String?
    /// The selected steps, in the order they were scheduled.
    public var steps: [StepRecord]

    enum CodingKeys: String, CodingKey {
        case id, kind, pipeline, file, status, pid, parallel, error, steps, trigger
        case fileSHA256 = "file_sha256"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case durationSeconds = "duration_seconds"
        case resumedFrom = "resumed_from"
        case fullRefresh = "full_refresh"
    }

    /// A new record: every step pending.
    public init(id: String, pipeline: String, file: String, fileSHA256: String, startedAt: String, steps: [StepRecord],
                parallel: Int = 1, resumedFrom: String? = nil, fullRefresh: [String] = [], trigger: RunTrigger = .cli) {
        self.id = id
        self.pipeline = pipeline
        self.file = file
        self.fileSHA256 = fileSHA256
        status = .running
        self.startedAt = startedAt
        pid = getpid()
        self.resumedFrom = resumedFrom
        self.trigger = trigger
        self.fullRefresh = fullRefresh
        self.parallel = parallel
        self.steps = steps
    }

    /// The record of step `name`.
    public func step(_ name: String) -> StepRecord? { steps.first { $0.name == name } }

    /// Steps that succeeded or were skipped as done.
    public var stepsDone: Int { steps.filter { $0.state.letsDownstreamRun }.count }
    /// Steps that failed (not counting those whose upstream failed).
    public var stepsFailed: Int { steps.filter { $0.state == .failed }.count }
}

/// The kinds of run record that carry a `kind` key.
public enum RunKind: String, Codable, Sendable {
    /// A pipeline run (`pipeline.json`).
    case pipeline
}

/// One step of a pipeline run.
public struct StepRecord: Codable, Sendable, Equatable {
    /// The step's name.
    public var name: String
    /// sync, sql, check or command.
    public var kind: StepKindName
    /// Where it stands.
    public var state: StepState
    /// Attempts made (0 when it did not start).
    public var attempts: Int
    /// ISO 8601 UTC, of the first attempt.
    public var startedAt: String?
    /// ISO 8601 UTC, when it reached its final state.
    public var finishedAt: String?
    /// From the first attempt's start to the end.
    public var seconds: Double?
    /// Rows the step wrote (syncs: over all streams), when it knows.
    public var rows: Int?
    /// Why the last attempt failed, or why the step did not run.
    public var error: String?
    /// The exit code this step's failure maps to (see ``ETLHost/ExitStatus``).
    public var exitCode: Int32?
    /// The sync runs this step ran, in order (each recorded as a sync run
    /// whose `pipeline_run` names this run).
    public var syncRuns: [String]
    /// Failed assertions of a check step.
    public var checkFailures: Int?
    /// The SQL a `sql` step ran (file, text, SHA-256).
    public var sql: StepSQLRecord?
    /// Every assertion of a `check` step, passed or failed.
    public var checks: [StepCheckRecord]?

    enum CodingKeys: String, CodingKey {
        case name, kind, state, attempts, seconds, rows, error, sql, checks
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case exitCode = "exit_code"
        case syncRuns = "sync_runs"
        case checkFailures = "check_failures"
    }

    /// A pending step.
    public init(name: String, kind: StepKindName) {
        self.name = name
        self.kind = kind
        state = .pending
        attempts = 0
        syncRuns = []
    }
}

import ETLHost
import Foundation

/// Runs the steps of one kind. The engine calls ``run(_:in:)`` once per
/// attempt; an executor reports success or a failed check as a
/// ``StepOutcome`` and any other failure by throwing (a ``ETLHost/HostError``
/// whose kind and `retryable` flag decide the exit code and whether the
/// engine tries again, as for sync streams).
///
/// The bundled executors (``StepExecutors/standard(registry:logLevel:logFormat:)``):
/// ``SyncStepExecutor``, ``SQLStepExecutor``, ``CheckStepExecutor``, ``CommandStepExecutor``.
public protocol StepExecutor: Sendable {
    /// Runs `step` once.
    func run(_ step: Step, in context: StepRunContext) throws -> StepOutcome
}

/// How an attempt of a step ended, when it did not throw.
public enum StepOutcome: Sendable, Equatable {
    /// The step did its work; `rows` written when it knows.
    case succeeded(rows: Int?)
    /// A check step found `count` failing assertions (or rows) with
    /// severity error: the step fails, the steps that need it do not
    /// run, and the run exits with ``ETLHost/ExitStatus/checkFailed``.
    /// A check with severity warn reports `.succeeded` instead.
    case checkFailed(count: Int, message: String)
}

/// What an executor gets besides its step.
public struct StepRunContext: Sendable {
    /// The pipeline being run.
    public let pipeline: PipelineFile
    /// The pipeline run's id.
    public let runID: String
    /// Which attempt this is (1 for the first).
    public let attempt: Int
    /// The pipeline run's log (steps' lines are tagged with their step).
    public let log: RunLog
    /// Raised by SIGINT/SIGTERM: stop and throw a `.cancelled` error.
    public let cancellation: Cancellation
    /// The state folder (absolute).
    public let stateDirectory: String
    /// The folder relative paths written in the pipeline resolve against
    /// when they did at parse time (the current folder the run started in).
    public let startDirectory: String
    /// `--full-refresh` for this step: nil none, empty every stream, else these streams.
    public let fullRefresh: Set<String>?
    /// Records a sync run this step starts (before it starts), so the
    /// pipeline record names it even when the process dies during it.
    public let recordSyncRun: @Sendable (String) -> Void
    /// Keeps what the step did besides rows (its SQL, its checks) in its
    /// record; the last call of an attempt wins.
    public let recordDetail: @Sendable (StepDetail) -> Void

    /// A context.
    public init(pipeline: PipelineFile, runID: String, attempt: Int, log: RunLog, cancellation: Cancellation, stateDirectory: String,
                startDirectory: String, fullRefresh: Set<String>?, recordSyncRun: @escaping @Sendable (String) -> Void,
                recordDetail: @escaping @Sendable (StepDetail) -> Void = { _ in }) {
        self.pipeline = pipeline
        self.runID = runID
        self.attempt = attempt
        self.log = log
        self.cancellation = cancellation
        self.stateDirectory = stateDirectory
        self.startDirectory = startDirectory
        self.fullRefresh = fullRefresh
        self.recordSyncRun = recordSyncRun
        self.recordDetail = recordDetail
    }

    /// `path` (as resolved at parse time) made absolute.
    public func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : (startDirectory as NSString).appendingPathComponent(path)
    }
}

import ETLHost
import ETLPluginKit
import Foundation

/// How a ``Workflow`` (or an ``ETLWorkflow``) runs: what `etl-host run`'s
/// options say for a file.
public struct WorkflowRunOptions: Sendable {
    /// Where plugins are looked up; nil: ``WorkflowPlugins/registry(registryFile:etlHostDirectory:environment:)``
    /// with its defaults (the installed etl-host's).
    public var registry: PluginRegistry?
    /// The state folder (runs, sync state, locks); nil: `$ETL_STATE_DIR`,
    /// else etl-host's default, so `etl-host runs` lists the run.
    public var stateDirectory: String?
    /// Steps run at once at most (`--parallel`, default 1).
    public var parallel = 1
    /// When another run of the workflow holds its lock: wait for it (the
    /// default), or throw at once (`--no-wait`).
    public var wait = true
    /// The lowest level of log lines echoed to standard error (all go to
    /// the run's log file).
    public var logLevel: LogLevel = .warn
    /// Raise it to stop the run (running steps see it; pending ones are
    /// cancelled). The library installs no signal handler.
    public var cancellation = Cancellation()
    /// Executors added to (or replacing) the standard ones, by kind.
    public var executors: [StepKindName: any StepExecutor] = [:]
    /// A run of this workflow to resume (its id, or a unique beginning of
    /// one), as `etl-host run --resume`: the steps that did not succeed and
    /// those downstream of them run again under a new run id; the others
    /// are recorded as skipped. Refused when the workflow's declaration
    /// changed since that run (see ``Workflow/fingerprint``).
    public var resume: String?
    /// The engine's clock (tests move a fake one).
    public var clock: any EngineClock = SystemClock()

    /// The defaults.
    public init() {}
}

/// Why a workflow did not run at all.
public enum WorkflowError: Error, Sendable, CustomStringConvertible {
    /// The workflow is invalid (a cycle, an unknown step or connection, a
    /// plugin of the wrong kind...): one problem a line, each naming the
    /// Swift line that declares it. Nothing ran.
    case invalid(PipelineDiagnostics)
    /// Another run of the workflow holds its lock and ``WorkflowRunOptions/wait`` is false.
    case locked(workflow: String, holder: String?, lock: String)

    /// The message.
    public var description: String {
        switch self {
        case .invalid(let problems): "the workflow is invalid; nothing was run:\n\(problems)"
        case .locked(let workflow, let holder, let lock):
            "workflow '\(workflow)' is already running (\(holder.map { "\($0); " } ?? "")lock \(lock)); nothing was run"
        }
    }

    /// The exit code `etl-host run` uses for the same case.
    public var exitStatus: ExitStatus {
        switch self {
        case .invalid(let problems): problems.items.first?.status ?? .usage
        case .locked: .locked
        }
    }
}

import ETLHost
import ETLPluginKit

/// Work a Swift program hands to a ``Workflow`` as a step: the engine
/// calls ``run(_:)`` once per attempt. Throwing fails the attempt; a
/// ``ETLHost/HostError`` of kind `.operationFailed` with `retryable: true`
/// is transient and is tried again up to the step's
/// ``RetrySettings/maxAttempts`` (any other error fails the step at once).
///
/// ```swift
/// struct Refresh: WorkflowTask {
///     func run(_ context: WorkflowTaskContext) throws {
///         context.log("refreshing for run \(context.runID)")
///     }
/// }
/// let step = Step.task("refresh", Refresh(), needs: ["raw_rates"])
/// ```
public protocol WorkflowTask: Sendable {
    /// Does the step's work once.
    func run(_ context: WorkflowTaskContext) throws
}

/// What a ``WorkflowTask`` (or a closure step) sees of its run.
public struct WorkflowTaskContext: Sendable {
    /// The step's name.
    public let step: String
    /// The pipeline run's id (as `etl-host runs` lists it).
    public let runID: String
    /// Which attempt this is (1 for the first).
    public let attempt: Int
    /// The workflow's name.
    public let pipeline: String
    /// The state folder (absolute).
    public let stateDirectory: String
    /// Raised when the run is cancelled: long work should look at it and
    /// throw `HostError(.cancelled, ...)`.
    public let cancellation: Cancellation
    private let runLog: RunLog

    /// A context for an attempt of `step` (the engine makes them).
    public init(step: String, run context: StepRunContext) {
        self.step = step
        runID = context.runID
        attempt = context.attempt
        pipeline = context.pipeline.name
        stateDirectory = context.stateDirectory
        cancellation = context.cancellation
        runLog = context.log
    }

    /// Writes `message` to the run's log (`runs/<id>/log`), tagged with the
    /// step, as a command step's output lines are.
    public func log(_ message: String, level: LogLevel = .info) {
        runLog.write(level, plugin: nil, stream: nil, "[\(step) swift] \(message)")
    }
}

/// A step of Swift code (``StepKind/swift(_:)``): a ``WorkflowTask`` or a
/// closure. Only a workflow declared in code has such steps; the pipeline
/// file has no key for them, and `etl-host runs show` lists them with the
/// kind `swift`.
public struct SwiftStep: Sendable {
    /// What runs.
    public var task: any WorkflowTask
    /// What `plan` says the step runs: the task's type name, or `closure`.
    public var summary: String

    /// A step running `task`.
    public init(_ task: any WorkflowTask) {
        self.task = task
        summary = "\(type(of: task))"
    }

    /// A step running `body`.
    public init(_ body: @escaping @Sendable (WorkflowTaskContext) throws -> Void) {
        task = ClosureTask(body: body)
        summary = "closure"
    }
}

/// A closure as a ``WorkflowTask``.
struct ClosureTask: WorkflowTask {
    let body: @Sendable (WorkflowTaskContext) throws -> Void

    func run(_ context: WorkflowTaskContext) throws { try body(context) }
}

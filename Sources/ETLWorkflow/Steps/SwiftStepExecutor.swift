import ETLHost

/// Runs `swift` steps (``SwiftStep``): calls the step's ``WorkflowTask``
/// in this process, on the engine's thread for the step. A task that
/// returns succeeded (rows unknown); what it throws is the attempt's
/// failure (see ``WorkflowTask`` for which errors are retried).
public struct SwiftStepExecutor: StepExecutor {
    /// An executor.
    public init() {}

    /// Runs the step once.
    public func run(_ step: Step, in context: StepRunContext) throws -> StepOutcome {
        guard case .swift(let code) = step.kind else {
            throw HostError(.invalidArgument, "step '\(step.name)' is not a swift step")
        }
        do {
            try code.task.run(WorkflowTaskContext(step: step.name, run: context))
        } catch let error as HostError {
            throw error
        } catch {
            throw HostError(.operationFailed, "step '\(step.name)': \(error)")
        }
        return .succeeded(rows: nil)
    }
}

import ETLHost
import Foundation

/// Runs `check` steps with ``CheckRunner`` in the warehouse the step's
/// `warehouse:` names. Every assertion's result goes into the step's record
/// (``StepRecord/checks``); failed assertions with severity `error` end the
/// step as ``StepOutcome/checkFailed(count:message:)`` (exit
/// ``ETLHost/ExitStatus/checkFailed``), with severity `warn` it succeeds and
/// the failures are warnings in the log.
public struct CheckStepExecutor: StepExecutor {
    /// Where the step's warehouse plugin is looked up.
    public let registry: PluginRegistry
    /// Now, for `freshness`.
    public let clock: @Sendable () -> Date

    /// An executor loading warehouses from `registry`.
    public init(registry: PluginRegistry, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.registry = registry
        self.clock = clock
    }

    /// Runs every assertion of the step once.
    public func run(_ step: Step, in context: StepRunContext) throws -> StepOutcome {
        guard case .check(let check) = step.kind else {
            throw HostError(.invalidArgument, "step '\(step.name)' is not a check step")
        }
        let warehouse = try WarehouseConnection.open(check.warehouse, registry: registry, context: context)
        let report = try CheckRunner.run(step: check, name: step.name, warehouse: warehouse, clock: clock,
                                         log: context.log, cancellation: context.cancellation)
        context.recordDetail(StepDetail(checks: report.results.map(StepCheckRecord.init)))
        guard report.succeeded else {
            return .checkFailed(count: report.failures.count, message: report.summary)
        }
        return .succeeded(rows: nil)
    }
}

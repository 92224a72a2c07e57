import ETLHost
import Foundation

/// Runs `sql` steps with ``SQLMaterializer`` in the warehouse the step's
/// `into:` names, loaded as `sync` loads one. The SQL's text and SHA-256
/// go into the step's record (``StepRecord/sql``).
public struct SQLStepExecutor: StepExecutor {
    /// Where the step's warehouse plugin is looked up.
    public let registry: PluginRegistry

    /// An executor loading warehouses from `registry`.
    public init(registry: PluginRegistry) {
        self.registry = registry
    }

    /// Materializes the step's SELECT once (see ``SQLMaterializer``).
    public func run(_ step: Step, in context: StepRunContext) throws -> StepOutcome {
        guard case .sql(var sql) = step.kind else {
            throw HostError(.invalidArgument, "step '\(step.name)' is not a sql step")
        }
        // The file was resolved against the folder the run started in; `run` has moved to the pipeline's since.
        if case .file(let written, let resolved) = sql.source {
            sql.source = .file(written: written, resolved: context.absolute(resolved))
        }
        let warehouse = try WarehouseConnection.open(sql.into, registry: registry, context: context)
        let result = try SQLMaterializer.run(step: sql, name: step.name, warehouse: warehouse, runID: context.runID,
                                             log: context.log, cancellation: context.cancellation)
        context.recordDetail(StepDetail(sql: StepSQLRecord(result: result, source: sql.source)))
        return .succeeded(rows: result.rows.map(Int.init))
    }
}

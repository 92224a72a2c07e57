import ETLHost
import Foundation

/// The warehouse a `sql` or `check` step names (`into:` / `warehouse:`),
/// loaded as `sync` loads one: the plugin from the registry (trust checks,
/// kind), its config resolved (`@env:`/`@file:`) and validated against the
/// plugin's schema (``ResolvedConnection``, as `validate` resolves it), the resolved secrets added to the run's log so they
/// never appear in it.
enum WarehouseConnection {
    /// The step's warehouse, ready to open instances from.
    ///
    /// - Throws: the registry's errors (no such plugin, refused, not a
    ///   warehouse) and ``ETLHost/ConfigResolver``'s (exit 64).
    static func open(_ reference: ConnectionReference, registry: PluginRegistry, context: StepRunContext) throws -> StepWarehouse {
        let connection = try SyncStepExecutor.connection(reference, in: context.pipeline)
        let plugin = try registry.load(named: connection.plugin, kind: .warehouse)
        let resolved = try ResolvedConnection(connection, plugin: plugin)
        context.log.addSecrets(resolved.secrets)
        return try StepWarehouse(plugin: plugin, config: resolved.config, logSink: context.log.sink())
    }
}

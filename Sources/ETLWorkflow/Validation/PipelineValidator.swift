import ETLHost
import ETLPluginKit
import Foundation

/// The checks of a parsed pipeline that need its plugins: each
/// connection's plugin is in a registry and loads, is of the kind its
/// steps need, its config fits the plugin's config schema (as `sync`
/// checks it), every sync step's options fit both plugins' capabilities,
/// and `sql`/`check` steps go to warehouses that can run SQL. With
/// ``connect``, each connection is also opened and its plugin's `check`
/// called.
///
/// ```swift
/// let pipeline = try PipelineParser().parse(path: "etl.yaml")
/// let problems = PipelineValidator(registry: registry).validate(pipeline)
/// ```
public struct PipelineValidator {
    /// Where plugins are looked up.
    public var registry: PluginRegistry
    /// The environment `@env:` references are resolved from.
    public var environment: [String: String]
    /// Also open every connection and call its plugin's `check`, with the
    /// pipeline file's folder as the process's current folder (so relative
    /// paths in configs mean the same as in the file; restored afterwards).
    public var connect: Bool

    /// A validator.
    public init(registry: PluginRegistry, environment: [String: String] = ProcessInfo.processInfo.environment, connect: Bool = false) {
        self.registry = registry
        self.environment = environment
        self.connect = connect
    }

    /// A connection with its plugin loaded, or nil when it could not be.
    private struct Opened {
        var connection: Connection
        var plugin: LoadedPlugin?
        var resolved: ResolvedConnection?
    }

    /// Every problem found, in file order (empty when the pipeline is fine).
    public func validate(_ pipeline: PipelineFile) -> [PipelineDiagnostic] {
        let log = DiagnosticLog()
        var opened: [String: Opened] = [:]
        let inline = pipeline.steps.compactMap { step -> Connection? in
            if case .sync(let sync) = step.kind, case .inline(let connection) = sync.from { return connection }
            return nil
        }
        let kinds = Self.neededKinds(pipeline)
        for connection in pipeline.connections + inline {
            opened[connection.name] = load(connection, kind: kinds[connection.name], log: log)
        }
        func plugin(_ reference: ConnectionReference) -> (Connection, LoadedPlugin)? {
            let name: String
            switch reference {
            case .named(let named, _): name = named
            case .inline(let connection): name = connection.name
            }
            guard let entry = opened[name], let plugin = entry.plugin else { return nil }
            return (entry.connection, plugin)
        }
        for step in pipeline.steps {
            let what = "step '\(step.name)'"
            switch step.kind {
            case .sync(let sync):
                let source = plugin(sync.from), target = plugin(sync.to)
                let sourceFits = source.map { require(.extractor, $0, reference: sync.from, role: "\(what): sync: from", log: log) } ?? false
                let targetFits = target.map { require(.warehouse, $0, reference: sync.to, role: "\(what): sync: to", log: log) } ?? false
                if sourceFits, targetFits, let source, let target {
                    do {
                        try SyncOptionsCheck.check(mode: sync.mode, incremental: sync.incremental, deletions: sync.deletions,
                                                   extractor: source.1.descriptor, warehouse: target.1.descriptor)
                        try sync.history.check(mode: sync.mode, warehouse: target.1.descriptor)
                    } catch let error as HostError {
                        log.error(step.location, "\(what): \(error.message)")
                    } catch {
                        log.error(step.location, "\(what): \(error)")
                    }
                }
            case .sql(let sql):
                if let target = plugin(sql.into), require(.warehouse, target, reference: sql.into, role: "\(what): into", log: log) {
                    requireSQL(capability: "sql_execute", operation: "execute", target, reference: sql.into,
                               purpose: "\(what) materializes a \(sql.materialize.rawValue)", log: log)
                }
            case .check(let check):
                if let target = plugin(check.warehouse),
                   require(.warehouse, target, reference: check.warehouse, role: "\(what): check: warehouse", log: log) {
                    requireSQL(capability: "sql_query", operation: "query", target, reference: check.warehouse,
                               purpose: "\(what) queries table '\(check.table)'", log: log)
                }
            case .command, .swift:
                continue
            }
        }
        if connect {
            // Relative paths in connection configs are relative to the pipeline file's folder.
            let previous = FileManager.default.currentDirectoryPath
            _ = FileManager.default.changeCurrentDirectoryPath(pipeline.folder)
            defer { _ = FileManager.default.changeCurrentDirectoryPath(previous) }
            for connection in pipeline.connections + inline {
                guard let resolved = opened[connection.name]?.resolved else { continue }
                reach(resolved, log: log)
            }
        }
        return log.items
    }

    /// The kind each connection's first use needs (`from:` an extractor;
    /// `to:`, `into:`, `warehouse:` a warehouse), which picks the plugin
    /// when its name is both (`postgres`).
    private static func neededKinds(_ pipeline: PipelineFile) -> [String: PluginKind] {
        var kinds: [String: PluginKind] = [:]
        func note(_ reference: ConnectionReference, _ kind: PluginKind) {
            let name: String
            switch reference {
            case .named(let named, _): name = named
            case .inline(let connection): name = connection.name
            }
            if kinds[name] == nil { kinds[name] = kind }
        }
        for step in pipeline.steps {
            switch step.kind {
            case .sync(let sync):
                note(sync.from, .extractor)
                note(sync.to, .warehouse)
            case .sql(let sql): note(sql.into, .warehouse)
            case .check(let check): note(check.warehouse, .warehouse)
            case .command, .swift: continue
            }
        }
        return kinds
    }

    /// Loads the connection's plugin (of `kind` when its steps say) and
    /// validates its config.
    private func load(_ connection: Connection, kind: PluginKind?, log: DiagnosticLog) -> Opened {
        var entry = Opened(connection: connection)
        do {
            let plugin = try ResolvedConnection.loadPlugin(for: connection, registry: registry, kind: kind)
            entry.plugin = plugin
            entry.resolved = try ResolvedConnection(connection, plugin: plugin, environment: environment)
        } catch let error as HostError {
            log.error(connection.location, "connection '\(connection.name)': \(error.message)", status: error.exitStatus)
        } catch {
            log.error(connection.location, "connection '\(connection.name)': \(error)", status: .failure)
        }
        return entry
    }

    /// Whether the connection's plugin is of `kind`; a problem at the reference when not.
    private func require(_ kind: PluginKind, _ target: (Connection, LoadedPlugin), reference: ConnectionReference, role: String,
                         log: DiagnosticLog) -> Bool {
        let (connection, plugin) = target
        guard plugin.descriptor.kind != kind else { return true }
        let actual = plugin.descriptor.kind == .extractor ? "an extractor" : "a warehouse"
        let needed = kind == .extractor ? "an extractor (a source to read)" : "a warehouse (a destination to write)"
        log.error(reference.location, "\(role): connection '\(connection.name)' uses plugin '\(connection.plugin)', which is \(actual); \(needed) is needed here")
        return false
    }

    /// A problem unless the warehouse announces `capability` and implements `operation` (ABI 1.2).
    private func requireSQL(capability: String, operation: String, _ target: (Connection, LoadedPlugin), reference: ConnectionReference,
                            purpose: String, log: DiagnosticLog) {
        let (connection, plugin) = target
        let descriptor = plugin.descriptor
        guard !(descriptor.capabilities.contains(capability) && descriptor.optionalOperations.contains(operation)) else { return }
        log.error(reference.location, "\(purpose) in connection '\(connection.name)', but warehouse '\(connection.plugin)' cannot run SQL for it: it does not announce \(capability) (contract 1.2's \(operation) operation)")
    }

    /// Opens the connection and calls its plugin's `check`.
    private func reach(_ resolved: ResolvedConnection, log: DiagnosticLog) {
        let connection = resolved.connection
        do {
            try resolved.check()
        } catch let error as HostError {
            log.error(connection.location, "connection '\(connection.name)' is not reachable: \(error.message)", status: .failure)
        } catch {
            log.error(connection.location, "connection '\(connection.name)' is not reachable: \(error)", status: .failure)
        }
    }
}

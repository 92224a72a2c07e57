import ETLHost
import ETLPluginKit
import Foundation

/// A connection with its plugin loaded and its config resolved and
/// validated: what `validate` checks, and what a runner opens.
///
/// ```swift
/// let plugin = try ResolvedConnection.loadPlugin(for: connection, registry: registry)
/// let resolved = try ResolvedConnection(connection, plugin: plugin)
/// try resolved.check()     // open an instance, call the plugin's check
/// ```
public struct ResolvedConnection: Sendable {
    /// The connection as written.
    public let connection: Connection
    /// Its plugin, loaded (trust checks and probe passed).
    public let plugin: LoadedPlugin
    /// The config with `@env:`/`@file:` resolved, for the plugin's `open`;
    /// it may hold secrets: never print or record it.
    public let config: JSONObject
    /// The config to record with a run: references kept as written, other
    /// values of secret keys as `***`.
    public let recordedConfig: JSONObject
    /// The resolved values of secret keys, to scrub from log messages.
    public let secrets: [String]

    /// Loads the plugin a connection names.
    ///
    /// - Throws: `.invalidArgument` (exit 64) when no registry has it,
    ///   with the closest name; the registry's errors when it is refused.
    /// - Parameter kind: the kind the connection's steps need, which picks
    ///   the plugin when its name is both an extractor and a warehouse. A
    ///   name of the other kind only is still loaded, so that the caller
    ///   names the mismatch at the step that needs the kind.
    public static func loadPlugin(for connection: Connection, registry: PluginRegistry, kind: PluginKind? = nil) throws -> LoadedPlugin {
        guard registry.plugins.contains(where: { $0.entry.name == connection.plugin }) else {
            let names = Array(Set(registry.plugins.map(\.entry.name))).sorted()
            throw HostError(.invalidArgument, "no plugin named '\(connection.plugin)'\(KeySuggestion.hint(for: connection.plugin, in: names)) in \(registry.searchedDescription); available: \(names.isEmpty ? "none" : names.joined(separator: ", "))")
        }
        let hasKind = registry.plugins.contains { $0.entry.name == connection.plugin && $0.entry.kind == kind }
        return try registry.load(named: connection.plugin, kind: hasKind ? kind : nil)
    }

    /// Resolves and validates the connection's config against the
    /// plugin's config schema, as `etl-host sync` does.
    ///
    /// - Throws: ``ETLHost/ConfigResolver``'s errors (exit 64).
    public init(_ connection: Connection, plugin: LoadedPlugin,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let resolved = try ResolvedPluginConfig(name: connection.plugin, plugin: plugin, input: .init(file: connection.config.mapValues(\.jsonValue)),
                                        environment: environment)
        self.connection = connection
        self.plugin = plugin
        config = resolved.resolved
        recordedConfig = resolved.recorded
        secrets = resolved.secrets
    }

    /// Opens an instance and runs the plugin's `check` (nothing more when
    /// the plugin has none). Relative paths in the config are the plugin's
    /// business: call this with the pipeline's folder as the current folder.
    public func check() throws {
        let instance = try PluginInstance(plugin: plugin, configJSON: try ConfigResolver.json(config))
        defer { instance.close() }
        try instance.check()
    }
}

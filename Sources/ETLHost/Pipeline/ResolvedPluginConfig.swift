import ETLPluginKit
import Foundation

/// One plugin's config as a load needs it: resolved (`@env:`/`@file:`) and
/// validated against the plugin's schema, the form to record (references
/// as written, secrets as `***`), and the secret values to scrub from logs.
/// ``SyncSetup`` makes one per side; a pipeline's `sql` and `check` steps
/// make one for their warehouse.
///
/// ```swift
/// let config = try ResolvedPluginConfig(name: "sqlite", plugin: sqlite, input: .init(file: ["path": .string("w.db")]))
/// let instance = try PluginInstance(plugin: sqlite, configJSON: try ConfigResolver.json(config.resolved))
/// ```
public struct ResolvedPluginConfig: Sendable {
    /// The config, resolved and validated (may hold secrets).
    public let resolved: JSONObject
    /// The config to record.
    public let recorded: JSONObject
    /// The resolved values of its secret keys and of its nested references.
    public let secrets: [String]

    /// Resolves `input` for plugin `name` (loaded as `plugin`).
    ///
    /// - Throws: ``ConfigResolver``'s errors (exit 64).
    public init(name: String, plugin: LoadedPlugin, input: SyncSetup.ConfigInput,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let resolver = try ConfigResolver(plugin: name, schemaJSON: plugin.descriptor.configSchema)
        resolved = try resolver.resolve(settings: input.settings, file: input.file, environment: environment)
        recorded = resolver.recordable(settings: input.settings, file: input.file)
        secrets = resolver.secretValues(resolved)
            + ConfigResolver.nestedReferenceValues(given: resolver.recordable(settings: input.settings, file: input.file),
                                                   resolved: resolved)
    }
}

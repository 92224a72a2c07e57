import ETLPluginKit
import Foundation

/// What a sync needs before it can run, composed from plugin names and
/// config settings: both plugins loaded from the registry (trust checks,
/// probe), each config resolved (`@env:`/`@file:`) and validated against
/// its plugin's schema, the configs to record (references as written,
/// secrets as `***`), the secret values to scrub from the log, and the
/// notices about plugins that shadow bundled ones.
///
/// `etl-host sync` and the pipeline engine's sync steps both start here,
/// so a sync step loads and checks its plugins exactly as `sync` does.
///
/// ```swift
/// let setup = try SyncSetup(registry: registry, extractor: "csv", warehouse: "sqlite",
///                           source: .init(settings: ["path=orders.csv"]),
///                           destination: .init(settings: ["path=w.db"]))
/// var request = setup.request(mode: .replace, workDirectory: SpoolDirectory.forThisRun())
/// ```
public struct SyncSetup: Sendable {
    /// One side's config as given: `KEY=VALUE` settings (command line) over
    /// a config object (a file's, or a pipeline connection's).
    public struct ConfigInput: Sendable {
        /// `KEY=VALUE` settings; they win over ``file``.
        public var settings: [String]
        /// A config object (JSON-compatible Foundation values).
        public var file: JSONObject

        /// A config input.
        public init(settings: [String] = [], file: JSONObject = [:]) {
            self.settings = settings
            self.file = file
        }
    }

    /// The extractor's registry name.
    public let extractorName: String
    /// The warehouse's registry name.
    public let warehouseName: String
    /// The extractor, loaded.
    public let extractor: LoadedPlugin
    /// The warehouse, loaded.
    public let warehouse: LoadedPlugin
    /// Lines announcing a plugin that shadows a bundled one (to log as warnings).
    public let shadowingNotices: [String]
    /// The extractor's config, resolved and validated (may hold secrets).
    public let sourceConfig: JSONObject
    /// The warehouse's config, resolved and validated (may hold secrets).
    public let destinationConfig: JSONObject
    /// The extractor's config to record.
    public let recordedSourceConfig: JSONObject
    /// The warehouse's config to record.
    public let recordedDestinationConfig: JSONObject
    /// The resolved values of secret keys of both configs.
    public let secrets: [String]

    /// Loads both plugins and resolves both configs, in this order:
    /// extractor, warehouse, the extractor's config, the warehouse's.
    ///
    /// - Throws: the registry's errors (no such plugin, refused, wrong
    ///   kind) and ``ConfigResolver``'s (exit 64).
    public init(registry: PluginRegistry, extractor extractorName: String, warehouse warehouseName: String,
                source: ConfigInput, destination: ConfigInput,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.extractorName = extractorName
        self.warehouseName = warehouseName
        extractor = try registry.load(named: extractorName, kind: .extractor)
        warehouse = try registry.load(named: warehouseName, kind: .warehouse)
        shadowingNotices = registry.shadowingNotices(for: [extractorName, warehouseName], kinds: [.extractor, .warehouse])
        let sourceSide = try ResolvedPluginConfig(name: extractorName, plugin: extractor, input: source, environment: environment)
        let destinationSide = try ResolvedPluginConfig(name: warehouseName, plugin: warehouse, input: destination, environment: environment)
        sourceConfig = sourceSide.resolved
        destinationConfig = destinationSide.resolved
        recordedSourceConfig = sourceSide.recorded
        recordedDestinationConfig = destinationSide.recorded
        secrets = sourceSide.secrets + destinationSide.secrets
    }

    /// A request for these plugins and configs (the recorded configs set);
    /// the caller sets the remaining options.
    public func request(mode: WriteMode, primaryKey: [String]? = nil, streams: [String]? = nil, workDirectory: String) -> SyncRequest {
        var request = SyncRequest(
            extractor: extractorName, warehouse: warehouseName, sourceConfig: sourceConfig,
            destinationConfig: destinationConfig, mode: mode, primaryKey: primaryKey, streams: streams,
            workDirectory: workDirectory)
        request.recordedSourceConfig = recordedSourceConfig
        request.recordedDestinationConfig = recordedDestinationConfig
        return request
    }
}

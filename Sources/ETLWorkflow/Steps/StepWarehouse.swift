import ETLHost
import ETLPluginKit
import Foundation

/// The warehouse a `sql` or `check` step works in: its loaded plugin and
/// its resolved configuration (secrets already in place), from which the
/// step opens the instances it needs.
///
/// ```swift
/// let plugin = try PluginLoader().load(libraryAt: ".build/debug/libetl_sqlite.so")
/// let dwh = try StepWarehouse(plugin: plugin, config: ["path": .string("dwh.db")])
/// let result = try SQLMaterializer.run(step: sql, name: "orders", warehouse: dwh)
/// ```
public struct StepWarehouse: Sendable {
    /// The warehouse plugin.
    public let plugin: LoadedPlugin
    /// Its configuration, a JSON object.
    public let configJSON: String
    /// Where the plugin's log messages go (a run's ``RunLog/sink()``).
    public let logSink: any PluginLogSink

    /// A warehouse with its configuration as JSON text.
    public init(plugin: LoadedPlugin, configJSON: String, logSink: any PluginLogSink = StandardErrorLogSink()) {
        self.plugin = plugin
        self.configJSON = configJSON
        self.logSink = logSink
    }

    /// A warehouse with its configuration as a JSON object.
    ///
    /// - Throws: `.invalidArgument` when `config` is not valid JSON (a
    ///   NaN or infinite number).
    public init(plugin: LoadedPlugin, config: JSONObject,
                logSink: any PluginLogSink = StandardErrorLogSink()) throws {
        let object = config.mapValues(\.foundation)
        guard JSONSerialization.isValidJSONObject(object),
              let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
            throw HostError(.invalidArgument, "the configuration of warehouse '\(plugin.descriptor.name)' is not "
                + "a JSON object")
        }
        self.init(plugin: plugin, configJSON: String(decoding: data, as: UTF8.self), logSink: logSink)
    }

    /// The plugin's name, as messages give it.
    public var name: String { plugin.descriptor.name }

    /// Opens a new instance (a connection of its own).
    func open() throws -> PluginInstance {
        try PluginInstance(plugin: plugin, configJSON: configJSON, logSink: logSink)
    }
}

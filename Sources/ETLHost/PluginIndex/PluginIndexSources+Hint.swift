import Foundation

extension PluginIndexSources {
    /// The sentence a "no plugin named NAME" error ends with when plugin
    /// indexes are configured (`$ETL_PLUGIN_INDEX`, `./etl-index.json` or
    /// the user's `etl-index.json`): the commands that look the name up
    /// there and install it. Nil when no index is configured, or when a
    /// configuration file cannot be read (its own commands report that).
    ///
    /// ```swift
    /// PluginIndexSources.notFoundHint(name: "erp", environment: ["ETL_PLUGIN_INDEX": "/srv/index.json"])
    /// // "`etl-host plugins search erp` looks for it in the plugin indexes (/srv/index.json); `etl-host plugins install erp` installs it from there"
    /// ```
    public static func notFoundHint(
        name: String,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: String = FileManager.default.currentDirectoryPath
    ) -> String? {
        guard let sources = try? PluginIndexSources(environment: environment, currentDirectory: currentDirectory),
              !sources.locations.isEmpty else { return nil }
        return "`etl-host plugins search \(name)` looks for it in the plugin indexes (\(sources.locations.map(\.reference).joined(separator: ", "))); "
            + "`etl-host plugins install \(name)` installs it from there"
    }
}

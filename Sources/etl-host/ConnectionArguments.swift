import ETLHost
import ETLPluginKit
import Foundation

/// One side of a sync (or the warehouse of `query` and `show`) as the
/// command line, the environment and a `--config` file give it: the
/// plugin's registry name and its config input, in the documented order of
/// precedence (docs/CONFIGURATION.md): flags, then the environment
/// (`ETL_SOURCE`, `ETL_SOURCE__<KEY>`, ...), then the `.env` file (already
/// merged below the environment by ``ETLWorkflow/ProjectEnvironment``),
/// then the file.
struct ConnectionArguments {
    /// The plugin's registry name.
    var plugin: String
    /// Its config: `KEY=VALUE` settings, later ones winning, over the file's object.
    var input: SyncSetup.ConfigInput
    /// Keys whose value is an `ETL_SOURCE__<KEY>`/`ETL_DESTINATION__<KEY>`
    /// variable's (no later setting overrides it): key -> variable.
    var environmentKeys: [String: String] = [:]

    /// `recorded` (a config as a run records it) with each secret that
    /// came from a variable (recorded as `***`) recorded as `@env:VARIABLE`
    /// instead, so that `replay` can read it again from the environment (or
    /// the run folder's `.env`) while no record holds its value.
    func recordingEnvironmentReferences(_ recorded: JSONObject) -> JSONObject {
        var recorded = recorded
        for (key, variable) in environmentKeys where recorded[key] == .string(ConfigResolver.redactedValue) {
            recorded[key] = .string("@env:\(variable)")
        }
        return recorded
    }

    /// Composes one side; nil when neither the argument, the environment
    /// nor the file names a plugin.
    ///
    /// - Parameters:
    ///   - argument: the command-line argument: a plugin name or a
    ///     ``ConnectionURI``.
    ///   - flags: the `-s`/`-d` settings of that side.
    ///   - filePlugin: the plugin a `--config` file names.
    ///   - fileConfig: that file's config object for the side.
    /// - Throws: a malformed URI (exit 64).
    static func resolve(argument: String?, side: EnvironmentConfig.Side, flags: [String],
                        filePlugin: String? = nil, fileConfig: JSONObject = [:],
                        environment: [String: String]) throws -> ConnectionArguments? {
        // The argument wins over ETL_SOURCE/ETL_DESTINATION, which wins over the file's plugin;
        // a URI's keys come just below the -s/-d flags of its own level.
        let named = argument ?? EnvironmentConfig.plugin(side, in: environment)
        let (plugin, uriSettings) = try named.map(split) ?? (filePlugin, [])
        guard let plugin else { return nil }
        let environmentKeys = EnvironmentConfig.settings(side, in: environment)
        let later = argument == nil ? flags : uriSettings + flags
        let settings = argument == nil ? uriSettings + environmentKeys + flags : environmentKeys + uriSettings + flags
        var connection = ConnectionArguments(plugin: plugin, input: .init(settings: settings, file: fileConfig))
        // A key a later setting (or a later whole @file: config) may set is not the variable's.
        if !later.contains(where: { $0.hasPrefix("@file:") }) {
            for setting in environmentKeys {
                let key = String(setting.prefix { $0 != "=" })
                guard !later.contains(where: { $0.hasPrefix(key + "=") }) else { continue }
                connection.environmentKeys[key] = EnvironmentConfig.variable(side, key: key)
            }
        }
        return connection
    }

    /// A plugin name as it is, or a URI as its plugin and settings.
    private static func split(_ text: String) throws -> (String?, [String]) {
        guard ConnectionURI.isURI(text) else { return (text, []) }
        let uri = try ConnectionURI(text)
        return (uri.plugin, uri.settings)
    }
}

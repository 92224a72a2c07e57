import Foundation

/// Plugin configs from environment variables, under one naming scheme
/// (like dlt's `SOURCES__...`): `ETL_SOURCE` and `ETL_DESTINATION` name
/// the plugins (a registry name or a ``ConnectionURI``), and
/// `ETL_SOURCE__<KEY>` / `ETL_DESTINATION__<KEY>` set one config key each,
/// the key being the variable's suffix in lower case.
///
/// ```swift
/// let environment = ["ETL_SOURCE": "csv", "ETL_SOURCE__PATH": "orders.csv", "ETL_SOURCE__DELIMITER": ";"]
/// EnvironmentConfig.plugin(.source, in: environment)     // "csv"
/// EnvironmentConfig.settings(.source, in: environment)   // ["delimiter=;", "path=orders.csv"]
/// ```
///
/// Precedence (docs/CONFIGURATION.md): command-line flags (`-s`/`-d`, a
/// URI, a plugin name) over the environment, over the project's `.env`
/// file (which never overrides a variable that is set), over a `--config`
/// file. A value may itself be `@env:NAME` or `@file:PATH`; the values of
/// secret keys are recorded as `***` and scrubbed from logs, exactly as
/// when they are given with `-s`/`-d`.
public enum EnvironmentConfig {
    /// Which side of a sync a variable configures.
    public enum Side: String, Sendable, CaseIterable {
        /// The extractor: `ETL_SOURCE`, `ETL_SOURCE__<KEY>`.
        case source = "ETL_SOURCE"
        /// The warehouse: `ETL_DESTINATION`, `ETL_DESTINATION__<KEY>`.
        case destination = "ETL_DESTINATION"

        /// The variable that names the plugin (or holds its URI).
        public var pluginVariable: String { rawValue }
        /// The prefix of the variables that set one key each.
        public var keyPrefix: String { rawValue + "__" }
    }

    /// The plugin (a name or a URI) the environment names for `side`, if
    /// the variable is set and not empty.
    public static func plugin(_ side: Side, in environment: [String: String]) -> String? {
        guard let value = environment[side.pluginVariable], !value.isEmpty else { return nil }
        return value
    }

    /// The config keys the environment sets for `side`, as `KEY=VALUE`
    /// settings sorted by key (an empty value is an empty text, not left out).
    public static func settings(_ side: Side, in environment: [String: String]) -> [String] {
        environment.compactMap { name, value -> (String, String)? in
            guard name.hasPrefix(side.keyPrefix), name.count > side.keyPrefix.count else { return nil }
            return (String(name.dropFirst(side.keyPrefix.count)).lowercased(), value)
        }.sorted { $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }
    }

    /// The variable that sets `key` on `side`: `ETL_SOURCE__PATH` for `path`.
    public static func variable(_ side: Side, key: String) -> String {
        side.keyPrefix + key.uppercased()
    }
}

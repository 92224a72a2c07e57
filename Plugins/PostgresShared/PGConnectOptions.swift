import ETLPluginKit

/// The connection keys the PostgreSQL warehouse and extractor share
/// (`url`, `application_name`, `connect_timeout`), checked, and the libpq
/// keywords they become.
///
/// ```swift
/// let options = try PGConnectOptions(config)   // {"url": "postgresql://me@db/x"}
/// let db = try PGConnection(parameters: options.connectionParameters,
///                           redactor: SecretRedactor(url: options.url), host: host)
/// ```
package struct PGConnectOptions: Sendable {
    /// A `postgresql://` URI or a libpq `key=value` string; `nil`: libpq's
    /// environment variables and defaults decide.
    package let url: String?
    /// `application_name` for the session, when given (otherwise the URL's
    /// or `etl-host`).
    package let applicationName: String?
    /// Seconds to wait for the connection, when given.
    package let connectTimeoutSeconds: Int64?

    /// The config keys read here.
    package static let keys: Set<String> = ["url", "application_name", "connect_timeout"]

    /// Reads and checks the connection keys of `config` (other keys are
    /// left to the caller).
    package init(_ config: PluginConfig) throws(PostgresError) {
        do {
            url = try config.string("url")
            applicationName = try config.string("application_name")
            connectTimeoutSeconds = try config.integer("connect_timeout")
        } catch {
            throw PostgresError.wrapping(error)
        }
        if let url, url.isEmpty {
            throw PostgresError.invalidArgument("config \"url\" is empty; give a server such as "
                + "postgresql://user@localhost:5432/analytics, or leave the key out to use PGHOST, PGDATABASE, ...")
        }
        if let connectTimeoutSeconds, connectTimeoutSeconds < 1 {
            throw PostgresError.invalidArgument("config \"connect_timeout\" must be at least 1 (seconds)")
        }
    }

    /// The libpq connection keywords: the URL first (expanded), then what
    /// the config sets explicitly, which wins over the URL.
    package var connectionParameters: [(String, String)] {
        var parameters: [(String, String)] = []
        if let url { parameters.append(("dbname", url)) }
        if let applicationName { parameters.append(("application_name", applicationName)) }
        parameters.append(("fallback_application_name", "etl-host"))
        if let connectTimeoutSeconds { parameters.append(("connect_timeout", String(connectTimeoutSeconds))) }
        parameters.append(("client_encoding", "UTF8"))
        return parameters
    }
}

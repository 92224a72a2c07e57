import Foundation

/// A connection URI given in place of a plugin name and its `-s`/`-d`
/// keys, as sling and ingestr accept them: the scheme picks the plugin and
/// the rest of the URI becomes the plugin's config keys.
///
/// ```swift
/// let source = try ConnectionURI("csv:///data/orders*.csv?delimiter=;")
/// source.plugin     // "csv"
/// source.settings   // ["path=/data/orders*.csv", "delimiter=;"]
/// let warehouse = try ConnectionURI("postgresql://me@db:5432/shop?sslmode=require&schema=raw")
/// warehouse.settings  // ["url=postgresql://me@db:5432/shop?sslmode=require", "schema=raw"]
/// ```
///
/// The mapping per scheme (docs/CONFIGURATION.md):
/// - `csv://PATH`, `jsonl://PATH`, `sqlite://PATH`: `path=PATH`, the text
///   after `scheme://` up to `?`, percent-decoded (`csv:///abs/*.csv` is
///   absolute, `sqlite://w.db` relative to the current folder); each query
///   parameter `KEY=VALUE` is one more key.
/// - `postgresql://...` and `postgres://...`: the `postgres` plugin with
///   `url=` the URI itself; query parameters that libpq knows (`sslmode`,
///   `application_name`, ...) stay in the URI, any other (`schema`,
///   `schemas`, `tables`, ...) becomes a key of its own.
public struct ConnectionURI: Sendable, Equatable {
    /// The schemes etl-host reads, and the plugin each names.
    public enum Scheme: String, Sendable, CaseIterable {
        /// `csv://PATH` (a file, a folder or a glob).
        case csv
        /// `jsonl://PATH`.
        case jsonl
        /// `sqlite://PATH` (the database file).
        case sqlite
        /// `postgresql://user@host:port/database?...` (libpq's URI).
        case postgresql
        /// `postgres://...`, the same as `postgresql://`.
        case postgres

        /// The registry name of the plugin the scheme names.
        public var plugin: String {
            switch self {
            case .csv: "csv"
            case .jsonl: "jsonl"
            case .sqlite: "sqlite"
            case .postgresql, .postgres: "postgres"
            }
        }
    }

    /// The URI as given.
    public let text: String
    /// The scheme.
    public let scheme: Scheme
    /// The plugin's registry name.
    public var plugin: String { scheme.plugin }
    /// The plugin's config as `KEY=VALUE` settings, in URI order.
    public let settings: [String]

    /// Whether `text` is written as a URI (`scheme://...`) rather than as a
    /// plugin name.
    public static func isURI(_ text: String) -> Bool {
        guard let range = text.range(of: "://") else { return false }
        let scheme = text[..<range.lowerBound]
        return !scheme.isEmpty && scheme.allSatisfy { $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." }
    }

    /// Parses a URI.
    ///
    /// - Throws: `.invalidArgument` (exit 64) for an unknown scheme, an
    ///   empty path, a malformed percent escape or query parameter.
    public init(_ text: String) throws {
        self.text = text
        guard Self.isURI(text), let separator = text.range(of: "://") else {
            throw HostError(.invalidArgument, "'\(text)' is not a connection URI (scheme://...)")
        }
        let schemeText = text[..<separator.lowerBound].lowercased()
        guard let scheme = Scheme(rawValue: schemeText) else {
            throw HostError(.invalidArgument, "unknown connection URI scheme '\(schemeText)://'; known: "
                + Scheme.allCases.map { "\($0.rawValue)://" }.joined(separator: ", ")
                + " (for another plugin, name it and give its keys with -s/-d KEY=VALUE)")
        }
        self.scheme = scheme
        let rest = text[separator.upperBound...]
        let (body, query) = Self.split(rest)
        let parameters = try Self.parameters(query, uri: scheme == .postgresql || scheme == .postgres ? "a PostgreSQL URI" : "'\(schemeText)://'")
        switch scheme {
        case .csv, .jsonl, .sqlite:
            guard let path = body.removingPercentEncoding else {
                throw HostError(.invalidArgument, "\(schemeText)://: the path '\(body)' has a malformed %-escape (write % as %25)")
            }
            guard !path.isEmpty else {
                throw HostError(.invalidArgument, "\(schemeText)://: the URI names no path (e.g. \(schemeText):///abs/path or \(schemeText)://relative/path)")
            }
            settings = ["path=\(path)"] + parameters.map { "\($0.key)=\($0.value)" }
        case .postgresql, .postgres:
            let kept = parameters.filter { Self.libpqParameters.contains($0.key) }
            let keys = parameters.filter { !Self.libpqParameters.contains($0.key) }
            let url = text[..<separator.upperBound] + body + (kept.isEmpty ? "" : "?" + kept.map { "\($0.rawKey)=\($0.rawValue)" }.joined(separator: "&"))
            settings = ["url=\(url)"] + keys.map { "\($0.key)=\($0.value)" }
        }
    }

    /// The URI with its password (`user:password@`) left out, for messages
    /// and "loaded into" lines.
    public static func redactingPassword(_ uri: String) -> String {
        guard let separator = uri.range(of: "://"),
              let at = uri[separator.upperBound...].firstIndex(of: "@") else { return uri }
        let userInfo = uri[separator.upperBound..<at]
        guard !userInfo.contains("/"), let colon = userInfo.firstIndex(of: ":") else { return uri }
        return String(uri[..<colon]) + ":***" + String(uri[at...])
    }

    /// One query parameter, raw (as written) and decoded.
    private struct Parameter {
        var rawKey: Substring
        var rawValue: Substring
        var key: String
        var value: String
    }

    private static func split(_ rest: Substring) -> (body: Substring, query: Substring?) {
        guard let question = rest.firstIndex(of: "?") else { return (rest, nil) }
        return (rest[..<question], rest[rest.index(after: question)...])
    }

    private static func parameters(_ query: Substring?, uri: String) throws -> [Parameter] {
        guard let query, !query.isEmpty else { return [] }
        return try query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw HostError(.invalidArgument, "\(uri): the query parameter '\(pair)' is not KEY=VALUE")
            }
            let rawKey = pair[..<equals]
            let rawValue = pair[pair.index(after: equals)...]
            guard let key = String(rawKey).removingPercentEncoding,
                  let value = String(rawValue).removingPercentEncoding else {
                throw HostError(.invalidArgument, "\(uri): the query parameter '\(rawKey)' has a malformed %-escape (write % as %25)")
            }
            return Parameter(rawKey: rawKey, rawValue: rawValue, key: key, value: value)
        }
    }

    /// The connection parameters libpq reads from a URI's query (PostgreSQL
    /// 17, "Parameter Key Words"); they stay in `url`.
    static let libpqParameters: Set<String> = [
        "host", "hostaddr", "port", "dbname", "user", "password", "passfile", "require_auth", "channel_binding",
        "connect_timeout", "client_encoding", "options", "application_name", "fallback_application_name",
        "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout", "replication",
        "gssencmode", "sslmode", "requiressl", "sslnegotiation", "sslcompression", "sslcert", "sslkey", "sslpassword",
        "sslcertmode", "sslrootcert", "sslcrl", "sslcrldir", "sslsni", "requirepeer", "ssl_min_protocol_version",
        "ssl_max_protocol_version", "krbsrvname", "gsslib", "gssdelegation", "service", "target_session_attrs",
        "load_balance_hosts",
    ]
}

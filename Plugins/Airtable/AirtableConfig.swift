import ETLHTTPShared
import ETLPluginKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The Airtable extractor's configuration, checked. The token is kept
/// apart and never described.
struct AirtableConfig {
    /// The base id, `app…`.
    let base: String
    /// The tables to read (names or ids), in the order given; `nil` for
    /// every table of the base.
    let tables: [String]?
    /// A view (name or id) whose records and order to read, in every table.
    let view: String?
    /// The API's root, without a trailing slash.
    let apiURL: String
    /// Where the token came from, for messages: `config "token"` or the
    /// environment variable's name.
    let tokenSource: String
    /// The personal access token. Never log or describe it.
    let token: String
    /// Requests per second per base (Airtable allows 5).
    let requestsPerSecond: Int
    /// Seconds to send nothing to the base after a 429 (Airtable: 30).
    let rateLimitWaitSeconds: Double
    /// Retries of one request after a transient failure.
    let maxRetries: Int
    /// Seconds one request may take, connection included.
    let timeoutSeconds: Double
    /// Seconds subtracted from a read's start time to make the incremental
    /// cursor, covering clock skew and Airtable's own update delays.
    let incrementalLookbackSeconds: Double
    /// The folder of the pacing files that processes reading the same base
    /// share: `<state folder>/airtable-pacing` (see ``stateFolder(environment:)``).
    let pacingFolder: String

    /// Every key the config accepts (the schema says the same).
    static let keys: Set<String> = [
        "base", "tables", "view", "api_url", "token", "token_env", "requests_per_second",
        "rate_limit_wait_seconds", "max_retries", "timeout_seconds", "incremental_lookback_seconds", "state_dir",
    ]

    /// The JSON Schema of the config, published in the descriptor.
    static let schema = #"""
    {
      "type": "object",
      "additionalProperties": false,
      "required": ["base"],
      "properties": {
        "base": {
          "type": "string",
          "description": "The id of the Airtable base to read, app followed by 14 letters and digits (the part of the base's URL that starts with app)."
        },
        "tables": {
          "type": "array",
          "items": {"type": "string"},
          "description": "The tables to read, by name or id (tbl...), one stream each, named after the table. Default: every table of the base. Required when the token cannot read the base's schema (no schema.bases:read scope). The host's --streams also selects streams."
        },
        "view": {
          "type": "string",
          "description": "Read only the records of this view (name or id), in its order. It must exist in every table read."
        },
        "api_url": {
          "type": "string",
          "default": "https://api.airtable.com",
          "description": "The root of Airtable's Web API, or of an Airtable-compatible server or proxy (http or https)."
        },
        "token": {
          "type": "string",
          "x-secret": true,
          "description": "An Airtable personal access token (pat...) with the data.records:read scope, and schema.bases:read for typed columns. Write @env:NAME or @file:PATH rather than the token itself. Default: the environment variable named by token_env."
        },
        "token_env": {
          "type": "string",
          "default": "AIRTABLE_TOKEN",
          "description": "The environment variable that holds the token when token is not given."
        },
        "requests_per_second": {
          "type": "integer",
          "default": 5,
          "description": "At most this many requests to the base in any one second (Airtable allows 5 per base; more earns a 429 and a penalty)."
        },
        "rate_limit_wait_seconds": {
          "type": "number",
          "default": 30,
          "description": "After a 429, send nothing to the base for this many seconds (Airtable's penalty), then continue where the read stopped."
        },
        "max_retries": {
          "type": "integer",
          "default": 5,
          "description": "Retries of one request after a transient failure (5xx, dropped connection, truncated or non-JSON body, 429), with exponential backoff and jitter."
        },
        "timeout_seconds": {
          "type": "number",
          "default": 60,
          "description": "Seconds one request may take, connecting included."
        },
        "incremental_lookback_seconds": {
          "type": "number",
          "default": 60,
          "description": "Incremental reads: the saved cursor is the time the read started minus this many seconds, so that clock skew and Airtable's update delays never lose a change (records changed in that margin are read again; the host upserts them)."
        },
        "state_dir": {
          "type": "string",
          "description": "The host's state folder, where airtable-pacing/ keeps one pacing file per base so that every etl-host process of this machine reading the base shares its 5 requests per second. Default: the host's own, $ETL_STATE_DIR, else $XDG_STATE_HOME/etl-host, else ~/.local/state/etl-host."
        }
      }
    }
    """#

    /// Reads and checks a config; `environment` looks up variables (the
    /// process environment by default).
    init(_ config: PluginConfig, environment: (String) -> String? = AirtableConfig.processEnvironment) throws(PluginError) {
        try config.rejectUnknownKeys(allowed: Self.keys)
        base = try config.requiredString("base")
        guard base.hasPrefix("app"), base.count > 3, base.utf8.allSatisfy(Self.isAlphanumeric) else {
            throw PluginError.invalidArgument("config \"base\" must be a base id: app followed by letters and "
                + "digits, as in the base's URL (https://airtable.com/appXXXXXXXXXXXXXX/...)")
        }
        switch config["tables"] {
        case nil, .null?:
            tables = nil
        case .array(let items)?:
            var names: [String] = []
            for item in items {
                guard case .string(let name) = item, !name.isEmpty else {
                    throw PluginError.invalidArgument("config \"tables\" must be a list of table names or ids "
                        + "(non-empty strings), got \(item.typeName)")
                }
                if !names.contains(name) { names.append(name) }
            }
            guard !names.isEmpty else {
                throw PluginError.invalidArgument("config \"tables\" is empty; leave it out to read every table")
            }
            tables = names
        case let value?:
            throw PluginError.invalidArgument("config \"tables\" must be a list of table names or ids, got \(value.typeName)")
        }
        view = try config.string("view")
        if let view, view.isEmpty {
            throw PluginError.invalidArgument("config \"view\" is empty; leave it out to read every record")
        }

        var url = try config.string("api_url") ?? "https://api.airtable.com"
        while url.hasSuffix("/") { url.removeLast() }
        let lower = url.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://"), url.count > 8,
              !url.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F })
        else {
            throw PluginError.invalidArgument("config \"api_url\" must be an http or https URL such as "
                + "https://api.airtable.com")
        }
        apiURL = url

        let tokenEnv = try config.string("token_env") ?? "AIRTABLE_TOKEN"
        if let token = try config.string("token") {
            guard !token.isEmpty else {
                throw PluginError(.unauthenticated, "config \"token\" is empty; give an Airtable personal access "
                    + "token, e.g. token=@env:AIRTABLE_TOKEN")
            }
            self.token = token
            tokenSource = "config \"token\""
        } else {
            guard !tokenEnv.isEmpty else {
                throw PluginError.invalidArgument("config \"token_env\" is empty; name the environment variable "
                    + "that holds the token, or give config \"token\"")
            }
            guard let token = environment(tokenEnv), !token.isEmpty else {
                throw PluginError(.unauthenticated, "no Airtable token: set the environment variable \(tokenEnv) "
                    + "to a personal access token (https://airtable.com/create/tokens), or give config \"token\" "
                    + "(e.g. token=@env:NAME or token=@file:PATH)")
            }
            self.token = token
            tokenSource = "environment variable \(tokenEnv)"
        }

        let rate = try config.integer("requests_per_second") ?? 5
        guard rate >= 1, rate <= 1000 else {
            throw PluginError.invalidArgument("config \"requests_per_second\" must be between 1 and 1000 "
                + "(Airtable allows 5 per base), got \(rate)")
        }
        requestsPerSecond = Int(rate)
        rateLimitWaitSeconds = try config.number("rate_limit_wait_seconds") ?? 30
        guard rateLimitWaitSeconds >= 0, rateLimitWaitSeconds <= 3600 else {
            throw PluginError.invalidArgument("config \"rate_limit_wait_seconds\" must be between 0 and 3600, "
                + "got \(rateLimitWaitSeconds)")
        }
        let retries = try config.integer("max_retries") ?? 5
        guard retries >= 0, retries <= 100 else {
            throw PluginError.invalidArgument("config \"max_retries\" must be between 0 and 100, got \(retries)")
        }
        maxRetries = Int(retries)
        timeoutSeconds = try config.number("timeout_seconds") ?? 60
        guard timeoutSeconds > 0, timeoutSeconds <= 3600 else {
            throw PluginError.invalidArgument("config \"timeout_seconds\" must be more than 0 and at most 3600, "
                + "got \(timeoutSeconds)")
        }
        incrementalLookbackSeconds = try config.number("incremental_lookback_seconds") ?? 60
        guard incrementalLookbackSeconds >= 0, incrementalLookbackSeconds <= 31 * 86_400 else {
            throw PluginError.invalidArgument("config \"incremental_lookback_seconds\" must be between 0 and "
                + "2678400 (31 days), got \(incrementalLookbackSeconds)")
        }
        let stateFolder = try config.string("state_dir") ?? Self.stateFolder(environment: environment)
        guard !stateFolder.isEmpty else {
            throw PluginError.invalidArgument("config \"state_dir\" is empty; leave it out to use the host's state "
                + "folder")
        }
        pacingFolder = stateFolder + "/airtable-pacing"
    }

    /// The host's state folder, found as the host finds it: `$ETL_STATE_DIR`,
    /// else `$XDG_STATE_HOME/etl-host`, else `$HOME/.local/state/etl-host`.
    static func stateFolder(environment: (String) -> String?) -> String {
        HostStateFolder.path(environment: environment)
    }

    /// `api_url` for messages: without any `user:password@` part.
    var displayURL: String {
        guard let schemeEnd = apiURL.firstRange(of: "://") else { return apiURL }
        let rest = apiURL[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return apiURL }
        return String(apiURL[..<schemeEnd.upperBound]) + String(rest[rest.index(after: at)...])
    }

    /// Whether `api_url` sends the token in clear text to a host other
    /// than this machine.
    var sendsTokenInClear: Bool {
        guard apiURL.lowercased().hasPrefix("http://") else { return false }
        let rest = apiURL.dropFirst("http://".count)
        var authority = rest.split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
        if let at = authority.lastIndex(of: "@") { authority = String(authority[authority.index(after: at)...]) }
        let host: String
        if authority.hasPrefix("[") {
            host = String(authority.prefix { $0 != "]" }.dropFirst())
        } else {
            host = String(authority.split(separator: ":").first ?? "")
        }
        return !(host == "localhost" || host == "::1" || host.hasPrefix("127."))
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    static func processEnvironment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}

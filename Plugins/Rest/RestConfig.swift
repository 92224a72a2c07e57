import ETLPluginKit

/// The REST extractor's configuration, checked: where the API is, how to
/// authenticate, and one ``RestResource`` per stream. Secrets (a token, a
/// key, a password) are kept here only; no message shows them.
struct RestConfig {
    /// The API root, without a trailing slash: `https://api.example.com/v1`.
    let baseURL: String
    /// Extra header lines sent with every request (`Name: value`).
    let headers: [String]
    /// Query parameters sent with every request, in config order of their names (sorted).
    let params: [(String, String)]
    /// How requests authenticate.
    let auth: RestAuth
    /// The streams.
    let resources: [RestResource]
    /// Retries of one request (429, 5xx, a dropped connection) before the read fails.
    let maxRetries: Int
    /// The longest one request may take, in seconds.
    let timeoutSeconds: Double
    /// The least time between two request starts, in seconds (0: no pacing),
    /// from `requests_per_second` and `requests_per_minute` (the stricter wins).
    let requestInterval: Double

    /// Every key the config accepts (the schema says the same).
    static let keys: Set<String> = Set(["base_url", "headers", "params", "auth", "paginator", "resources", "max_retries",
                                        "timeout_seconds", "requests_per_second", "requests_per_minute"]).union(RestAuth.keys)
        .union(RestPacing.keys)

    /// Reads and checks a config.
    init(_ config: PluginConfig) throws(PluginError) {
        try config.rejectUnknownKeys(allowed: Self.keys)
        var base = try config.requiredString("base_url")
        guard base.hasPrefix("http://") || base.hasPrefix("https://") else {
            throw PluginError.invalidArgument("config \"base_url\" must start with http:// or https:// (got \"\(base)\")")
        }
        while base.hasSuffix("/") { base.removeLast() }
        baseURL = base
        headers = try Self.stringMap(try Self.object(config["headers"], key: "headers"), key: "headers").map { "\($0.0): \($0.1)" }
        params = try Self.stringMap(try Self.object(config["params"], key: "params"), key: "params")
        auth = try RestAuth(config)
        let defaultPaginator = try Paginator(try Self.object(config["paginator"], key: "paginator"), place: "config \"paginator\"") ?? .none
        guard let list = try Self.object(config["resources"], key: "resources")?.arrayValue, !list.isEmpty else {
            throw PluginError.invalidArgument("config \"resources\" is missing or empty; give a list such as "
                + #"[{"name": "users", "path": "/users"}]"#)
        }
        var resources: [RestResource] = []
        for (index, entry) in list.enumerated() {
            let resource = try RestResource(entry, index: index, defaultPaginator: defaultPaginator)
            guard !resources.contains(where: { $0.name == resource.name }) else {
                throw PluginError.invalidArgument("config \"resources\"[\(index)]: the name \"\(resource.name)\" is used twice")
            }
            resources.append(resource)
        }
        for resource in resources {
            guard let parent = resource.parent else { continue }
            guard let parentResource = resources.first(where: { $0.name == parent.resource }) else {
                throw PluginError.invalidArgument("resource \"\(resource.name)\": its path names resource "
                    + "\"\(parent.resource)\", which is not in config \"resources\"")
            }
            guard parentResource.parent == nil, parentResource.name != resource.name else {
                throw PluginError.invalidArgument("resource \"\(resource.name)\": its parent \"\(parent.resource)\" "
                    + "must be a resource without a parent of its own")
            }
            guard resource.incremental == nil else {
                throw PluginError.invalidArgument("resource \"\(resource.name)\": a child resource cannot be incremental yet")
            }
        }
        self.resources = resources
        let retries = try config.integer("max_retries") ?? 5
        guard (0...50).contains(retries) else {
            throw PluginError.invalidArgument("config \"max_retries\" must be between 0 and 50 (got \(retries))")
        }
        maxRetries = Int(retries)
        let timeout = try config.number("timeout_seconds") ?? 60
        guard timeout > 0, timeout <= 3600 else {
            throw PluginError.invalidArgument("config \"timeout_seconds\" must be more than 0 and at most 3600")
        }
        timeoutSeconds = timeout
        var interval = 0.0
        for (key, span) in [("requests_per_second", 1.0), ("requests_per_minute", 60.0)] {
            guard let rate = try config.number(key) else { continue }
            guard rate > 0, rate.isFinite else {
                throw PluginError.invalidArgument("config \"\(key)\" must be more than 0 (got \(rate))")
            }
            interval = max(interval, span / rate)
        }
        requestInterval = interval
    }

    /// The resource named `stream`.
    func resource(named stream: String) throws(PluginError) -> RestResource {
        guard let resource = resources.first(where: { $0.name == stream }) else {
            throw PluginError(.notFound, "no resource named \"\(stream)\" in config \"resources\" (streams: "
                + resources.map(\.name).joined(separator: ", ") + ")")
        }
        return resource
    }

    /// `value`, or the JSON it holds when it is text (a pipeline file or
    /// `-s` may give an object or a list as JSON text).
    static func object(_ value: JSONValue?, key: String) throws(PluginError) -> JSONValue? {
        guard case .string(let text) = value, text.first == "{" || text.first == "[" else { return value }
        do throws(PluginError) {
            return try JSONValue(parsing: text)
        } catch {
            throw PluginError.invalidArgument("config \"\(key)\": \(error.message)")
        }
    }

    /// An object of strings (numbers and booleans are written as text), sorted by name.
    static func stringMap(_ value: JSONValue?, key: String) throws(PluginError) -> [(String, String)] {
        guard let value, value != .null else { return [] }
        guard let members = value.objectValue else {
            throw PluginError.invalidArgument("config \"\(key)\" must be an object of names and values")
        }
        var pairs: [(String, String)] = []
        for name in members.keys.sorted() {
            switch members[name]! {
            case .string(let text): pairs.append((name, text))
            case .integer(let number): pairs.append((name, String(number)))
            case .number(let number): pairs.append((name, String(number)))
            case .bool(let flag): pairs.append((name, flag ? "true" : "false"))
            default:
                throw PluginError.invalidArgument("config \"\(key)\".\(name) must be a string, a number or a boolean")
            }
        }
        return pairs
    }
}

/// How requests authenticate. The secret is never part of a message.
enum RestAuth {
    /// No credentials.
    case none
    /// `Authorization: Bearer <token>`.
    case bearer(token: String)
    /// An API key in a header (`X-API-Key: <key>`).
    case apiKeyHeader(name: String, key: String)
    /// An API key as a query parameter (`?api_key=<key>`); masked in messages.
    case apiKeyQuery(name: String, key: String)
    /// `Authorization: Basic base64(username:password)`.
    case basic(username: String, password: String)

    /// The kinds, as written in config `auth.type`.
    enum Kind: String, CaseIterable { case none, bearer, apiKey = "api_key", basic }

    /// Reads the auth keys of `config` (top-level keys, so that the host
    /// resolves `@env:` and `@file:` in them and keeps them out of logs).
    init(_ config: PluginConfig) throws(PluginError) {
        let typeName = try config.string("auth") ?? "none"
        guard let kind = Kind(rawValue: typeName) else {
            throw PluginError.invalidArgument("config \"auth\" must be one of "
                + Kind.allCases.map(\.rawValue).joined(separator: ", ") + " (got \"\(typeName)\")")
        }
        let used: Set<String> = switch kind {
        case .none: []
        case .bearer: ["token"]
        case .apiKey: ["api_key", "api_key_name", "api_key_in"]
        case .basic: ["username", "password"]
        }
        for key in Self.keys.sorted() where !used.contains(key) && config[key] != nil {
            throw PluginError.invalidArgument("config \"\(key)\" does not go with auth=\(typeName)")
        }
        func required(_ key: String) throws(PluginError) -> String {
            guard let text = try config.string(key), !text.isEmpty else {
                throw PluginError(.unauthenticated, "config \"\(key)\" is missing or empty (auth=\(typeName)); "
                    + "write it as \(key)=@env:NAME")
            }
            return text
        }
        switch kind {
        case .none: self = .none
        case .bearer: self = .bearer(token: try required("token"))
        case .basic: self = .basic(username: try required("username"), password: try required("password"))
        case .apiKey:
            let name = try required("api_key_name")
            let key = try required("api_key")
            switch try config.string("api_key_in") ?? "header" {
            case "header": self = .apiKeyHeader(name: name, key: key)
            case "query": self = .apiKeyQuery(name: name, key: key)
            default: throw PluginError.invalidArgument("config \"api_key_in\" must be \"header\" or \"query\"")
            }
        }
    }

    /// The config keys of the credentials (besides `auth`).
    static let keys: Set<String> = ["token", "api_key", "api_key_name", "api_key_in", "username", "password"]

    /// The header lines this auth adds to every request.
    var headerLines: [String] {
        switch self {
        case .none, .apiKeyQuery: []
        case .bearer(let token): ["Authorization: Bearer \(token)"]
        case .apiKeyHeader(let name, let key): ["\(name): \(key)"]
        case .basic(let username, let password): ["Authorization: Basic \(Base64.encode(Array("\(username):\(password)".utf8)))"]
        }
    }

    /// What the credentials are, for messages (never their value).
    var summary: String {
        switch self {
        case .none: "no credentials (config \"auth\" is not set)"
        case .bearer: "the bearer token of config \"token\""
        case .apiKeyHeader(let name, _): "the API key in header \(name)"
        case .apiKeyQuery(let name, _): "the API key in query parameter \(name)"
        case .basic(let username, _): "HTTP basic credentials of user \(username)"
        }
    }
}

/// Base64 (RFC 4648, with padding) for HTTP basic credentials.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            let value = chunk.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (16 - 8 * UInt32($1.offset)) }
            for position in 0..<4 {
                output.append(position <= chunk.count ? alphabet[Int(value >> (18 - 6 * UInt32(position)) & 0x3F)] : UInt8(ascii: "="))
            }
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }
}

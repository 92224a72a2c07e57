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
                                        "timeout_seconds", "requests_per_second", "requests_per_minute",
                                        "flatten_depth"]).union(RestAuth.keys)
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
        let defaultFlattenDepth = try RestResource.flattenDepth(config["flatten_depth"], place: "config \"flatten_depth\"") ?? 0
        var resources: [RestResource] = []
        for (index, entry) in list.enumerated() {
            let resource = try RestResource(entry, index: index, defaultPaginator: defaultPaginator,
                                            defaultFlattenDepth: defaultFlattenDepth)
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

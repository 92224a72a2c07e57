import ETLHTTPShared
import ETLPluginKit

/// How requests authenticate. The secret is never part of a message.
///
/// Written two ways, with the same key names:
///
/// ```json
/// {"auth": "bearer", "token": "@env:API_TOKEN"}
/// {"auth": {"type": "oauth2_client_credentials", "token_url": "https://auth.example.com/token",
///           "client_id": "etl", "client_secret": "@env:CLIENT_SECRET", "scope": "read"}}
/// ```
///
/// The host resolves `@env:`/`@file:` at both levels and scrubs the values
/// from logs and run records.
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
    /// `Authorization: Bearer <access token>`, the token from an OAuth2
    /// token endpoint (``OAuth2Grant``), kept for its lifetime.
    case oauth2(OAuth2Grant)

    /// The kinds, as written in config `auth` (or `auth.type`).
    enum Kind: String, CaseIterable {
        case none, bearer, apiKey = "api_key", basic
        case oauth2ClientCredentials = "oauth2_client_credentials"
        case oauth2RefreshToken = "oauth2_refresh_token"

        /// The keys of this kind (besides `auth` / `type`).
        var keys: Set<String> {
            switch self {
            case .none: []
            case .bearer: ["token"]
            case .apiKey: ["api_key", "api_key_name", "api_key_in"]
            case .basic: ["username", "password"]
            case .oauth2ClientCredentials: ["token_url", "client_id", "client_secret", "scope", "client_auth"]
            case .oauth2RefreshToken: ["token_url", "client_id", "client_secret", "refresh_token", "scope", "client_auth"]
            }
        }
    }

    /// The credential keys of every kind (top-level config keys, or members
    /// of an `auth` object).
    static let keys: Set<String> = Kind.allCases.reduce(into: []) { $0.formUnion($1.keys) }

    /// Reads `auth` and the credential keys of `config`: either `auth` is a
    /// kind's name and the keys are top-level, or `auth` is an object with
    /// `type` and the keys inside.
    init(_ config: PluginConfig) throws(PluginError) {
        let authValue = try RestConfig.object(config["auth"], key: "auth")
        let typeName: String
        let members: [String: JSONValue]
        let place: (String) -> String
        if let object = authValue?.objectValue {
            if let stray = Self.keys.sorted().first(where: { config[$0] != nil }) {
                throw PluginError.invalidArgument("config \"\(stray)\" goes inside the \"auth\" object when \"auth\" is one")
            }
            guard let type = object["type"]?.stringValue else {
                throw PluginError.invalidArgument("config \"auth\".type is missing: give one of "
                    + Kind.allCases.map(\.rawValue).joined(separator: ", "))
            }
            typeName = type
            members = object.filter { $0.key != "type" }
            place = { "config \"auth\".\($0)" }
        } else {
            switch authValue {
            case nil, .null?: typeName = "none"
            case .string(let name)?: typeName = name
            case let other?:
                throw PluginError.invalidArgument("config \"auth\" must be a kind's name or an object with \"type\", "
                    + "not \(other.typeName)")
            }
            members = config.values.filter { Self.keys.contains($0.key) }
            place = { "config \"\($0)\"" }
        }
        guard let kind = Kind(rawValue: typeName) else {
            throw PluginError.invalidArgument("config \"auth\" must be one of "
                + Kind.allCases.map(\.rawValue).joined(separator: ", ") + " (got \"\(typeName)\")")
        }
        for key in members.keys.sorted() where !kind.keys.contains(key) {
            throw PluginError.invalidArgument("\(place(key)) does not go with auth=\(typeName)"
                + (Self.keys.contains(key) ? "" : " (its keys: \(kind.keys.sorted().joined(separator: ", ")))"))
        }
        func optional(_ key: String) throws(PluginError) -> String? {
            switch members[key] {
            case nil, .null?: return nil
            case .string(let text)?: return text.isEmpty ? nil : text
            case let other?: throw PluginError.invalidArgument("\(place(key)) must be a string, not \(other.typeName)")
            }
        }
        func required(_ key: String) throws(PluginError) -> String {
            guard let text = try optional(key) else {
                throw PluginError(.unauthenticated, "\(place(key)) is missing or empty (auth=\(typeName)); "
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
            switch try optional("api_key_in") ?? "header" {
            case "header": self = .apiKeyHeader(name: name, key: key)
            case "query": self = .apiKeyQuery(name: name, key: key)
            default: throw PluginError.invalidArgument("\(place("api_key_in")) must be \"header\" or \"query\"")
            }
        case .oauth2ClientCredentials, .oauth2RefreshToken:
            let url = try required("token_url")
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw PluginError.invalidArgument("\(place("token_url")) must start with http:// or https:// (got \"\(url)\")")
            }
            let authName = try optional("client_auth") ?? "basic"
            guard let clientAuthentication = OAuth2Grant.ClientAuthentication(rawValue: authName) else {
                throw PluginError.invalidArgument("\(place("client_auth")) must be \"basic\" or \"body\" (got \"\(authName)\")")
            }
            let grant: OAuth2Grant.Kind = kind == .oauth2RefreshToken ? .refreshToken(try required("refresh_token"))
                : .clientCredentials
            let secret = kind == .oauth2RefreshToken ? try optional("client_secret") : try required("client_secret")
            self = .oauth2(OAuth2Grant(kind: grant, tokenURL: url, clientID: try required("client_id"),
                                       clientSecret: secret, scope: try optional("scope"),
                                       clientAuthentication: clientAuthentication))
        }
    }

    /// The header lines this auth adds to every request (an OAuth2 token
    /// is added per request instead, see ``RestTokenSource``).
    var headerLines: [String] {
        switch self {
        case .none, .apiKeyQuery, .oauth2: []
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
        case .oauth2(let grant): "the OAuth2 access token from \(grant.tokenURL)"
        }
    }
}

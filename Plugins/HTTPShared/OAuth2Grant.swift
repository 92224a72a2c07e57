/// How an OAuth 2.0 client gets access tokens from a token endpoint: the
/// client-credentials grant (RFC 6749 section 4.4) or a refresh token
/// (section 6). The token request is a form-encoded POST; the client
/// authenticates with HTTP basic (section 2.3.1, the default) or with
/// `client_id` and `client_secret` in the body.
///
/// ```swift
/// let grant = OAuth2Grant(kind: .clientCredentials, tokenURL: "https://auth.example.com/oauth/token",
///                         clientID: "etl", clientSecret: secret, scope: "read")
/// let request = grant.request(refreshToken: nil)
/// // POST https://auth.example.com/oauth/token
/// // Authorization: Basic ZXRsOi4uLg==
/// // grant_type=client_credentials&scope=read
/// ```
///
/// The secrets (the client secret, the refresh token) go into the request
/// only; ``description`` names the grant, the URL and the client id.
public struct OAuth2Grant: Sendable, CustomStringConvertible {
    /// The grant type.
    public enum Kind: Sendable, Hashable {
        /// `grant_type=client_credentials`: the client acts for itself.
        case clientCredentials
        /// `grant_type=refresh_token` with this refresh token.
        case refreshToken(String)
    }

    /// Where the client's credentials go in a token request.
    public enum ClientAuthentication: String, Sendable, CaseIterable {
        /// `Authorization: Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 2.3.1, the default).
        case basic
        /// `client_id` and `client_secret` as form fields.
        case body
    }

    /// The grant type and, for a refresh, the refresh token.
    public var kind: Kind
    /// The token endpoint (`http://` or `https://`).
    public var tokenURL: String
    /// The client's identifier (not a secret: it appears in messages).
    public var clientID: String
    /// The client's secret; `nil` for a public client (a refresh token
    /// grant may have none: then `client_id` goes in the body).
    public var clientSecret: String?
    /// The scope asked for (space-separated), `nil` for the client's default.
    public var scope: String?
    /// Where the client's credentials go.
    public var clientAuthentication: ClientAuthentication

    /// A grant; see the type's documentation.
    public init(kind: Kind, tokenURL: String, clientID: String, clientSecret: String?, scope: String? = nil,
                clientAuthentication: ClientAuthentication = .basic) {
        self.kind = kind
        self.tokenURL = tokenURL
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.scope = scope
        self.clientAuthentication = clientAuthentication
    }

    /// `client_credentials` or `refresh_token`, as sent in `grant_type`.
    public var grantType: String {
        switch kind {
        case .clientCredentials: "client_credentials"
        case .refreshToken: "refresh_token"
        }
    }

    /// The token request: a form-encoded POST to ``tokenURL``.
    /// `refreshToken` replaces the grant's own refresh token (one the
    /// endpoint handed out in place of it, a rotation).
    public func request(refreshToken: String?) -> HTTPRequest {
        var fields: [(String, String)] = [("grant_type", grantType)]
        if case .refreshToken(let configured) = kind { fields.append(("refresh_token", refreshToken ?? configured)) }
        if let scope, !scope.isEmpty { fields.append(("scope", scope)) }
        var headers: [String] = []
        if let clientSecret, clientAuthentication == .basic {
            let pair = URLEncoding.component(clientID) + ":" + URLEncoding.component(clientSecret)
            headers.append("Authorization: Basic \(Base64.encode(Array(pair.utf8)))")
        } else {
            fields.append(("client_id", clientID))
            if let clientSecret { fields.append(("client_secret", clientSecret)) }
        }
        return HTTPRequest.form(url: tokenURL, fields: fields, headers: headers)
    }

    /// The secret values of the grant (for scrubbing a server's message).
    public var secrets: [String] {
        var values: [String] = []
        if let clientSecret { values.append(clientSecret) }
        if case .refreshToken(let token) = kind { values.append(token) }
        return values.filter { !$0.isEmpty }
    }

    /// `the OAuth2 client "etl" (client_credentials grant) at <token URL>`: never a secret.
    public var description: String {
        "the OAuth2 client \"\(clientID)\" (\(grantType) grant) at \(tokenURL)"
    }
}

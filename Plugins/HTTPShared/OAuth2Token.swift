import ETLPluginKit

/// An access token from a token endpoint's answer (RFC 6749 section 5.1):
///
/// ```json
/// {"access_token": "…", "token_type": "Bearer", "expires_in": 3600, "refresh_token": "…"}
/// ```
///
/// `token_type` must be `bearer` (any case) when present; `expires_in`
/// (seconds) may be missing, and then the token is kept until a request is
/// refused with 401. A `refresh_token` in the answer replaces the one the
/// grant started with (rotation).
public struct OAuth2Token: Sendable {
    /// The access token (a secret).
    public var accessToken: String
    /// Its lifetime in seconds from the answer, `nil` when not given.
    public var expiresIn: Double?
    /// A new refresh token, when the endpoint handed one out.
    public var refreshToken: String?

    /// A token; see the type's documentation.
    public init(accessToken: String, expiresIn: Double?, refreshToken: String?) {
        self.accessToken = accessToken
        self.expiresIn = expiresIn
        self.refreshToken = refreshToken
    }

    /// Reads a successful answer.
    ///
    /// - Throws: a message (never holding a token) saying what is wrong:
    ///   not a JSON object, no `access_token`, a token type other than
    ///   bearer, a negative `expires_in`.
    public static func parse(_ body: UnsafeRawBufferPointer) throws(OAuth2AnswerError) -> OAuth2Token {
        let text = String(decoding: body, as: UTF8.self)
        guard let answer = try? JSONValue(parsing: text), let members = answer.objectValue else {
            throw OAuth2AnswerError("the answer is not a JSON object")
        }
        guard let token = members["access_token"]?.stringValue, !token.isEmpty else {
            throw OAuth2AnswerError("the answer has no \"access_token\"")
        }
        if let type = members["token_type"]?.stringValue, type.lowercased() != "bearer" {
            throw OAuth2AnswerError("the token type is \"\(type)\"; only bearer tokens are supported")
        }
        var lifetime: Double?
        switch members["expires_in"] {
        case .integer(let seconds)?: lifetime = Double(seconds)
        case .number(let seconds)?: lifetime = seconds
        case .string(let seconds)?: lifetime = Double(seconds) // some servers quote it
        default: lifetime = nil
        }
        if let lifetime, !(lifetime >= 0 && lifetime.isFinite) {
            throw OAuth2AnswerError("\"expires_in\" is not a number of seconds of 0 or more")
        }
        let refresh = members["refresh_token"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        return OAuth2Token(accessToken: token, expiresIn: lifetime, refreshToken: refresh)
    }

    /// The `error` and `error_description` of a refusal (RFC 6749 5.2),
    /// e.g. `invalid_client: Client authentication failed`, `nil` when the
    /// answer has neither. The description is cut at 200 characters.
    public static func refusal(_ body: UnsafeRawBufferPointer) -> String? {
        guard let answer = try? JSONValue(parsing: String(decoding: body, as: UTF8.self)),
              let code = answer["error"]?.stringValue else { return nil }
        guard let description = answer["error_description"]?.stringValue, !description.isEmpty else { return code }
        return code + ": " + String(description.prefix(200))
    }
}

/// What is wrong with a token endpoint's successful answer.
public struct OAuth2AnswerError: Error, Sendable {
    /// The problem, without any token.
    public var message: String

    init(_ message: String) { self.message = message }
}

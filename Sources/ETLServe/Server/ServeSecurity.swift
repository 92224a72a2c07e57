import Foundation

/// Who may talk to `serve`, and which POSTs are genuine.
///
/// - **Token** (optional; required off loopback): every request carries
///   it as `Authorization: Bearer T` or the `etl_serve_token` cookie,
///   which a visit to any page with `?token=T` sets (HttpOnly,
///   SameSite=Strict) before redirecting to the same page without it.
/// - **CSRF token**: random per process; every state-changing request is a
///   POST carrying it as the form field `csrf` or the header
///   `X-CSRF-Token`. Pages embed it in their forms; API clients read it
///   from `GET /api/csrf`. A cross-site page can neither read it nor, with
///   a SameSite=Strict cookie, send the access cookie.
///
/// Both are compared in constant time.
public struct ServeSecurity: Sendable {
    /// The access token, nil when none is required (loopback without `--token`).
    public let accessToken: String?
    /// This process's CSRF token (64 hex digits).
    public let csrfToken: String
    /// The cookie that carries the access token.
    public static let cookieName = "etl_serve_token"

    /// Security with `accessToken` (nil: none) and a fresh CSRF token.
    public init(accessToken: String?) {
        self.accessToken = accessToken
        var generator = SystemRandomNumberGenerator()
        csrfToken = (0 ..< 32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
    }

    /// Whether a request with these credentials may proceed.
    public func isAuthorized(authorization: String?, cookie: String?) -> Bool {
        guard let accessToken else { return true }
        if let authorization, authorization.hasPrefix("Bearer "),
           Self.constantTimeEqual(String(authorization.dropFirst("Bearer ".count)), accessToken) {
            return true
        }
        if let value = Self.cookieValue(cookie, name: Self.cookieName) { return Self.constantTimeEqual(value, accessToken) }
        return false
    }

    /// Whether `token` is the access token (the `?token=` login).
    public func isAccessToken(_ token: String) -> Bool {
        accessToken.map { Self.constantTimeEqual(token, $0) } ?? false
    }

    /// Whether a POST carries this process's CSRF token (form field or header).
    public func isGenuinePost(formToken: String?, headerToken: String?) -> Bool {
        guard let given = headerToken ?? formToken else { return false }
        return Self.constantTimeEqual(given, csrfToken)
    }

    /// The `Set-Cookie` value that stores the access token in the browser.
    public var loginCookie: String? {
        accessToken.map { "\(Self.cookieName)=\($0); Path=/; HttpOnly; SameSite=Strict" }
    }

    /// Equal strings, compared without an early exit (the time does not tell how much matched).
    public static func constantTimeEqual(_ lhs: String, _ rhs: String) -> Bool {
        let left = Array(lhs.utf8), right = Array(rhs.utf8)
        var difference = UInt8(truncatingIfNeeded: left.count ^ right.count)
        for index in 0 ..< max(left.count, right.count) {
            let a = index < left.count ? left[index] : 0
            let b = index < right.count ? right[index] : 0
            difference |= a ^ b
        }
        return difference == 0 && left.count == right.count
    }

    static func cookieValue(_ header: String?, name: String) -> String? {
        guard let header else { return nil }
        for part in header.split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0] == name { return String(pair[1]) }
        }
        return nil
    }
}

/// Where `serve` may listen: loopback freely, anywhere else only with a token.
public enum ListenAddress {
    /// Whether `host` is a loopback address (127.0.0.0/8, ::1, localhost).
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

import Synchronization

/// Keeps the current OAuth2 access token for its lifetime, minus a margin,
/// so that a token is replaced before the server would refuse it.
///
/// A token of lifetime `L` seconds (`expires_in`) is used until `L - m`
/// seconds after it was asked for, `m` = ``margin(lifetime:)`` (a tenth of
/// `L`, at most 30 s); one without a lifetime until ``invalidate(_:)`` (a
/// request refused with 401). Times come from `clock` (the monotonic clock
/// unless a test injects its own), taken when the token request was sent,
/// so the time it took counts against the token.
///
/// ```swift
/// let cache = OAuth2TokenCache()
/// if let token = cache.current() { … } else {
///     let askedAt = cache.now()
///     cache.store(try fetch(), askedAt: askedAt)
/// }
/// ```
///
/// Safe to share between threads (one lock around the state).
public final class OAuth2TokenCache: Sendable {
    private struct State {
        var token: String?
        /// When it stops being used (clock seconds), `nil`: until refused.
        var usableUntil: Double?
        /// A refresh token handed out in place of the grant's.
        var refreshToken: String?
    }

    private let state = Mutex(State())
    private let clock: @Sendable () -> Double

    /// A cache on `clock` (seconds, only differences matter).
    public init(clock: @escaping @Sendable () -> Double = { MonotonicClock.now() }) {
        self.clock = clock
    }

    /// The largest margin, in seconds.
    public static let maximumMargin = 30.0

    /// How long before the end of a `lifetime` (seconds) a token is
    /// replaced: a tenth of it, at most ``maximumMargin``.
    public static func margin(lifetime: Double) -> Double {
        min(maximumMargin, lifetime / 10)
    }

    /// The clock's time now.
    public func now() -> Double { clock() }

    /// The token to send, `nil` when there is none or it is due for replacement.
    public func current() -> String? {
        let now = clock()
        return state.withLock { state in
            guard let token = state.token else { return nil }
            if let until = state.usableUntil, now >= until { return nil }
            return token
        }
    }

    /// Keeps `token`, asked for at `askedAt` (``now()`` before the request).
    public func store(_ token: OAuth2Token, askedAt: Double) {
        state.withLock { state in
            state.token = token.accessToken
            state.usableUntil = token.expiresIn.map { askedAt + $0 - Self.margin(lifetime: $0) }
            if let refresh = token.refreshToken { state.refreshToken = refresh }
        }
    }

    /// Forgets `token` (a request with it was refused); a newer token
    /// another request already got is kept.
    public func invalidate(_ token: String) {
        state.withLock { state in
            guard state.token == token else { return }
            state.token = nil
            state.usableUntil = nil
        }
    }

    /// The refresh token the endpoint handed out last, `nil` when it never did.
    public var rotatedRefreshToken: String? { state.withLock { $0.refreshToken } }
}

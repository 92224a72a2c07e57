import ETLHTTPShared
import ETLPluginKit
import Synchronization
import Testing

/// A clock a test moves by hand.
final class ManualClock: Sendable {
    private let seconds = Mutex(1000.0)
    var now: Double { seconds.withLock { $0 } }
    func advance(_ by: Double) { seconds.withLock { $0 += by } }
}

/// The OAuth2 token cache on an injected clock, the token request's form, and the token answer.
@Suite struct OAuth2Tests {
    static func answer(_ json: String) throws(OAuth2AnswerError) -> OAuth2Token {
        var result: Result<OAuth2Token, OAuth2AnswerError>!
        Array(json.utf8).withUnsafeBytes { bytes in
            do throws(OAuth2AnswerError) { result = .success(try OAuth2Token.parse(bytes)) } catch { result = .failure(error) }
        }
        return try result.get()
    }

    @Test func aTokenIsReplacedATenthOfItsLifetimeBeforeItExpires() throws {
        let clock = ManualClock()
        let cache = OAuth2TokenCache(clock: { clock.now })
        #expect(cache.current() == nil)
        let askedAt = cache.now()
        clock.advance(2) // the token request took 2 s: they count against the token
        cache.store(OAuth2Token(accessToken: "at-1", expiresIn: 100, refreshToken: nil), askedAt: askedAt)
        clock.advance(87.9) // 89.9 s after the request: 10 s margin not reached
        #expect(cache.current() == "at-1")
        clock.advance(0.1) // 90 s: due
        #expect(cache.current() == nil)
    }

    @Test func theMarginIsAtMostThirtySeconds() {
        #expect(OAuth2TokenCache.margin(lifetime: 3600) == 30)
        #expect(OAuth2TokenCache.margin(lifetime: 120) == 12)
        #expect(OAuth2TokenCache.margin(lifetime: 0) == 0)
        let clock = ManualClock()
        let cache = OAuth2TokenCache(clock: { clock.now })
        cache.store(OAuth2Token(accessToken: "at-1", expiresIn: 3600, refreshToken: nil), askedAt: cache.now())
        clock.advance(3569)
        #expect(cache.current() == "at-1")
        clock.advance(1)
        #expect(cache.current() == nil)
    }

    @Test func aTokenWithoutALifetimeIsKeptUntilRefused() {
        let clock = ManualClock()
        let cache = OAuth2TokenCache(clock: { clock.now })
        cache.store(OAuth2Token(accessToken: "at-1", expiresIn: nil, refreshToken: nil), askedAt: cache.now())
        clock.advance(1e9)
        #expect(cache.current() == "at-1")
        cache.store(OAuth2Token(accessToken: "at-2", expiresIn: nil, refreshToken: nil), askedAt: cache.now())
        cache.invalidate("at-1") // an older token's 401 does not drop the newer one
        #expect(cache.current() == "at-2")
        cache.invalidate("at-2")
        #expect(cache.current() == nil)
    }

    @Test func aRotatedRefreshTokenIsKept() {
        let cache = OAuth2TokenCache()
        cache.store(OAuth2Token(accessToken: "at-1", expiresIn: 60, refreshToken: nil), askedAt: cache.now())
        #expect(cache.rotatedRefreshToken == nil)
        cache.store(OAuth2Token(accessToken: "at-2", expiresIn: 60, refreshToken: "rt-2"), askedAt: cache.now())
        #expect(cache.rotatedRefreshToken == "rt-2")
    }

    @Test func theTokenRequestIsAFormPostWithBasicClientAuthentication() {
        let grant = OAuth2Grant(kind: .clientCredentials, tokenURL: "https://auth.example.com/token", clientID: "etl app",
                                clientSecret: "s3c:r+t", scope: "read write")
        let request = grant.request(refreshToken: nil)
        #expect(request.method == .post)
        #expect(request.url == "https://auth.example.com/token")
        #expect(request.bodyType == .form)
        #expect(String(decoding: request.body, as: UTF8.self) == "grant_type=client_credentials&scope=read%20write")
        // base64("etl%20app:s3c%3Ar%2Bt"): id and secret form-encoded first (RFC 6749 2.3.1)
        #expect(request.headers == ["Authorization: Basic ZXRsJTIwYXBwOnMzYyUzQXIlMkJ0"])
        #expect(grant.description == "the OAuth2 client \"etl app\" (client_credentials grant) at https://auth.example.com/token")
        #expect(!grant.description.contains("s3c"))
    }

    @Test func aRefreshTokenGrantOfAPublicClientSendsItsIdInTheBody() {
        let grant = OAuth2Grant(kind: .refreshToken("rt-1"), tokenURL: "https://auth.example.com/token", clientID: "etl",
                                clientSecret: nil)
        #expect(String(decoding: grant.request(refreshToken: nil).body, as: UTF8.self)
            == "grant_type=refresh_token&refresh_token=rt-1&client_id=etl")
        #expect(String(decoding: grant.request(refreshToken: "rt-2").body, as: UTF8.self)
            == "grant_type=refresh_token&refresh_token=rt-2&client_id=etl")
        #expect(grant.request(refreshToken: nil).headers.isEmpty)
        #expect(grant.secrets == ["rt-1"])
    }

    @Test func tokenAnswersAreRead() throws {
        let token = try Self.answer(#"{"access_token": "at-1", "token_type": "bearer", "expires_in": 3599, "refresh_token": "rt-9"}"#)
        #expect(token.accessToken == "at-1" && token.expiresIn == 3599 && token.refreshToken == "rt-9")
        #expect(try Self.answer(#"{"access_token": "at-2", "expires_in": "60"}"#).expiresIn == 60)
        #expect(try Self.answer(#"{"access_token": "at-3", "token_type": "Bearer"}"#).expiresIn == nil)
        #expect(throws: OAuth2AnswerError.self) { try Self.answer(#"{"token_type": "bearer"}"#) }
        do {
            _ = try Self.answer(#"{"access_token": "at-4", "token_type": "mac"}"#)
            Issue.record("a mac token was taken")
        } catch {
            #expect(error.message == "the token type is \"mac\"; only bearer tokens are supported")
        }
        let refusal = Array(#"{"error": "invalid_client", "error_description": "Client authentication failed"}"#.utf8)
        #expect(refusal.withUnsafeBytes { OAuth2Token.refusal($0) } == "invalid_client: Client authentication failed")
    }
}

import ETLHTTPShared
import ETLPluginKit

/// The OAuth2 access tokens of one REST extractor instance (`auth`
/// `oauth2_client_credentials` or `oauth2_refresh_token`): asked for at the
/// first request, kept for their lifetime minus a margin
/// (``OAuth2TokenCache``), asked for again before they expire and after a
/// request is refused with 401.
///
/// Token requests go on a client of their own (no config `headers`, which
/// are for the API), unpaced, with the same retries as API requests (429,
/// 5xx, dropped connections). A refusal (400/401 from the endpoint) fails
/// at once, naming the token URL, the client id and the endpoint's `error`
/// code, never a secret. A refresh token the endpoint hands out in place of
/// the configured one is used for the rest of the run (and a warning says
/// that the config still holds the old one).
final class RestTokenSource {
    let grant: OAuth2Grant
    private let cache: OAuth2TokenCache
    private let client: HTTPClient
    private let host: HostContext

    init(grant: OAuth2Grant, timeoutSeconds: Double, host: HostContext,
         cache: OAuth2TokenCache = OAuth2TokenCache()) throws(PluginError) {
        self.grant = grant
        self.cache = cache
        self.host = host
        client = try HTTPClient(headers: [], timeoutSeconds: timeoutSeconds,
                                userAgent: "etl-host-rest/\(RestExtractor.info.version)", cancellation: host)
    }

    /// The token to send now: the kept one, or a new one from the endpoint
    /// (asked through `restClient`'s retries; `stream` names the read in messages).
    func accessToken(stream: String, via restClient: RestClient) throws(PluginError) -> String {
        if let token = cache.current() { return token }
        let what = "auth \(grant.kind == .clientCredentials ? "oauth2_client_credentials" : "oauth2_refresh_token"): "
            + "POST \(grant.tokenURL)"
        let askedAt = cache.now()
        let rotated = cache.rotatedRefreshToken
        let token = try restClient.retrying(what: what, stream: stream, client: client, paced: false) { () throws(PluginError) in
            grant.request(refreshToken: rotated)
        } handle: { (response) throws(PluginError) -> RestClient.Handling<OAuth2Token> in
            guard (200...299).contains(response.status) else { throw refusal(response, what: what) }
            do throws(OAuth2AnswerError) {
                return .done(try OAuth2Token.parse(response.body))
            } catch {
                throw PluginError(.unauthenticated, "\(what): the token endpoint's answer (HTTP \(response.status)) "
                    + "cannot be used: \(error.message)")
            }
        }
        if let fresh = token.refreshToken, case .refreshToken(let configured) = grant.kind, fresh != configured,
           fresh != rotated {
            host.log(.warn, "\(what): the token endpoint handed out a new refresh token, used for the rest of this run; "
                + "config \"refresh_token\" still holds the old one, which the endpoint may no longer accept")
        }
        cache.store(token, askedAt: askedAt)
        host.log(.info, "\(what): got an access token" + (token.expiresIn.map { " for \(Int($0)) s" } ?? " without a lifetime"))
        return token.accessToken
    }

    /// Forgets `token` after a request with it was refused (401).
    func invalidate(_ token: String) { cache.invalidate(token) }

    /// The endpoint's refusal: the status, its `error` code and
    /// description (any secret of the grant in it masked), never a secret.
    private func refusal(_ response: HTTPResponse, what: String) -> PluginError {
        var detail = OAuth2Token.refusal(response.body) ?? "\(response.contentType ?? "no Content-Type"), \(response.body.count) bytes"
        for secret in grant.secrets { detail = detail.replacing(secret, with: "***") }
        let code: PluginError.Code = [400, 401].contains(response.status) ? .unauthenticated
            : response.status == 403 ? .permissionDenied : .invalidArgument
        return PluginError(code, "\(what): the token endpoint refused \(grant) (HTTP \(response.status), \(detail)); "
            + "check token_url, client_id, client_secret" + (grant.kind == .clientCredentials ? "" : " and refresh_token")
            + " (their values are not shown here)")
    }
}

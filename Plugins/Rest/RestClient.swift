import ETLHTTPShared
import ETLPluginKit

/// Sends the REST extractor's requests: on the shared libcurl client,
/// retrying what may pass, and checking that an answer is JSON before
/// anything reads it.
///
/// | answer | what the client does |
/// | --- | --- |
/// | 2xx with valid JSON | returned |
/// | 2xx that is not valid JSON | fails at once, naming the URL and the byte offset |
/// | connection refused/dropped, timeout | retried with backoff |
/// | 429 | retried after `Retry-After` (capped at 1 h), or with backoff when there is none |
/// | 5xx | retried after `Retry-After`, or with backoff |
/// | 401 / 403 | fails at once (UNAUTHENTICATED / PERMISSION_DENIED), naming the credentials' kind, never their value |
/// | other 3xx / 4xx | fails at once |
///
/// Backoff: 0.25 s doubling, capped at 30 s, each delay drawn between half
/// and all of its step; at most `max_retries` retries per request, then a
/// retryable error for the host.
final class RestClient {
    /// The first backoff step, in seconds.
    static let backoffBase = 0.25
    /// The largest backoff step, in seconds.
    static let backoffCap = 30.0
    /// The longest `Retry-After` honoured, in seconds.
    static let retryAfterCap = 3600.0

    let config: RestConfig
    private let host: HostContext
    private let client: HTTPClient
    /// Spaces the request starts of the instance (`requests_per_second`,
    /// `requests_per_minute`), every resource's together.
    private let pacer: RequestPacer
    private let validator = JSONObjectScanner()
    /// The OAuth2 access tokens (auth oauth2_*), shared by the instance's reads.
    private let tokens: RestTokenSource?
    /// Retries so far, for the summary log line.
    private(set) var retries = 0

    init(config: RestConfig, pacer: RequestPacer, host: HostContext, tokens: RestTokenSource? = nil) throws(PluginError) {
        self.config = config
        self.host = host
        self.tokens = tokens
        client = try HTTPClient(headers: config.auth.headerLines + config.headers, timeoutSeconds: config.timeoutSeconds,
                                userAgent: "etl-host-rest/\(RestExtractor.info.version)", cancellation: host)
        self.pacer = pacer
    }

    /// A request's URL as sent (`wire`) and as shown in messages (`shown`:
    /// an API key in the query is masked).
    struct Target {
        var wire: String
        var shown: String
    }

    /// `url` with `parameters` and the config's query parameters (and a
    /// query API key) appended.
    func target(_ url: String, parameters: [(String, String)]) -> Target {
        let all = config.params + parameters
        var wire = url
        var shown = url
        func add(_ name: String, _ value: String, shownValue: String) {
            let separator = wire.contains("?") ? "&" : "?"
            wire += separator + URLEncoding.component(name) + "=" + URLEncoding.component(value)
            shown += separator + URLEncoding.component(name) + "=" + shownValue
        }
        for (name, value) in all { add(name, value, shownValue: URLEncoding.component(value)) }
        if case .apiKeyQuery(let name, let key) = config.auth { add(name, key, shownValue: "***") }
        return Target(wire: wire, shown: shown)
    }

    /// What a successful request gave: the body (valid until the next
    /// request) and the `Link` header.
    struct Page {
        var body: UnsafeRawBufferPointer
        var link: String?
    }

    /// Sends a request, retrying transient failures; `stream` names the resource in messages.
    /// With OAuth2, the access token goes with it, and a 401 gets one new
    /// token and one more try (a second 401 fails).
    func send(_ method: HTTPRequest.Method, _ target: Target, body: [UInt8], stream: String) throws(PluginError) -> Page {
        let what = "resource \"\(stream)\": \(method.rawValue) \(target.shown)"
        var request = HTTPRequest(method: method, url: target.wire, body: body)
        var sentToken: String?
        var refreshed = false
        return try retrying(what: what, stream: stream, client: client, paced: true) { () throws(PluginError) in
            if let tokens {
                let token = try tokens.accessToken(stream: stream, via: self)
                sentToken = token
                request.headers = ["Authorization: Bearer \(token)"]
            }
            return request
        } handle: { (response) throws(PluginError) -> Handling<Page> in
            switch response.status {
            case 200...299:
                try checkJSON(response.body, what: what)
                return .done(Page(body: response.body, link: response.link))
            case 401 where tokens != nil && !refreshed:
                refreshed = true
                if let sentToken { tokens?.invalidate(sentToken) }
                host.log(.info, "\(what): HTTP 401 with the OAuth2 access token; asking for a new one")
                return .again
            case 401 where refreshed:
                throw PluginError(.unauthenticated, "\(what): the server refused \(config.auth.summary) (HTTP 401), "
                    + "also a new one asked for after a first 401; check the client's access to this API")
            default:
                throw refusal(response, what: what)
            }
        }
    }

    /// What a ``retrying(what:stream:client:paced:request:handle:)`` answer leads to.
    enum Handling<Value> {
        /// The request is done.
        case done(Value)
        /// Send it again now, without counting a failure (a new OAuth2 token).
        case again
    }

    /// Sends `request()` on `client` until `handle` takes an answer,
    /// retrying dropped connections, timeouts, 429 and 5xx after
    /// `Retry-After` or with backoff, at most `max_retries` times; `paced`
    /// requests wait for the instance's pacer first.
    func retrying<Value>(what: String, stream: String, client: HTTPClient, paced: Bool,
                         request: () throws(PluginError) -> HTTPRequest,
                         handle: (HTTPResponse) throws(PluginError) -> Handling<Value>) throws(PluginError) -> Value {
        var failures = 0
        while true {
            try host.checkCancelled(what)
            var reason: String
            var retryAfter: Double?
            let next = try request()
            let performed: Result<HTTPResponse, TransportFailure>
            do throws(TransportFailure) {
                // Paced right before each send, libcurl's own re-sends included.
                performed = .success(try client.perform(next) { () throws(PluginError) in
                    if paced { try pacer.acquire(host: host, what: what) }
                })
            } catch {
                performed = .failure(error)
            }
            switch performed {
            case .success(let response):
                switch response.status {
                case 429, 500...599:
                    reason = response.status == 429 ? "HTTP 429 (rate limited)" : "HTTP \(response.status)"
                    retryAfter = response.retryAfter
                default:
                    switch try handle(response) {
                    case .done(let value): return value
                    case .again: continue
                    }
                }
            case .failure(let error):
                if let error = error.beforeSendError { throw error }
                if error.cancelled { throw PluginError.cancelled("\(what) was cancelled") }
                guard error.retryable else { throw PluginError.io("\(what): \(error.message)") }
                reason = error.message
            }
            failures += 1
            guard failures <= config.maxRetries else {
                throw PluginError(reason.hasPrefix("HTTP 429") ? .rateLimited : .io, "\(what): gave up after "
                    + "\(config.maxRetries) \(config.maxRetries == 1 ? "retry" : "retries"): \(reason)", retryable: true)
            }
            retries += 1
            let delay: Double
            if let retryAfter {
                delay = min(retryAfter, Self.retryAfterCap)
            } else {
                let step = min(Self.backoffCap, Self.backoffBase * Double(1 << min(failures - 1, 20)))
                delay = step * Double.random(in: 0.5...1.0)
            }
            host.retry(stream: stream, attempt: failures, of: config.maxRetries, waitSeconds: delay,
                       reason: "\(what): \(reason)\(retryAfter != nil ? " (Retry-After)" : "")")
            try MonotonicClock.sleep(delay, host: host, while: what)
        }
    }

    /// The error of an answer that no retry can change.
    private func refusal(_ response: HTTPResponse, what: String) -> PluginError {
        switch response.status {
        case 401:
            PluginError(.unauthenticated, "\(what): the server refused \(config.auth.summary) (HTTP 401); "
                + "check the credentials (their value is not shown here)")
        case 403:
            PluginError(.permissionDenied, "\(what): the server denied access with \(config.auth.summary) "
                + "(HTTP 403); check the credentials' permissions")
        case 404:
            PluginError(.notFound, "\(what): not found (HTTP 404); check base_url and the resource's path")
        case 300...399:
            PluginError.invalidArgument("\(what): the server answered with a redirect (HTTP "
                + "\(response.status)), which is not followed; check base_url")
        default:
            PluginError.invalidArgument("\(what): the server refused the request (HTTP \(response.status)"
                + "\(Self.detail(response)))")
        }
    }

    /// Fails with the byte offset when `body` is not one JSON value.
    private func checkJSON(_ body: UnsafeRawBufferPointer, what: String) throws(PluginError) {
        do throws(JSONError) {
            _ = try validator.validate(body)
        } catch {
            throw PluginError.data("\(what): the answer is not valid JSON at byte offset \(error.offset) "
                + "(line \(error.line), column \(error.column)): \(error.message)")
        }
    }

    /// ` (text/plain, 12 bytes)`: what came back, without its content.
    private static func detail(_ response: HTTPResponse) -> String {
        ", \(response.contentType ?? "no Content-Type"), \(response.body.count) bytes"
    }
}

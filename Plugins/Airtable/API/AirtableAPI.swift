import ETLHTTPShared
import ETLPluginKit

/// Airtable's Web API for one base: requests paced per base, sent with
/// libcurl, retried when the failure is transient, and checked before
/// anything reads them (status, `Content-Type`, a complete JSON object).
///
/// What happens to a response:
///
/// | answer | what the client does |
/// | --- | --- |
/// | 200 with a JSON object | returned |
/// | 200 that is not JSON (HTML), or truncated/invalid JSON | retried |
/// | connection refused/dropped, timeout, partial body | retried |
/// | 5xx | retried (an HTML error page is never parsed) |
/// | 429 | nothing is sent to the base for `rate_limit_wait_seconds`, then the same request again |
/// | 422 `LIST_RECORDS_ITERATOR_NOT_AVAILABLE` | ``Outcome/iteratorExpired`` (the caller restarts the table) |
/// | 401 / 403 / 404 | fails at once: UNAUTHENTICATED / PERMISSION_DENIED / NOT_FOUND, with Airtable's type and message |
/// | other 4xx, 3xx | fails at once (INVALID_ARGUMENT) |
///
/// Retries use exponential backoff with jitter (0.25 s doubling, capped at
/// 30 s, each delay drawn between half and all of its step), at most
/// `max_retries` per request; then the request fails with a retryable
/// error (`EAGAIN` for the host). A 429 counts as a retry too, so a base
/// that keeps refusing does not hold the run forever.
final class AirtableAPI {
    /// What a request gave.
    enum Outcome {
        /// A JSON object; the bytes are valid until the next request.
        case json(UnsafeRawBufferPointer)
        /// The pagination offset expired (422 `LIST_RECORDS_ITERATOR_NOT_AVAILABLE`).
        case iteratorExpired
    }

    /// Counters for the log lines.
    struct Statistics {
        /// Requests that reached the wire, libcurl's re-sends included.
        var requests = 0
        var retries = 0
        var rateLimitWaits = 0
        /// Requests libcurl sent again on a new connection after a kept-alive
        /// one closed without an answer (each paced like any other).
        var resends = 0
    }

    /// Airtable's limit on a URL's length; longer list queries are POSTed.
    static let maxURLLength = 15_000
    /// The first backoff step, in seconds.
    static let backoffBase = 0.25
    /// The largest backoff step, in seconds.
    static let backoffCap = 30.0

    let config: AirtableConfig
    let host: HostContext
    private let client: HTTPClient
    private let pacer: RequestPacer
    private let validator = JSONObjectScanner()
    var statistics = Statistics()
    /// The server's `Date` of the last response, in seconds since the epoch.
    private(set) var lastServerDate: Int64?

    init(config: AirtableConfig, host: HostContext) throws(PluginError) {
        self.config = config
        self.host = host
        guard config.token.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x7F }) else {
            throw PluginError(.invalidArgument, "the Airtable token contains a line break or a control character; "
                + "check the value of the token (it is not shown here)")
        }
        client = try HTTPClient(headers: ["Authorization: Bearer \(config.token)"], timeoutSeconds: config.timeoutSeconds,
                                userAgent: "etl-host-airtable/\(AirtableExtractor.version)", cancellation: host)
        let shared = RequestPacer.shared(apiURL: config.apiURL, base: config.base,
                                         requestsPerSecond: config.requestsPerSecond, folder: config.pacingFolder, writer: "airtable")
        pacer = shared.pacer
        if let problem = shared.fileProblem {
            host.log(.warn, "\(problem.message); pacing base \(config.base) for this process only: another "
                + "etl-host reading it at the same time could take the base over its rate limit (set "
                + "ETL_STATE_DIR or config \"state_dir\" to a writable folder)")
        }
    }

    // MARK: Endpoints

    /// `GET /v0/meta/bases/{base}/tables`.
    func baseSchema() throws(PluginError) -> Outcome {
        try send(HTTPRequest(method: .get, url: "\(config.apiURL)/v0/meta/bases/\(config.base)/tables"),
                 what: "reading the schema of base \(config.base)")
    }

    /// One page of a table's records: `GET /v0/{base}/{table}?pageSize=…`
    /// with the view, filter and offset as query parameters, or
    /// `POST /v0/{base}/{table}/listRecords` with a JSON body when that URL
    /// would pass ``maxURLLength``.
    func listRecords(table: String, tableLabel: String, query: ListQuery, offset: String?,
                     page: Int) throws(PluginError) -> Outcome {
        let path = "\(config.apiURL)/v0/\(config.base)/\(URLEncoding.component(table))"
        var parameters = [("pageSize", String(query.pageSize))]
        if let view = query.view { parameters.append(("view", view)) }
        if let formula = query.filterByFormula { parameters.append(("filterByFormula", formula)) }
        for field in query.fields ?? [] { parameters.append(("fields[]", field)) }
        if let offset { parameters.append(("offset", offset)) }
        let url = path + "?" + parameters.map { "\($0.0)=\(URLEncoding.component($0.1))" }.joined(separator: "&")
        let what = "listing the records of table \(tableLabel) (page \(page))"
        if url.utf8.count <= Self.maxURLLength {
            return try send(HTTPRequest(method: .get, url: url), what: what)
        }
        var body = "{\"pageSize\":\(query.pageSize)"
        if let view = query.view { body += ",\"view\":\(JSONStringWriter.quoted(view))" }
        if let formula = query.filterByFormula { body += ",\"filterByFormula\":\(JSONStringWriter.quoted(formula))" }
        if let fields = query.fields {
            body += ",\"fields\":[" + fields.map(JSONStringWriter.quoted).joined(separator: ",") + "]"
        }
        if let offset { body += ",\"offset\":\(JSONStringWriter.quoted(offset))" }
        body += "}"
        return try send(HTTPRequest(method: .post, url: path + "/listRecords", body: Array(body.utf8)), what: what)
    }

    /// The parameters of a records listing, other than the offset.
    struct ListQuery {
        var pageSize = 100
        var view: String?
        var filterByFormula: String?
        /// Only these fields (names or ids); `nil` for all.
        var fields: [String]?
    }

    // MARK: Sending

    /// Sends `request` (paced), retrying transient failures; `what` names
    /// the operation in logs and errors.
    func send(_ request: HTTPRequest, what: String) throws(PluginError) -> Outcome {
        var failures = 0
        while true {
            try host.checkCancelled(what)
            var waited = try pacer.waitOutPenalty(host: host, what: what)
            let performed: Result<HTTPResponse, TransportFailure>
            do throws(TransportFailure) {
                // Paced right before each send, libcurl's own re-sends included.
                performed = .success(try client.perform(request) { () throws(PluginError) in
                    waited += try pacer.acquire(host: host, what: what)
                })
            } catch {
                performed = .failure(error)
            }
            statistics.requests += client.requestsSent
            statistics.resends += max(0, client.requestsSent - 1)
            if waited > 0, failures == 0 { // a penalty from an earlier request (or instance), not announced yet
                host.log(.info, "\(what): waited \(Self.seconds(waited)) s for the rate-limit penalty of base "
                    + "\(config.base) to pass")
            }
            let failure: Failure
            switch performed {
            case .success(let response):
                if let date = response.date { lastServerDate = date }
                switch try classify(response, what: what) {
                case .success(let outcome): return outcome
                case .failure(let transient): failure = transient
                }
            case .failure(let transport):
                if let error = transport.beforeSendError { throw error }
                if transport.cancelled { throw PluginError.cancelled("\(what) was cancelled") }
                guard transport.retryable else {
                    throw PluginError.io("\(what): \(transport.message) (\(config.displayURL))")
                }
                failure = Failure(reason: transport.message)
            }
            failures += 1
            // The penalty holds for every request to the base, even if this one gives up.
            let penalty = failure.rateLimited ? max(config.rateLimitWaitSeconds, failure.retryAfter ?? 0) : 0
            if failure.rateLimited { try pacer.penalize(seconds: penalty) }
            guard failures <= config.maxRetries else {
                let code: PluginError.Code = failure.rateLimited ? .rateLimited : .io
                throw PluginError(code, "\(what): gave up after \(config.maxRetries) "
                    + "\(config.maxRetries == 1 ? "retry" : "retries"): \(failure.reason)", retryable: true)
            }
            statistics.retries += 1
            if failure.rateLimited {
                statistics.rateLimitWaits += 1
                host.retry(stream: nil, attempt: failures, of: config.maxRetries, waitSeconds: penalty,
                           reason: "\(what): \(failure.reason); sending nothing to base \(config.base), then "
                               + "continuing where the read stopped")
            } else {
                let step = min(Self.backoffCap, Self.backoffBase * Double(1 << min(failures - 1, 20)))
                let delay = max(step * Double.random(in: 0.5...1.0), failure.retryAfter.map { min($0, 60) } ?? 0)
                host.retry(stream: nil, attempt: failures, of: config.maxRetries, waitSeconds: delay,
                           reason: "\(what): \(failure.reason)")
                try MonotonicClock.sleep(delay, host: host, while: what)
            }
        }
    }

    /// A failure worth another try.
    private struct Failure: Error {
        var reason: String
        var rateLimited = false
        var retryAfter: Double?
    }

    /// What a complete response means: an outcome, a transient failure, or
    /// (thrown) a permanent one.
    private func classify(_ response: HTTPResponse, what: String) throws(PluginError) -> Result<Outcome, Failure> {
        let status = response.status
        let body = response.body
        switch status {
        case 200:
            guard response.isJSON else {
                return .failure(Failure(reason: "HTTP 200 with a body that is not JSON (Content-Type "
                    + "\(response.contentType.map { "\"\($0)\"" } ?? "missing"), \(body.count) bytes)"))
            }
            do {
                try validator.validateObject(body)
            } catch {
                return .failure(Failure(reason: "HTTP 200 with an incomplete or invalid JSON body (\(body.count) "
                    + "bytes; \(error.description))"))
            }
            return .success(.json(body))
        case 429:
            return .failure(Failure(reason: "HTTP 429 (rate limit)\(detail(response))", rateLimited: true,
                                    retryAfter: response.retryAfter))
        case 500...599:
            return .failure(Failure(reason: "HTTP \(status)\(detail(response))", retryAfter: response.retryAfter))
        default:
            break
        }
        let error = response.isJSON ? AirtableErrorBody(json: body) : AirtableErrorBody(type: nil, message: nil)
        if status == 422, error.type == "LIST_RECORDS_ITERATOR_NOT_AVAILABLE" {
            return .success(.iteratorExpired)
        }
        let airtable = error.summary.map { " \(Self.clip($0))" } ?? ""
        switch status {
        case 401:
            throw PluginError(.unauthenticated, "\(what): Airtable refused the token from \(config.tokenSource) "
                + "(HTTP 401\(airtable)); check that it is a valid, unexpired personal access token")
        case 403:
            throw PluginError(.permissionDenied, "\(what): Airtable denied access (HTTP 403\(airtable)); check "
                + "that the token has the data.records:read scope and access to base \(config.base)")
        case 404:
            throw PluginError(.notFound, "\(what): not found (HTTP 404\(airtable)); check the base id "
                + "\(config.base), the table and the view")
        case 300...399:
            throw PluginError.invalidArgument("\(what): the server answered with a redirect (HTTP \(status)), "
                + "which is not followed; check api_url (\(config.displayURL))")
        default:
            throw PluginError.invalidArgument("\(what): Airtable refused the request (HTTP \(status)\(airtable))")
        }
    }

    /// ` TYPE: message` from a JSON error body, or ` (text/html, 1234 bytes)`.
    private func detail(_ response: HTTPResponse) -> String {
        if response.isJSON, let summary = AirtableErrorBody(json: response.body).summary {
            return " \(Self.clip(summary))"
        }
        return " (\(response.contentType ?? "no Content-Type"), \(response.body.count) bytes)"
    }

    /// At most 300 characters of a message from the server.
    private static func clip(_ text: String) -> String {
        text.count <= 300 ? text : String(text.prefix(300)) + "…"
    }

    /// `0.25`, `30`: seconds for messages.
    static func seconds(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The Airtable-compatible test server (`Tests/Fixtures/AirtableServer/airtable_server.py`)
/// running in a child process on loopback, with typed calls to its control API.
///
/// ```swift
/// let server = try AirtableServer(fixture: ["bases": [["id": "appTest0000000001", "tables": [
///     ["generate": ["table": "Big", "records": 20_000]]]]]])
/// // etl-host sync airtable sqlite -s base=appTest0000000001 -s api_url=\(server.url)
/// //   with AIRTABLE_TOKEN=\(AirtableServer.defaultToken)
/// let requests = try server.log()
/// ```
///
/// The process ends on `stop()`, on deinit, and by itself when this process goes away
/// (it watches its stdin pipe and its parent). The fixture format and the control API are
/// described in `Tests/Fixtures/AirtableServer/README.md`.
public final class AirtableServer: @unchecked Sendable {
    /// The token the server accepts when the fixture lists none: every scope, every base.
    public static let defaultToken = "patTestServer0000.full-access-test-token"

    /// The server script.
    public static var scriptPath: String {
        TestSupport.repositoryRoot + "/Tests/Fixtures/AirtableServer/airtable_server.py"
    }

    /// The port it listens on (127.0.0.1).
    public let port: Int
    /// `http://127.0.0.1:<port>`: the `api_url` to give the extractor.
    public let url: String

    private let server: ScriptServer
    private let session: URLSession

    /// Starts the server and waits for it to listen.
    ///
    /// - Parameters:
    ///   - fixture: bases, tokens and settings to load once it listens (see ``load(_:)``).
    ///   - fixtureFile: a JSON fixture file given to the script with `--fixture`.
    ///   - rateLimit: requests per second per base (`--rate-limit`; 0 switches it off).
    ///   - penaltySeconds: the 429 penalty after going over the limit (`--penalty`).
    ///   - verbose: log every request on standard error.
    public init(
        fixture: [String: Any]? = nil, fixtureFile: String? = nil, rateLimit: Double? = nil,
        penaltySeconds: Double? = nil, verbose: Bool = false, timeout: TimeInterval = 30
    ) throws {
        var arguments: [String] = []
        if let fixtureFile { arguments += ["--fixture", fixtureFile] }
        if let rateLimit { arguments += ["--rate-limit", String(rateLimit)] }
        if let penaltySeconds { arguments += ["--penalty", String(penaltySeconds)] }
        if verbose { arguments.append("--verbose") }
        server = try ScriptServer(script: "Tests/Fixtures/AirtableServer/airtable_server.py", arguments: arguments,
                                  timeout: timeout)
        port = server.port
        url = server.url
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 120
        session = URLSession(configuration: configuration)
        if let fixture {
            do { try load(fixture) } catch { stop(); throw error }
        }
    }

    deinit { stop() }

    /// Stops the server (SIGTERM) and waits for it to exit. Safe to call twice.
    public func stop() { server.stop() }

    // MARK: - HTTP

    /// The answer to one request.
    public struct Response: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: Data
        /// The body as UTF-8 text.
        public var text: String { String(decoding: body, as: UTF8.self) }
        /// The body parsed as JSON.
        public func json() throws -> Any { try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) }
    }

    /// Sends a request to the server (`path` starts with `/` and is already percent-encoded).
    public func request(
        _ method: String, _ path: String, body: Data? = nil, headers: [String: String] = [:]
    ) throws -> Response {
        guard let target = URL(string: url + path) else { throw TestFailure("bad path \(path)") }
        var request = URLRequest(url: target)
        request.httpMethod = method
        request.httpBody = body
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        for (key, value) in headers { request.setValue(value, forHTTPHeaderField: key) }

        final class Box: @unchecked Sendable { var result: Result<Response, Error>? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        session.dataTask(with: request) { data, response, error in
            if let error {
                box.result = .failure(error)
            } else if let http = response as? HTTPURLResponse {
                var headers: [String: String] = [:]
                for (key, value) in http.allHeaderFields { headers["\(key)"] = "\(value)" }
                box.result = .success(Response(status: http.statusCode, headers: headers, body: data ?? Data()))
            } else {
                box.result = .failure(TestFailure("no HTTP response for \(method) \(path)"))
            }
            done.signal()
        }.resume()
        done.wait()
        return try box.result!.get()
    }

    /// Calls the Airtable API as a client would, with `token` as the bearer token (nil: none).
    public func api(
        _ path: String, method: String = "GET", token: String? = AirtableServer.defaultToken, body: Any? = nil
    ) throws -> Response {
        let data = try body.map { try JSONSerialization.data(withJSONObject: $0) }
        return try request(method, path, body: data, headers: token.map { ["Authorization": "Bearer \($0)"] } ?? [:])
    }

    /// Calls the control API (`/_test/<path>`) and returns its parsed answer; throws unless 200.
    @discardableResult
    public func control(_ method: String, _ path: String, _ body: Any? = nil) throws -> Any {
        let data = try body.map { try JSONSerialization.data(withJSONObject: $0) }
        let response = try request(method, "/_test/" + path, body: data)
        guard response.status == 200 else {
            throw TestFailure("airtable test server: \(method) /_test/\(path): \(response.status) \(response.text)")
        }
        return try response.json()
    }

    private func controlObject(_ method: String, _ path: String, _ body: Any? = nil) throws -> [String: Any] {
        guard let object = try control(method, path, body) as? [String: Any] else {
            throw TestFailure("airtable test server: \(path) did not answer an object")
        }
        return object
    }

    /// Percent-encodes a query value strictly (`+`, `&`, `/` and spaces too).
    public static func encode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }

    // MARK: - Data

    /// Loads a fixture: each of `bases`, `tokens` and `settings` that it has replaces the
    /// server's (settings are merged). Iterators are dropped when bases are replaced.
    public func load(_ fixture: [String: Any]) throws { try control("POST", "load", fixture) }

    /// Loads a fixture given as JSON text.
    public func load(json: String) throws {
        let response = try request("POST", "/_test/load", body: Data(json.utf8))
        guard response.status == 200 else { throw TestFailure("airtable test server: load: \(response.text)") }
    }

    /// Adds records (`["fields": [...]]`, optionally `"id"` and `"createdTime"`; by default
    /// created now) and returns them as the API shows them.
    @discardableResult
    public func addRecords(base: String, table: String, _ records: [[String: Any]]) throws -> [[String: Any]] {
        let answer = try controlObject("POST", "records/add", ["base": base, "table": table, "records": records])
        return answer["records"] as? [[String: Any]] ?? []
    }

    /// Updates records (`["id": ..., "fields": [...]]`; a field set to `NSNull()` is cleared,
    /// others are kept unless `replace`). Each record's last-modified time becomes now.
    @discardableResult
    public func updateRecords(
        base: String, table: String, _ records: [[String: Any]], replace: Bool = false
    ) throws -> [[String: Any]] {
        let answer = try controlObject(
            "POST", "records/update", ["base": base, "table": table, "records": records, "replace": replace]
        )
        return answer["records"] as? [[String: Any]] ?? []
    }

    /// Deletes records; returns the ids that existed.
    @discardableResult
    public func deleteRecords(base: String, table: String, ids: [String]) throws -> [String] {
        let answer = try controlObject("POST", "records/delete", ["base": base, "table": table, "ids": ids])
        return answer["deleted"] as? [String] ?? []
    }

    /// Every record of a table in API order and form, each with an extra `lastModifiedTime`.
    public func records(base: String, table: String) throws -> [[String: Any]] {
        let answer = try controlObject("GET", "records?base=\(Self.encode(base))&table=\(Self.encode(table))")
        return answer["records"] as? [[String: Any]] ?? []
    }

    /// Bases, tables (name -> id and record count), penalties, iterators and settings.
    public func status() throws -> [String: Any] { try controlObject("GET", "status") }

    // MARK: - Clock

    /// Sets the server's wall clock (record created and modified times, the HTTP `Date`
    /// header that incremental cursors come from) to `date`, where it stands still until
    /// moved. The 429 penalty follows it too (``advanceClock(by:)`` past its end ends
    /// it); the rate windows keep real time.
    public func setClock(to date: Date) throws {
        try control("POST", "clock", ["now": Self.airtableTime(date)])
    }

    /// Moves the server's wall clock `seconds` forward and stops it there (a clock that
    /// followed real time stops at real now + `seconds`). With whole seconds, a read
    /// after this starts in a later second of the `Date` header than every change made
    /// before it: no `Thread.sleep` for whole-second cursors.
    public func advanceClock(by seconds: Double) throws {
        try control("POST", "clock", ["advance": seconds])
    }

    /// `2024-01-05T09:30:00.000Z`, the form of Airtable's times.
    private static func airtableTime(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    /// Gives the server's wall clock back to real time.
    public func useRealClock() throws { try control("POST", "clock", ["now": NSNull()]) }

    /// The server's wall clock: its time (Airtable's form, milliseconds) and whether it stands still.
    public func clock() throws -> (now: String, stopped: Bool) {
        let answer = try controlObject("GET", "clock")
        guard let now = answer["now"] as? String, let stopped = answer["stopped"] as? Bool else {
            throw TestFailure("airtable test server: clock answered \(answer)")
        }
        return (now, stopped)
    }

    // MARK: - Faults, limits, log

    /// A fault for the matching API requests: the `nth` one from now and the `count - 1` after it.
    public struct Fault: Sendable {
        public enum Kind: String, Sendable {
            /// 500 with a JSON error body.
            case serverError = "500"
            /// 502 with an HTML body.
            case badGateway = "502"
            /// 503 with a JSON body (`html: true` for an HTML one).
            case unavailable = "503"
            /// 429 that also starts the base's penalty.
            case rateLimit = "429"
            /// Any `status` with `body` and `contentType`.
            case status
            /// Closes the connection without an answer (`mode: "reset"` sends a TCP reset).
            case drop
            /// 200 whose body stops half-way: Content-Length larger than the body
            /// (`mode: "length"`, default) or no length and the JSON cut (`mode: "close"`).
            case truncate
            /// 422 LIST_RECORDS_ITERATOR_NOT_AVAILABLE on a page after the first; the
            /// iterator is gone afterwards.
            case expiredIterator = "expired_iterator"
            /// Answers normally after `delay` seconds.
            case slow
        }

        public var kind: Kind
        public var base: String?
        /// A table name or id.
        public var table: String?
        /// `"list"` or `"meta"`.
        public var endpoint: String?
        /// `"first"` (no offset) or `"later"` (with an offset).
        public var page: String?
        /// Lets `nth - 1` matching requests through, then hits `count` of them.
        public var nth: Int
        /// How many requests it hits (default 1; with `every`, no end when nil).
        public var count: Int?
        /// Hits every `every`th matching request instead (the Nth, 2Nth, ...); `nth` is then ignored.
        public var every: Int?
        public var delay: Double?
        public var mode: String?
        public var html: Bool?
        public var status: Int?
        public var body: String?
        public var contentType: String?

        public init(
            _ kind: Kind, base: String? = nil, table: String? = nil, endpoint: String? = nil,
            page: String? = nil, nth: Int = 1, count: Int? = nil, every: Int? = nil, delay: Double? = nil,
            mode: String? = nil, html: Bool? = nil, status: Int? = nil, body: String? = nil, contentType: String? = nil
        ) {
            self.kind = kind
            self.base = base
            self.table = table
            self.endpoint = endpoint
            self.page = page
            self.nth = nth
            self.count = count
            self.every = every
            self.delay = delay
            self.mode = mode
            self.html = html
            self.status = status
            self.body = body
            self.contentType = contentType
        }

        var dictionary: [String: Any] {
            var out: [String: Any] = ["kind": kind.rawValue]
            if let every { out["every"] = every } else { out["nth"] = nth }
            if let count { out["count"] = count }
            if let base { out["base"] = base }
            if let table { out["table"] = table }
            if let endpoint { out["endpoint"] = endpoint }
            if let page { out["page"] = page }
            if let delay { out["delay"] = delay }
            if let mode { out["mode"] = mode }
            if let html { out["html"] = html }
            if let status { out["status"] = status }
            if let body { out["body"] = body }
            if let contentType { out["contentType"] = contentType }
            return out
        }
    }

    /// Adds faults; they are tried in the order added and the first that fires answers.
    public func addFaults(_ faults: Fault...) throws { try addFaults(faults) }

    /// Adds faults.
    public func addFaults(_ faults: [Fault]) throws {
        try control("POST", "faults", ["faults": faults.map(\.dictionary)])
    }

    /// The faults with their `remaining` and `hits` counts.
    public func faults() throws -> [[String: Any]] {
        try controlObject("GET", "faults")["faults"] as? [[String: Any]] ?? []
    }

    /// Removes every fault.
    public func clearFaults() throws { try control("POST", "faults/clear") }

    /// Sets the rate limits (requests per second per base and per token; 0 switches one
    /// off) and the penalty that follows a 429. Nil leaves a value as it is.
    public func setRateLimit(
        perSecond: Double? = nil, penaltySeconds: Double? = nil, tokenPerSecond: Double? = nil
    ) throws {
        var settings: [String: Any] = [:]
        if let perSecond { settings["rateLimitPerSecond"] = perSecond }
        if let penaltySeconds { settings["penaltySeconds"] = penaltySeconds }
        if let tokenPerSecond { settings["tokenRateLimitPerSecond"] = tokenPerSecond }
        try updateSettings(settings)
    }

    /// Switches both rate limits off (fast tests that are not about pacing).
    public func disableRateLimits() throws { try setRateLimit(perSecond: 0, tokenPerSecond: 0) }

    /// Changes settings: rateLimitPerSecond, tokenRateLimitPerSecond, penaltySeconds,
    /// iteratorTtlSeconds, unknownTableStatus (404 or 403), rateLimitBody ("errors" or
    /// "error"), maxUrlLength.
    public func updateSettings(_ settings: [String: Any]) throws { try control("POST", "settings", settings) }

    /// Ends every penalty and empties the rate windows.
    public func clearPenalties() throws { try control("POST", "penalty/clear") }

    /// Forgets every list iterator: their offsets answer LIST_RECORDS_ITERATOR_NOT_AVAILABLE.
    @discardableResult
    public func expireIterators() throws -> Int {
        try controlObject("POST", "iterators/expire")["expired"] as? Int ?? 0
    }

    /// Clears the log, faults, iterators, penalties and rate windows and restores the
    /// settings the server started with; the data and tokens stay.
    public func reset() throws { try control("POST", "reset") }

    /// One request the Airtable API received (control calls are not logged).
    public struct LogEntry: Decodable, Sendable {
        /// The list parameters that matter to the tests (from the query or the POST body).
        public struct Parameters: Decodable, Sendable {
            public var pageSize: Int?
            public var offset: String?
            public var view: String?
            public var filterByFormula: String?
            public var fields: [String]?
            public var maxRecords: Int?
            public var returnFieldsByFieldId: Bool?

            enum CodingKeys: String, CodingKey {
                case pageSize, offset, view, filterByFormula, fields, maxRecords, returnFieldsByFieldId
            }

            public init(from decoder: Decoder) throws {
                // Lenient: a client may send odd types; those read as nil.
                let container = try decoder.container(keyedBy: CodingKeys.self)
                pageSize = try? container.decodeIfPresent(Int.self, forKey: .pageSize)
                offset = try? container.decodeIfPresent(String.self, forKey: .offset)
                view = try? container.decodeIfPresent(String.self, forKey: .view)
                filterByFormula = try? container.decodeIfPresent(String.self, forKey: .filterByFormula)
                fields = try? container.decodeIfPresent([String].self, forKey: .fields)
                maxRecords = try? container.decodeIfPresent(Int.self, forKey: .maxRecords)
                returnFieldsByFieldId = try? container.decodeIfPresent(Bool.self, forKey: .returnFieldsByFieldId)
            }
        }

        public var seq: Int
        /// When it arrived: the server's monotonic clock, in seconds.
        public var time: Double
        public var method: String
        /// The path as sent (percent-encoded).
        public var path: String
        public var query: String
        /// `"list"` or `"meta"` once routed and authorized; nil before.
        public var endpoint: String?
        public var base: String?
        /// The table id, once resolved.
        public var table: String?
        /// The table as named in the path (decoded).
        public var tableName: String?
        public var params: Parameters?
        /// The status answered; 0 for a dropped connection, nil while in flight.
        public var status: Int?
        /// It arrived during a penalty (a violation).
        public var penalty: Bool
        /// It went over the rate limit (and started a penalty).
        public var rateLimited: Bool
        /// The fault kind injected into it.
        public var fault: String?
        /// How many records it returned.
        public var records: Int?
    }

    /// The requests received, oldest first (from index `since`).
    public func log(since: Int = 0) throws -> [LogEntry] {
        struct Log: Decodable { var requests: [LogEntry] }
        let response = try request("GET", "/_test/log?since=\(since)")
        guard response.status == 200 else { throw TestFailure("airtable test server: log: \(response.text)") }
        return try JSONDecoder().decode(Log.self, from: response.body).requests
    }

    /// Empties the log.
    public func clearLog() throws { try control("POST", "log/clear") }
}

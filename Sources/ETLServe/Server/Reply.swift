import ETLWorkflow
import FlyingFox
import Foundation

/// The shapes of `serve`'s answers: HTML pages, JSON, redirects after a POST, errors.
enum Reply {
    /// An HTML page (never cached: it shows live state).
    static func html(_ text: String, status: HTTPStatusCode = .ok) -> HTTPResponse {
        let headers: HTTPHeaders = [
            .contentType: "text/html; charset=utf-8", .cacheControl: "no-store", HTTPHeader("X-Content-Type-Options"): "nosniff",
            HTTPHeader("Content-Security-Policy"): "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'",
        ]
        return HTTPResponse(statusCode: status, headers: headers, body: Data(text.utf8))
    }

    /// A JSON answer (keys sorted, slashes unescaped).
    static func json(_ value: some Encodable, status: HTTPStatusCode = .ok) throws -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let headers: HTTPHeaders = [.contentType: "application/json", .cacheControl: "no-store", HTTPHeader("X-Content-Type-Options"): "nosniff"]
        return HTTPResponse(statusCode: status, headers: headers, body: try encoder.encode(value))
    }

    /// A redirect (303 See Other) to `location`.
    static func redirect(_ location: String) -> HTTPResponse {
        let headers: HTTPHeaders = [.location: location]
        return HTTPResponse(statusCode: .seeOther, headers: headers)
    }

    /// After a POST: JSON for the API, a redirect (303) to `location` for a form.
    static func done(api: Bool, json value: [String: String], location: String) throws -> HTTPResponse {
        api ? try json(value) : redirect(location)
    }

    /// An error: `{"error": message}` for the API, a small page for a browser.
    static func failure(_ status: HTTPStatusCode, _ message: String, api: Bool) -> HTTPResponse {
        if api, let response = try? json(["error": message], status: status) { return response }
        return html(HTML.page(title: "Error", section: .runs, body: "<h1>\(status.code) \(HTML.escape(status.phrase))</h1><div class=\"error\" id=\"error\">\(HTML.escape(message))</div>"),
                    status: status)
    }
}

/// Query strings and form bodies of `serve`'s requests, checked: a bad
/// value is a 400 naming the parameter and the values it takes.
enum RunsQuery {
    /// The runs filter of `/runs?...`.
    static func filter(_ query: [HTTPRequest.QueryItem]) throws -> RunsFilter {
        func value(_ name: String) -> String? { query[name].flatMap { $0.isEmpty ? nil : $0 } }
        func choice<T: RawRepresentable & CaseIterable>(_ name: String, _: T.Type) throws -> T? where T.RawValue == String {
            guard let text = value(name) else { return nil }
            guard let parsed = T(rawValue: text) else {
                throw ServeRequestError(status: .badRequest, message: "\(name)=\(text) is not one of: \(T.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return parsed
        }
        var filter = RunsFilter(pipeline: value("pipeline"), status: try choice("status", RunStatusFilter.self),
                                trigger: try choice("trigger", RunTrigger.self), kind: try choice("kind", RunSummaryKind.self),
                                from: try instant("from", value("from")), to: try instant("to", value("to")))
        if let after = value("after") {
            guard let cursor = RunsCursor(text: after) else {
                throw ServeRequestError(status: .badRequest, message: "after=\(after) is not a page cursor (STARTED_AT~RUN_ID, as the next link gives)")
            }
            filter.after = cursor
        }
        if let limit = value("limit") {
            guard let number = Int(limit), (1 ... RunsFilter.maximumLimit).contains(number) else {
                throw ServeRequestError(status: .badRequest, message: "limit=\(limit) is not a number from 1 to \(RunsFilter.maximumLimit)")
            }
            filter.limit = number
        }
        return filter
    }

    /// The log level of `/runs/<id>?level=` (default info).
    static func level(_ query: [HTTPRequest.QueryItem]) throws -> LogLine.Level {
        guard let text = query["level"], !text.isEmpty else { return .info }
        guard let level = LogLine.Level(rawValue: text) else {
            throw ServeRequestError(status: .badRequest, message: "level=\(text) is not one of: \(LogLine.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return level
    }

    /// A time bound: an ISO 8601 UTC instant or a beginning of one (`2026-12-06`, `2026-12-06T10`).
    static func instant(_ name: String, _ text: String?) throws -> String? {
        guard let text else { return nil }
        let pattern = #"^\d{4}(-\d\d(-\d\d(T\d\d(:\d\d(:\d\d(\.\d{1,6})?)?)?)?)?)?Z?$"#
        guard text.range(of: pattern, options: .regularExpression) != nil else {
            throw ServeRequestError(status: .badRequest, message: "\(name)=\(text) is not an ISO 8601 UTC time such as 2026-12-06 or 2026-12-06T10:15:00Z")
        }
        return text.hasSuffix("Z") ? String(text.dropLast()) : text
    }

    /// The fields of an `application/x-www-form-urlencoded` body.
    static func form(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) in text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text) }
            if let name = parts.first { fields[decode(name)] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        return fields
    }
}

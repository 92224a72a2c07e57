import ETLHost
import ETLWorkflow
import FlyingFox
import Foundation

/// `serve`'s pages and API over one project: every request goes through
/// ``handle(_:)``, which checks access (``ServeSecurity``), routes, and
/// answers HTML or, under `/api/`, the same data as JSON.
///
/// | GET | page | `/api/...` |
/// | --- | ---- | ---------- |
/// | `/runs?pipeline=&status=&trigger=&kind=&from=&to=&after=&limit=` | runs, newest first | ``RunsPage`` |
/// | `/runs/<id>?level=` | one run | ``RunDetail`` |
/// | `/runs/<id>/log` | the log file (download) | |
/// | `/pipelines` | pipelines and schedules | `[PipelineStatus]` |
/// | `/tables` | tables the pipelines load | ``TablesReport`` |
///
/// POST (CSRF token required, else 403): `/runs/<id>/cancel|resume|rerun`,
/// `/pipelines/<name>/run`, `/schedules/<pipeline>/<index>/pause|resume`,
/// each also under `/api/`.
public struct ServeApp: Sendable {
    let security: ServeSecurity
    let index: RunsIndex
    let reader: RunFolderReader
    let control: any PipelineControl
    let launcher: RunLauncher
    let tables: TablesReader

    /// The app over `stateFolder`'s runs and `control`'s pipelines.
    public init(security: ServeSecurity, stateFolder: String, control: any PipelineControl, launcher: RunLauncher) throws {
        self.security = security
        index = try RunsIndex(stateFolder: stateFolder)
        reader = RunFolderReader(stateFolder: stateFolder)
        self.control = control
        self.launcher = launcher
        tables = TablesReader(projectFolder: launcher.projectFolder, reader: reader, executable: launcher.executable)
    }

    /// Brings the runs index up to date (built from the run folders when
    /// new): call once at start so the first page does not wait for it.
    public func warmUp() async {
        _ = try? await index.refresh()
    }

    /// Answers one request.
    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        var segments = request.path.split(separator: "/").map { $0.removingPercentEncoding ?? String($0) }
        let isAPI = segments.first == "api"
        if isAPI { segments.removeFirst() }
        if security.accessToken != nil {
            if let token = request.query["token"], security.isAccessToken(token) {
                var headers: HTTPHeaders = [.location: request.path]
                if let cookie = security.loginCookie { headers[.setCookie] = cookie }
                return HTTPResponse(statusCode: .seeOther, headers: headers)
            }
            guard security.isAuthorized(authorization: request.headers[.authorization], cookie: request.headers[.cookie]) else {
                return Reply.failure(.unauthorized, "a token is required: open the page with ?token=TOKEN once, or send Authorization: Bearer TOKEN", api: isAPI)
            }
        }
        do {
            switch request.method {
            case .GET, .HEAD: return try await get(segments, request: request, api: isAPI)
            case .POST: return try await post(segments, request: request, api: isAPI)
            default: return Reply.failure(.methodNotAllowed, "\(request.method.rawValue) is not allowed here", api: isAPI)
            }
        } catch let error as ServeRequestError {
            return Reply.failure(error.status, error.message, api: isAPI)
        } catch let error as HostError {
            return Reply.failure(error.kind == .invalidArgument ? .badRequest : .internalServerError, error.message, api: isAPI)
        } catch {
            return Reply.failure(.internalServerError, "\(error)", api: isAPI)
        }
    }

    private func get(_ segments: [String], request: HTTPRequest, api: Bool) async throws -> HTTPResponse {
        switch segments.count > 0 ? segments[0] : "" {
        case "":
            return api ? Reply.failure(.notFound, "no such API path", api: true) : Reply.redirect("/runs")
        case "csrf" where api:
            return try Reply.json(["csrf": security.csrfToken])
        case "runs" where segments.count == 1:
            let filter = try RunsQuery.filter(request.query)
            let page = try await index.page(filter)
            return api ? try Reply.json(page) : Reply.html(RunsPageView(page: page, filter: filter, pipelines: await index.pipelineNames()).html)
        case "runs" where segments.count == 2:
            let level = try RunsQuery.level(request.query)
            guard let detail = RunDetail.load(segments[1], reader: reader, level: level) else { throw ServeRequestError.noRun(segments[1]) }
            if api { return try Reply.json(detail) }
            return Reply.html(RunPageView(detail: detail, needs: tables.needs(of: detail.pipelineRun), level: level, csrf: security.csrfToken).html)
        case "runs" where segments.count == 3 && segments[2] == "log":
            guard reader.pipelineRun(segments[1]) != nil || reader.syncRun(segments[1]) != nil else { throw ServeRequestError.noRun(segments[1]) }
            let headers: HTTPHeaders = [.contentType: "application/x-ndjson",
                                        .contentDisposition: "attachment; filename=\"\(segments[1])-log.jsonl\""]
            return HTTPResponse(statusCode: .ok, headers: headers, body: Data(reader.logText(segments[1]).utf8))
        case "pipelines" where segments.count == 1:
            let pipelines = await control.pipelines()
            if api { return try Reply.json(pipelines) }
            var lastRuns: [String: RunSummary] = [:]
            for id in pipelines.compactMap(\.lastRunID) {
                if let record = reader.pipelineRun(id) { lastRuns[id] = RunSummary(pipelineRun: record, logs: []) }
            }
            return Reply.html(PipelinesPageView(pipelines: pipelines, lastRuns: lastRuns, csrf: security.csrfToken,
                                                notice: request.query["notice"]).html)
        case "tables" where segments.count == 1:
            let report = try await tables.report(pipelines: await control.pipelines(), index: index)
            return api ? try Reply.json(report) : Reply.html(TablesPageView(report: report).html)
        default:
            throw ServeRequestError(status: .notFound, message: "no page at \(request.path)")
        }
    }

    private func post(_ segments: [String], request: HTTPRequest, api: Bool) async throws -> HTTPResponse {
        let body = try await request.bodyData
        let form = RunsQuery.form(String(decoding: body, as: UTF8.self))
        guard security.isGenuinePost(formToken: form["csrf"], headerToken: request.headers[HTTPHeader("X-CSRF-Token")]) else {
            throw ServeRequestError(status: .forbidden, message: "missing or wrong CSRF token: state changes need the csrf form field or the X-CSRF-Token header (GET /api/csrf)")
        }
        guard let last = segments.last, segments.count >= 3 else { throw ServeRequestError(status: .notFound, message: "no action at \(request.path)") }
        switch (segments[0], last) {
        case ("runs", "cancel") where segments.count == 3:
            try await control.cancel(runID: segments[1])
            return try Reply.done(api: api, json: ["cancelled": segments[1]], location: "/runs/\(HTML.urlComponent(segments[1]))")
        case ("runs", "rerun") where segments.count == 3:
            guard let record = reader.pipelineRun(segments[1]) else { throw ServeRequestError.noRun(segments[1]) }
            let id = try await control.runNow(pipeline: record.pipeline)
            return try Reply.done(api: api, json: ["run_id": id], location: "/runs/\(HTML.urlComponent(id))")
        case ("runs", "resume") where segments.count == 3:
            guard let record = reader.pipelineRun(segments[1]) else { throw ServeRequestError.noRun(segments[1]) }
            try launcher.resume(record)
            return try Reply.done(api: api, json: ["resumed": record.id], location: "/runs?pipeline=\(HTML.urlComponent(record.pipeline))")
        case ("pipelines", "run") where segments.count == 3:
            let id = try await control.runNow(pipeline: segments[1])
            return try Reply.done(api: api, json: ["run_id": id], location: "/runs/\(HTML.urlComponent(id))")
        case ("schedules", "pause"), ("schedules", "resume"):
            let id = segments[1 ..< segments.count - 1].joined(separator: "/")
            if last == "pause" { try await control.pause(scheduleID: id) } else { try await control.resume(scheduleID: id) }
            return try Reply.done(api: api, json: [last == "pause" ? "paused" : "resumed": id],
                                  location: "/pipelines?notice=\(HTML.urlComponent("schedule \(id) \(last == "pause" ? "paused" : "resumed")"))")
        default:
            throw ServeRequestError(status: .notFound, message: "no action at \(request.path)")
        }
    }
}

/// A request `serve` cannot answer: its HTTP status and a message for the person or client.
struct ServeRequestError: Error {
    let status: HTTPStatusCode
    let message: String

    static func noRun(_ id: String) -> ServeRequestError {
        ServeRequestError(status: .notFound, message: "no run '\(id)' in the state folder")
    }
}

import ETLHost
@testable import ETLServe
import ETLTestSupport
import ETLWorkflow
import Foundation

import Testing

/// `serve`'s HTTP layer: the real `etl-host serve` (its real scheduler)
/// over a state folder of written run records, over real loopback: pages
/// and their JSON, escaping, no configs, CSRF on every POST, the access token.
@Suite struct ServeHTTPTests {
    /// A history with a failed run whose step is named `<script>…`, and a sync run with an `@env:` config.
    func history() throws -> RunHistoryFixture {
        let fixture = try RunHistoryFixture("serve-http")
        try fixture.pipelineRun(RunHistoryFixture.id(10), at: 10)
        var failing = StepRecord(name: "<script>alert(1)</script>", kind: .command)
        failing.state = .failed
        failing.attempts = 2
        failing.error = "exit status 3 <b>bold</b>"
        failing.startedAt = RunHistoryFixture.time(20)
        failing.finishedAt = RunHistoryFixture.time(21)
        failing.seconds = 1
        var load = StepRecord(name: "load", kind: .sync)
        load.state = .succeeded
        load.syncRuns = [RunHistoryFixture.id(20, 1)]
        load.startedAt = RunHistoryFixture.time(20)
        load.finishedAt = RunHistoryFixture.time(20)
        load.seconds = 0.5
        load.rows = 4
        try fixture.pipelineRun(RunHistoryFixture.id(20), at: 20, status: .failed, steps: [load, failing],
                                log: ["info: run started", "warn: careful", "error: step failed"])
        try fixture.syncRun(RunHistoryFixture.id(20, 1), at: 20, parent: RunHistoryFixture.id(20),
                            streams: [RunHistoryFixture.stream("orders", table: "orders", rows: 4, newColumns: ["note"])])
        return fixture
    }

    /// The real `etl-host serve --port 0` over the fixture's state folder and
    /// a project with one pipeline, `shop` (a schedule every 36,500 days from
    /// 1970, so it never fires while a test runs: its next fire is in 2069; one
    /// command step); `body` gets its URL and its CSRF token.
    func serving(_ fixture: RunHistoryFixture, token: String? = nil, _ body: (String, String) async throws -> Void) async throws {
        let project = (fixture.state as NSString).deletingLastPathComponent + "/project"
        try FileManager.default.createDirectory(atPath: project, withIntermediateDirectories: true)
        try Data("name: shop\nschedules: [{every: 36500d}]\nsteps:\n  hello: {command: [echo, hello]}\n".utf8)
            .write(to: URL(fileURLWithPath: project + "/etl.yaml"))
        var environment = ProcessInfo.processInfo.environment
        environment["ETL_STATE_DIR"] = fixture.state
        environment["ETL_SERVE_TOKEN"] = token
        let server = try ServeProcess(project: project, environment: environment, currentDirectory: project)
        defer { _ = server.stop() }
        let headers = token.map { ["Authorization": "Bearer \($0)"] } ?? [:]
        let csrf = try await HTTPAnswer.request("GET", server.url + "api/csrf", headers: headers).json["csrf"] as? String
        try await body(server.url, try #require(csrf))
    }

    @Test func pagesEscapeValuesAndShowNoConfig() async throws {
        let fixture = try history()
        try await serving(fixture) { url, _ in
            for path in ["runs", "runs/\(RunHistoryFixture.id(20))", "runs/\(RunHistoryFixture.id(20, 1))", "pipelines", "tables",
                         "api/runs", "api/runs/\(RunHistoryFixture.id(20))", "api/runs/\(RunHistoryFixture.id(20, 1))", "api/pipelines", "api/tables"] {
                let answer = try await HTTPAnswer.request("GET", url + path)
                #expect(answer.status == 200, "\(path): \(answer.body)")
                if !path.hasPrefix("api/") {
                    #expect(answer.headers["content-type"] == "text/html; charset=utf-8")
                    #expect(!answer.body.contains("<script>alert"), "\(path)")
                    #expect(!answer.body.contains("<b>bold"), "\(path)")
                }
                #expect(!answer.body.contains("SECRET_KEY") && !answer.body.contains("api_key") && !answer.body.contains("source_config"), "\(path)")
            }
            let run = try await HTTPAnswer.request("GET", url + "runs/\(RunHistoryFixture.id(20))")
            #expect(run.body.contains("Step <strong class=\"failed-step\">&lt;script&gt;alert(1)&lt;/script&gt;</strong> (command) failed: exit status 3 &lt;b&gt;bold&lt;/b&gt;"))
            #expect(run.body.contains("<svg id=\"dag\""))
            #expect(run.body.contains("<svg id=\"timeline\""))
            #expect(run.body.contains("+ note"))
            #expect(run.body.contains("name=\"csrf\""))
        }
    }

    @Test func theAPIAnswersTheSameDataAsJSON() async throws {
        let fixture = try history()
        try await serving(fixture) { url, _ in
            let runs = try await HTTPAnswer.request("GET", url + "api/runs?limit=1")
            #expect(runs.headers["content-type"] == "application/json")
            let list = try #require(runs.json["runs"] as? [[String: Any]])
            #expect(list.map { $0["id"] as? String } == [RunHistoryFixture.id(20)])
            #expect(list[0]["status"] as? String == "failed")
            #expect(list[0]["warnings"] as? Int == 1)
            #expect(list[0]["errors"] as? Int == 1)
            #expect(list[0]["error"] as? String == "step '<script>alert(1)</script>': exit status 3 <b>bold</b>")
            #expect(runs.json["next"] as? String == "\(RunHistoryFixture.time(20))~\(RunHistoryFixture.id(20))")
            let older = try await HTTPAnswer.request("GET", url + "api/runs?limit=1&after=\(runs.json["next"] as! String)")
            #expect((older.json["runs"] as? [[String: Any]])?.map { $0["id"] as? String } == [RunHistoryFixture.id(10)])
            #expect(older.json["next"] == nil)
            let detail = try await HTTPAnswer.request("GET", url + "api/runs/\(RunHistoryFixture.id(20))?level=warn")
            #expect((detail.json["log"] as? [[String: Any]])?.map { $0["message"] as? String } == ["careful", "step failed"])
            #expect(((detail.json["sync_runs"] as? [[String: Any]])?.first?["streams"] as? [[String: Any]])?.first?["rows_written"] as? Int == 4)
            let bad = try await HTTPAnswer.request("GET", url + "api/runs?status=broken")
            #expect(bad.status == 400)
            #expect(bad.json["error"] as? String == "status=broken is not one of: running, succeeded, failed, cancelled, interrupted")
            let missing = try await HTTPAnswer.request("GET", url + "api/runs/nope")
            #expect(missing.status == 404)
            let log = try await HTTPAnswer.request("GET", url + "runs/\(RunHistoryFixture.id(20))/log")
            #expect(log.headers["content-disposition"] == "attachment; filename=\"\(RunHistoryFixture.id(20))-log.jsonl\"")
            #expect(log.body.split(separator: "\n").count == 3)
        }
    }

    @Test func aPostWithoutTheCSRFTokenIsRefusedAndChangesNothing() async throws {
        let fixture = try history()
        let runs = { ((try? FileManager.default.contentsOfDirectory(atPath: fixture.state + "/runs")) ?? []).sorted() }
        let before = runs()
        try await serving(fixture) { url, csrf in
            for path in ["api/pipelines/shop/run", "pipelines/shop/run", "api/schedules/shop/0/pause", "runs/\(RunHistoryFixture.id(20))/rerun"] {
                let refused = try await HTTPAnswer.request("POST", url + path)
                #expect(refused.status == 403, "\(path)")
                #expect(refused.body.contains("missing or wrong CSRF token"))
                let wrong = try await HTTPAnswer.request("POST", url + path, form: ["csrf": String(repeating: "0", count: 64)])
                #expect(wrong.status == 403, "\(path)")
            }
            #expect(runs() == before)
            let pipelines = try await HTTPAnswer.request("GET", url + "api/pipelines").body
            #expect(pipelines.contains("\"paused\":false"))
            let form = try await HTTPAnswer.request("POST", url + "schedules/shop/0/pause", form: ["csrf": csrf])
            #expect(form.status == 303)
            #expect(form.headers["location"] == "/pipelines?notice=schedule%20shop%2F0%20paused")
            #expect(try await HTTPAnswer.request("GET", url + "api/pipelines").body.contains("\"paused\":true"))
            let run = try await HTTPAnswer.request("POST", url + "api/pipelines/shop/run", headers: ["X-CSRF-Token": csrf])
            #expect(run.status == 200)
            _ = try #require(run.json["run_id"] as? String)
            let get = try await HTTPAnswer.request("GET", url + "api/pipelines/shop/run")
            #expect(get.status == 404)
        }
    }

    @Test func withATokenEveryRequestNeedsItAndTheLoginSetsAStrictCookie() async throws {
        let fixture = try history()
        let token = "0123456789abcdef0123"
        try await serving(fixture, token: token) { url, _ in
            let refused = try await HTTPAnswer.request("GET", url + "runs")
            #expect(refused.status == 401)
            #expect(!refused.body.contains(RunHistoryFixture.id(20)))
            #expect(try await HTTPAnswer.request("GET", url + "api/runs", headers: ["Authorization": "Bearer wrong-token-wrong-token"]).status == 401)
            #expect(try await HTTPAnswer.request("GET", url + "api/runs", headers: ["Authorization": "Bearer \(token)"]).status == 200)
            let login = try await HTTPAnswer.request("GET", url + "runs?token=\(token)")
            #expect(login.status == 303)
            #expect(login.headers["location"] == "/runs")
            #expect(login.headers["set-cookie"] == "etl_serve_token=\(token); Path=/; HttpOnly; SameSite=Strict")
            let page = try await HTTPAnswer.request("GET", url + "runs", headers: ["Cookie": "etl_serve_token=\(token)"])
            #expect(page.status == 200)
            #expect(page.body.contains(RunHistoryFixture.id(20)))
            #expect(!page.body.contains(token))
        }
    }

    @Test func optionsRefuseANonLoopbackAddressWithoutAToken() throws {
        let folder = try TestSupport.temporaryDirectory("serve-options")
        #expect(throws: HostError.self) { try ServeOptions(project: folder, host: "0.0.0.0", port: 0, token: nil, stopGrace: 1) }
        do {
            _ = try ServeOptions(project: folder, host: "0.0.0.0", port: 0, token: nil, stopGrace: 1)
        } catch let error as HostError {
            #expect(error.kind == .invalidArgument)
            #expect(error.message.hasPrefix("refusing to listen on 0.0.0.0 without a token"))
        }
        #expect(throws: HostError.self) { try ServeOptions(project: folder, host: "0.0.0.0", port: 0, token: "short", stopGrace: 1) }
        #expect(throws: HostError.self) { try ServeOptions(project: folder, host: "127.0.0.1", port: 70000, token: nil, stopGrace: 1) }
        #expect(try ServeOptions(project: folder, host: "0.0.0.0", port: 0, token: "0123456789abcdef", stopGrace: 1).token == "0123456789abcdef")
        #expect(try ServeOptions(project: folder, host: "127.0.0.1", port: 0, token: nil, stopGrace: 1).token == nil)
    }

    @Test func escapingAndConstantTimeComparison() {
        #expect(HTML.escape("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        #expect(ServeSecurity.constantTimeEqual("abc", "abc"))
        #expect(!ServeSecurity.constantTimeEqual("abc", "abd"))
        #expect(!ServeSecurity.constantTimeEqual("abc", "abcd"))
        #expect(!ServeSecurity.constantTimeEqual("", "a"))
        #expect(ServeSecurity(accessToken: nil).csrfToken.count == 64)
        #expect(ServeSecurity(accessToken: nil).csrfToken != ServeSecurity(accessToken: nil).csrfToken)
    }
}

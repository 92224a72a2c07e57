import ETLTestSupport
import Foundation
import Testing

/// `etl-host serve` end to end over real HTTP: runs made by the real
/// `etl-host run` (a pipeline that succeeds, one that fails), the real
/// server on a free port and its real scheduler; the POST, token and
/// secret rules; SIGTERM stops it with 0. (The pages in a real browser:
/// ``SlowTierServeBrowserTests``.)
@Suite struct ServeEndToEndTests {
    static let secret = "s3cr3t-value-never-shown-4242"
    static let shop = """
        name: shop
        connections:
          dwh: {plugin: sqlite, path: dwh.db}
        steps:
          raw_rates: {sync: {from: {plugin: csv, path: rates.csv}, to: dwh}}
          clean_rates:
            needs: [raw_rates]
            query: SELECT id, rate * 2 AS doubled FROM rates
            into: dwh
          notify:
            needs: [clean_rates]
            command: [sh, -c, 'test -n "$API_TOKEN" && echo notified']
            env: {API_TOKEN: "${SHOP_SECRET}"}
        """
    static let broken = """
        name: broken
        connections:
          dwh: {plugin: sqlite, path: ../broken.db}
        steps:
          raw_orders: {sync: {from: {plugin: csv, path: ../rates.csv}, to: dwh}}
          export_orders:
            needs: [raw_orders]
            command: [sh, -c, 'echo "disk quota exceeded on /exports" >&2; exit 7']
        """

    /// A project with both pipelines run once by `etl-host run` (from the project folder).
    func project() throws -> (PipelineRunSandbox, succeeded: String, failed: String) {
        let sandbox = try PipelineRunSandbox("serve-browser", yaml: Self.shop, files: ["rates.csv": "id,rate\n1,2.5\n2,3.0\n",
                                                                                      "pipelines/broken.yaml": Self.broken])
        let environment = sandbox.environment.merging(["SHOP_SECRET": Self.secret]) { $1 }
        let good = try TestSupport.run(TestSupport.hostExecutable, ["run", "-f", "etl.yaml"], environment: environment, currentDirectory: sandbox.project)
        #expect(good.status == 0, "\(good.stderr)")
        let bad = try TestSupport.run(TestSupport.hostExecutable, ["run", "-f", "pipelines/broken.yaml"], environment: environment, currentDirectory: sandbox.project)
        #expect(bad.status == 1, "\(bad.stderr)")
        let records = try sandbox.pipelineRuns()
        let succeeded = try #require(records.first { $0["pipeline"] as? String == "shop" }?["id"] as? String)
        let failed = try #require(records.first { $0["pipeline"] as? String == "broken" }?["id"] as? String)
        return (sandbox, succeeded, failed)
    }

    func serve(_ sandbox: PipelineRunSandbox, arguments: [String] = [], environment: [String: String] = [:]) throws -> ServeProcess {
        try ServeProcess(project: sandbox.project, environment: sandbox.environment.merging(["SHOP_SECRET": Self.secret]) { $1 }.merging(environment) { $1 },
                         arguments: arguments, currentDirectory: sandbox.root)
    }

    @Test func postsNeedTheCSRFTokenAndNoAnswerHoldsASecret() throws {
        let (sandbox, succeeded, failed) = try project()
        let server = try serve(sandbox)
        let before = sandbox.runFolders()
        for path in ["api/pipelines/shop/run", "pipelines/shop/run", "runs/\(failed)/resume", "runs/\(succeeded)/rerun"] {
            let refused = try curl(["-X", "POST", "--data", "", server.url + path])
            #expect(refused.hasPrefix("403"), "\(path): \(refused)")
        }
        #expect(sandbox.runFolders() == before)
        // With the token: run now starts a run through the real scheduler (trigger manual),
        // resume starts `run --resume` of the failed run.
        let csrf = try #require(try JSONSerialization.jsonObject(with: Data(try curl([server.url + "api/csrf"]).dropFirst(4).utf8)) as? [String: String])["csrf"]!
        let started = try curl(["-X", "POST", "-H", "X-CSRF-Token: \(csrf)", "--data", "", server.url + "api/pipelines/shop/run"])
        #expect(started.hasPrefix("200"), "\(started)")
        let runID = try #require((try JSONSerialization.jsonObject(with: Data(started.dropFirst(4).utf8)) as? [String: String])?["run_id"])
        let manual = try waitForRecord(sandbox, where: { $0["id"] as? String == runID && $0["status"] as? String == "succeeded" })
        #expect(manual["trigger"] as? String == "manual")
        let resumed = try curl(["-X", "POST", "--data", "csrf=\(csrf)", server.url + "runs/\(failed)/resume"])
        #expect(resumed.hasPrefix("303"), "\(resumed)")
        let resume = try waitForRecord(sandbox, where: { $0["resumed_from"] as? String == failed && $0["status"] as? String == "failed" })
        #expect(resume["trigger"] as? String == "manual")
        #expect(PipelineRunSandbox.states(resume) == ["raw_orders=skipped/0", "export_orders=failed/1"])
        for path in ["api/runs", "api/runs/\(succeeded)", "api/runs/\(failed)", "api/pipelines", "api/tables", "runs/\(succeeded)/log"] {
            let answer = try curl([server.url + path])
            #expect(answer.hasPrefix("200"), "\(path)")
            #expect(!answer.contains(Self.secret), "\(path)")
            #expect(!answer.contains("source_config") && !answer.contains("destination_config"), "\(path)")
        }
        #expect(server.stop() == 0)
    }

    @Test func aRunningRunIsCancelledFromItsPage() throws {
        let (sandbox, _, _) = try project()
        try sandbox.write("name: slow\nsteps:\n  wait: {command: [sleep, '120']}\n  after: {needs: [wait], command: [echo, late]}\n",
                          to: "pipelines/slow.yaml")
        let server = try serve(sandbox)
        let csrf = try #require(try JSONSerialization.jsonObject(with: Data(try curl([server.url + "api/csrf"]).dropFirst(4).utf8)) as? [String: String])["csrf"]!
        let started = try curl(["-X", "POST", "-H", "X-CSRF-Token: \(csrf)", "--data", "", server.url + "api/pipelines/slow/run"])
        let runID = try #require((try JSONSerialization.jsonObject(with: Data(started.dropFirst(4).utf8)) as? [String: String])?["run_id"])
        _ = try waitForRecord(sandbox, where: { $0["id"] as? String == runID && PipelineRunSandbox.states($0).first == "wait=running/1" })
        let page = try curl([server.url + "runs/\(runID)"])
        #expect(page.contains("action=\"/runs/\(runID)/cancel\""))
        #expect(try curl(["-X", "POST", "--data", "", server.url + "runs/\(runID)/cancel"]).hasPrefix("403"))
        let cancelled = try curl(["-X", "POST", "--data", "csrf=\(csrf)", server.url + "runs/\(runID)/cancel"])
        #expect(cancelled.hasPrefix("303"), "\(cancelled)")
        let record = try waitForRecord(sandbox, where: { $0["id"] as? String == runID && $0["status"] as? String != "running" })
        #expect(record["status"] as? String == "cancelled")
        #expect(PipelineRunSandbox.states(record) == ["wait=cancelled/1", "after=cancelled/0"])
        #expect(server.stop() == 0)
    }

    @Test func helpTeachesTheSecurityRulesAndExitCodes() throws {
        let sandbox = try HostSandbox("serve-help")
        let help = try sandbox.etlHost("serve", "--help")
        #expect(help.status == 0)
        #expect(help.stdout.contains("Any other address needs a token"))
        #expect(help.stdout.contains("from GET /api/csrf and send X-CSRF-Token); without it: 403."))
        #expect(help.stdout.contains("64  invalid options: a non-loopback --host without a token"))
        #expect(!help.stdout.contains("describe-tables"))
    }

    @Test func aNonLoopbackAddressWithoutATokenIsRefused() throws {
        let sandbox = try PipelineRunSandbox("serve-refused", yaml: Self.shop)
        let result = try sandbox.etlHost(["serve", "--project", sandbox.project, "--host", "0.0.0.0", "--port", "0"])
        #expect(result.status == 64)
        #expect(result.stderr == "etl-host: error: refusing to listen on 0.0.0.0 without a token: anyone who reaches it could run and cancel pipelines; give --token or ETL_SERVE_TOKEN (at least 16 characters), or listen on 127.0.0.1\n")
        let server = try serve(sandbox, arguments: ["--host", "0.0.0.0"], environment: ["ETL_SERVE_TOKEN": "0123456789abcdef0123"])
        let port = try #require(server.url.split(separator: ":").last?.dropLast())
        #expect(try curl(["http://127.0.0.1:\(port)/api/runs"]).hasPrefix("401"))
        #expect(try curl(["-H", "Authorization: Bearer 0123456789abcdef0123", "http://127.0.0.1:\(port)/api/runs"]).hasPrefix("200"))
        #expect(server.stop() == 0)
    }

    /// The first pipeline run record that matches, polled for up to 60 s.
    func waitForRecord(_ sandbox: PipelineRunSandbox, where matches: ([String: Any]) -> Bool) throws -> [String: Any] {
        var found: [String: Any]?
        try TestSupport.waitFor("a matching run record", detail: { ": \(try sandbox.pipelineRuns().map(PipelineRunSandbox.states))" }) {
            found = try sandbox.pipelineRuns().first(where: matches)
            return found != nil
        }
        return found ?? [:]
    }

    /// `STATUS BODY` of a curl request.
    func curl(_ arguments: [String]) throws -> String {
        let result = try TestSupport.run("/usr/bin/curl", ["-s", "--max-time", "20", "-w", "%{http_code}", "-o", "/dev/stdout"] + arguments)
        let status = String(result.stdout.suffix(3))
        return status + " " + result.stdout.dropLast(3)
    }
}

/// `etl-host serve`'s pages in headless Chromium: each page loaded from the
/// real server over runs the real `etl-host run` made, asserted on its DOM;
/// a screenshot checked for being more than a blank page (about 20 s: the
/// slow tier).
@Suite struct SlowTierServeBrowserTests {
    @Test func aBrowserSeesTheRunsTheFailedRunsErrorThePipelinesAndTheTables() throws {
        let suite = ServeEndToEndTests()
        let (sandbox, succeeded, failed) = try suite.project()
        let server = try suite.serve(sandbox)
        #expect(server.text.hasPrefix("etl-host serve: listening on http://127.0.0.1:"))

        let runs = try HeadlessBrowser.dom(server.url + "runs")
        #expect(runs.contains(">\(succeeded)</a>"))
        #expect(runs.contains(">\(failed)</a>"))
        #expect(runs.contains("<span class=\"badge failed\">failed</span>"))
        #expect(runs.contains("<span class=\"badge succeeded\">succeeded</span>"))
        #expect(runs.contains("step 'export_orders': command sh exited with status 7"), "\(runs)")

        let run = try HeadlessBrowser.dom(server.url + "runs/\(failed)")
        #expect(run.contains("Step <strong class=\"failed-step\">export_orders</strong> (command) failed: command sh exited with status 7"), "\(run)")
        #expect(run.contains("<g class=\"step\" data-step=\"export_orders\" data-state=\"failed\">"))
        #expect(run.contains("<g class=\"step\" data-step=\"raw_orders\" data-state=\"succeeded\">"))
        #expect(run.contains("id=\"timeline\""))
        #expect(run.contains("disk quota exceeded on /exports"))
        #expect(run.contains("Resume (re-run what did not succeed)"))

        let pipelines = try HeadlessBrowser.dom(server.url + "pipelines")
        #expect(pipelines.contains("<tr data-pipeline=\"shop\">"))
        #expect(pipelines.contains("<tr data-pipeline=\"broken\">"))
        #expect(pipelines.contains("Run now"))

        let tables = try HeadlessBrowser.dom(server.url + "tables")
        #expect(tables.contains("<tr data-table=\"rates\">"))
        #expect(tables.contains("<tr data-table=\"clean_rates\">"))

        for page in [runs, run, pipelines, tables] { #expect(!page.contains(ServeEndToEndTests.secret)) }

        for (name, path) in [("serve-runs.png", "runs"), ("serve-run.png", "runs/\(failed)")] {
            let screenshot = sandbox.root + "/" + name
            try HeadlessBrowser.screenshot(server.url + path, to: screenshot)
            let (width, height, colours) = try HeadlessBrowser.pngFacts(screenshot)
            #expect(width == 1280 && height == 900)
            #expect(colours >= 20, "\(name): a blank page has a handful of colours; got \(colours)")
            if ProcessInfo.processInfo.environment["ETL_UPDATE_SCREENSHOTS"] == "1" {
                let target = TestSupport.repositoryRoot + "/docs/images/" + name
                try? FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try? FileManager.default.removeItem(atPath: target)
                try FileManager.default.copyItem(atPath: screenshot, toPath: target)
            }
        }
        #expect(server.stop() == 0)
    }
}

import ETLHost
import ETLTestSupport
@testable import ETLWorkflow
import Foundation
import Testing

/// A webhook receiver on 127.0.0.1 (Python's http.server): answers the
/// first `failures` POSTs with 500, the rest with 200, and appends each
/// body it accepted to a file, one per line.
final class WebhookReceiver: Sendable {
    let process: Process
    let port: Int
    let bodies: String

    init(folder: String, failures: Int) throws {
        bodies = folder + "/received.jsonl"
        let script = """
            import http.server, sys
            failures = [\(failures)]
            class Handler(http.server.BaseHTTPRequestHandler):
                def do_POST(self):
                    body = self.rfile.read(int(self.headers.get('Content-Length', '0')))
                    if failures[0] > 0:
                        failures[0] -= 1
                        self.send_response(500); self.end_headers(); return
                    with open(sys.argv[1], 'ab') as f:
                        f.write(self.path.encode() + b' ' + self.headers.get('Content-Type', '').encode() + b' ' + body + b'\\n')
                    self.send_response(200); self.end_headers()
                def log_message(self, *args): pass
            server = http.server.HTTPServer(('127.0.0.1', 0), Handler)
            print(server.server_address[1], flush=True)
            server.serve_forever()
            """
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, bodies]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) { line += byte }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else { throw TestFailure("the webhook receiver did not start") }
        self.port = port
    }

    /// What it accepted: `PATH CONTENT-TYPE BODY` per POST.
    func received() -> [String] {
        (FileManager.default.contents(atPath: bodies).map { String(decoding: $0, as: UTF8.self) } ?? "").split(separator: "\n").map(String.init)
    }

    /// SIGKILL: the test process may block SIGTERM in the thread that started it, and the child inherits that.
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

@Suite struct WebhookAlertTests {
    /// A failing run: the receiver refuses the first POST, accepts the
    /// retry, and gets the run's id, failing step and error; the URL (and
    /// its secret path) appears in no log or record, only the host.
    @Test func aFailureReachesTheReceiverWithTheRunIDAndError() async throws {
        let sandbox = try SchedulerSandbox("webhook", files: [
            "etl.yaml": """
                name: shop
                alerts:
                  - {webhook: "@env:ALERT_URL", on: [failure, recovery]}
                steps:
                  load: {command: [sh, -c, 'test -f fixed || exit 3']}
                """,
        ])
        let receiver = try WebhookReceiver(folder: sandbox.root, failures: 1)
        defer { receiver.stop() }
        let secretPath = "/hooks/T0SECRET-TOKEN-42"
        var environment = sandbox.sandbox.environment
        environment["ALERT_URL"] = "http://127.0.0.1:\(receiver.port)\(secretPath)"
        let scheduler = ProjectScheduler(projectFolder: sandbox.project, executable: TestSupport.hostExecutable,
                                         stateFolder: sandbox.state, environment: environment)
        let failed = try await scheduler.runNow(pipeline: "shop")
        try await sandbox.waitFor("the alert", seconds: 60) { receiver.received().count == 1 }
        let parts = try #require(receiver.received().first).split(separator: " ", maxSplits: 2).map(String.init)
        #expect(parts[0] == secretPath)
        #expect(parts[1] == "application/json")
        let message = try JSONDecoder().decode(AlertMessage.self, from: Data(parts[2].utf8))
        #expect(message.event == .failure)
        #expect(message.runID == failed)
        #expect(message.pipeline == "shop")
        #expect(message.status == "failed")
        #expect(message.failingStep == "load")
        #expect(message.error == "command sh exited with status 3")
        try await sandbox.waitFor("the scheduler to see the end") { await scheduler.runningRunIDs().isEmpty }
        #expect(await scheduler.pipelines().first?.freshness == .failing)
        // Fixed: the next run recovers.
        sandbox.touch("fixed")
        let recovered = try await scheduler.runNow(pipeline: "shop")
        try await sandbox.waitFor("the recovery alert", seconds: 60) { receiver.received().count == 2 }
        let recovery = try JSONDecoder().decode(AlertMessage.self, from: Data(receiver.received()[1].split(separator: " ", maxSplits: 2)[2].utf8))
        #expect(recovery.event == .recovery)
        #expect(recovery.runID == recovered)
        await scheduler.shutdown(grace: 10)
        let log = sandbox.logLines()
        #expect(log.contains("alert failure for pipeline 'shop' run \(failed) sent to 127.0.0.1 (attempt 2)"))
        #expect(log.contains("alert recovery for pipeline 'shop' run \(recovered) sent to 127.0.0.1 (attempt 1)"))
        // The secret is nowhere in the state folder.
        let files = FileManager.default.enumerator(atPath: sandbox.state)?.compactMap { $0 as? String } ?? []
        for file in files {
            let text = FileManager.default.contents(atPath: sandbox.state + "/" + file).map { String(decoding: $0, as: UTF8.self) } ?? ""
            #expect(!text.contains("T0SECRET"), "\(file)")
        }
    }

    /// Serve was down over three hourly fires (catch_up: skip): the pipeline is late, and says so once.
    @Test func aLatePipelineSendsALateAlert() async throws {
        let sandbox = try SchedulerSandbox("webhook-late", files: [
            "etl.yaml": """
                name: hourly
                schedules: [{cron: "0 * * * *"}]
                alerts: [{webhook: "@env:ALERT_URL", on: [late]}]
                steps:
                  one: {command: [sh, -c, 'true']}
                """,
        ])
        let receiver = try WebhookReceiver(folder: sandbox.root, failures: 0)
        defer { receiver.stop() }
        try ScheduleStateStore(stateFolder: sandbox.state).recordFire("hourly/0", summary: "cron 0 * * * * (UTC)",
                                                                     at: CronExpressionTests.date("2026-12-06T09:00:00Z"))
        var environment = sandbox.sandbox.environment
        environment["ALERT_URL"] = "http://127.0.0.1:\(receiver.port)/late"
        let clock = ManualSchedulerClock(now: CronExpressionTests.date("2026-12-06T12:30:00Z"))
        let scheduler = ProjectScheduler(projectFolder: sandbox.project, executable: TestSupport.hostExecutable,
                                         stateFolder: sandbox.state, clock: clock, environment: environment)
        await scheduler.start()
        try await sandbox.waitFor("the late alert", seconds: 60) { receiver.received().count == 1 }
        clock.advance(by: 1)
        try await sandbox.waitFor("the next tick") { await scheduler.tickedAt == CronExpressionTests.date("2026-12-06T12:30:01Z") }
        await scheduler.shutdown(grace: 10)
        #expect(receiver.received().count == 1)
        let message = try JSONDecoder().decode(AlertMessage.self, from: Data(receiver.received()[0].split(separator: " ", maxSplits: 2)[2].utf8))
        #expect(message.event == .late)
        #expect(message.pipeline == "hourly")
        #expect(message.runID == nil)
        #expect(message.error == "a scheduled fire was missed or is waiting (since 2026-12-06T12:00:00.000Z)")
    }

    @Test func anUnsetVariableIsLoggedWithoutSending() async throws {
        let sandbox = try SchedulerSandbox("webhook-unset", files: [
            "etl.yaml": "name: shop\nalerts: [{webhook: \"@env:NO_SUCH_ALERT_URL\"}]\nsteps:\n  load: {command: [sh, -c, 'exit 3']}\n",
        ])
        let scheduler = sandbox.scheduler()
        let id = try await scheduler.runNow(pipeline: "shop")
        try await sandbox.waitFor("the run to end") { await scheduler.runningRunIDs().isEmpty && sandbox.run(id) != nil }
        await scheduler.shutdown(grace: 10)
        #expect(sandbox.logLines().contains("alert failure for pipeline 'shop' not sent: the environment variable NO_SUCH_ALERT_URL (webhook of alert at etl.yaml:2:10) is not set"))
    }

    @Test func alertsParseAndRefuseBadEntries() throws {
        let good = try PipelineParser().parse(text: """
            name: p
            alerts:
              - {webhook: "https://hooks.example.com/x", on: [late]}
              - {webhook: "@env:HOOK"}
            steps:
              one: {command: [sh, -c, 'true']}
            """, path: "etl.yaml")
        #expect(good.alerts.map(\.events) == [[.late], [.failure, .recovery]])
        do {
            _ = try PipelineParser().parse(text: """
                name: p
                alerts:
                  - {webhook: "ftp://secret-host/x", on: [failure, lateness]}
                steps:
                  one: {command: [sh, -c, 'true']}
                """, path: "etl.yaml")
            Issue.record("parsed")
        } catch {
            #expect(error.items.map(\.description) == [
                "etl.yaml:3:15: alert 1: webhook must be an http:// or https:// URL or @env:NAME",
                "etl.yaml:3:52: alert 1: on 'lateness' is not one of failure, late, recovery",
            ])
        }
    }
}

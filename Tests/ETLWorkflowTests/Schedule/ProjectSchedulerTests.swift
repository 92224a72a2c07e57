import ETLHost
import ETLTestSupport
@testable import ETLWorkflow
import Foundation
import Testing

/// ``ProjectScheduler`` without schedules: the project's pipelines, run
/// now, cancel, and graceful stop, with the real etl-host as child.
@Suite struct ProjectSchedulerTests {
    @Test func pipelinesListsEveryFileAndTheErrorsOfOneThatDoesNotParse() async throws {
        let sandbox = try SchedulerSandbox("sched-list", files: [
            "etl.yaml": """
                name: shop
                schedules: [{cron: "0 2 * * *", timezone: Europe/Berlin}, {every: 15m}]
                steps:
                  one: {command: [sh, -c, 'true']}
                """,
            "pipelines/b_broken.yaml": "name: broken\nstepz: {}\n",
            "pipelines/a_other.yml": "name: other\nsteps:\n  one: {command: [sh, -c, 'true']}\n",
            "pipelines/notes.txt": "not a pipeline",
        ])
        let statuses = await sandbox.scheduler().pipelines()
        #expect(statuses.map(\.name) == ["shop", "other", "b_broken"])
        #expect(statuses.map(\.file) == ["etl.yaml", "pipelines/a_other.yml", "pipelines/b_broken.yaml"])
        #expect(statuses[0].schedules.map(\.id) == ["shop/0", "shop/1"])
        #expect(statuses[0].schedules.map(\.description) == ["cron 0 2 * * * (Europe/Berlin)", "every 15m"])
        #expect(statuses[0].freshness == .onTime)
        #expect(statuses[0].error == nil)
        #expect(statuses[1].freshness == .unscheduled)
        #expect(statuses[2].error == """
            pipelines/b_broken.yaml:1:1: the pipeline file: missing required key 'steps' (a mapping of step names to steps)
            pipelines/b_broken.yaml:2:1: unknown key 'stepz' in the pipeline file (did you mean 'steps'?); valid keys: name, connections, defaults, steps, schedules, alerts
            """)
        #expect(statuses[2].schedules.isEmpty)
    }

    @Test func runNowStartsARunOfTheBinaryAndReturnsItsID() async throws {
        let sandbox = try SchedulerSandbox("sched-run-now", files: [
            "etl.yaml": "name: shop\nsteps:\n  one: {command: [sh, -c, 'echo one >> ran.txt']}\n",
        ])
        let scheduler = sandbox.scheduler()
        let id = try await scheduler.runNow(pipeline: "shop")
        try await sandbox.waitFor("run \(id) to end") { sandbox.run(id).map { $0.status != .running } ?? false }
        let record = try #require(sandbox.run(id))
        #expect(record.status == .succeeded)
        #expect(record.trigger == .manual)
        #expect(record.file == "etl.yaml")
        #expect(sandbox.read("ran.txt") == "one\n")
        try await sandbox.waitFor("the scheduler to see the end") { await scheduler.runningRunIDs().isEmpty }
        #expect(await scheduler.pipelines().first?.lastRunID == id)
        await #expect(throws: SchedulerError(.notFound, "no pipeline 'nope' in \(sandbox.project); pipelines: shop")) {
            try await scheduler.runNow(pipeline: "nope")
        }
    }

    @Test func cancelStopsARunAsSIGTERMDoes() async throws {
        let sandbox = try SchedulerSandbox("sched-cancel", files: [
            "etl.yaml": "name: shop\nsteps:\n  wait: \(SchedulerSandbox.waitingStep(for: "go"))\n  after: {needs: [wait], command: [sh, -c, 'true']}\n",
        ])
        let scheduler = sandbox.scheduler()
        let id = try await scheduler.runNow(pipeline: "shop")
        try await sandbox.waitFor("step wait to run") { sandbox.run(id)?.step("wait")?.state == .running }
        try await scheduler.cancel(runID: id)
        try await sandbox.waitFor("run \(id) to end") { await scheduler.runningRunIDs().isEmpty }
        let record = try #require(sandbox.run(id))
        #expect(record.status == .cancelled)
        #expect(record.steps.map(\.state) == [.cancelled, .cancelled])
        #expect(sandbox.logLines().contains("run \(id): ended, exit 130, cancelled"))
        await #expect(throws: SchedulerError(.notFound, "no pipeline run 'unknown-run' in \(sandbox.state)/runs")) {
            try await scheduler.cancel(runID: "unknown-run")
        }
    }

    /// One run ends within the grace period and succeeds; the other is
    /// still waiting when it expires and is cancelled.
    @Test func shutdownLetsRunsFinishWithinGraceThenCancelsTheRest() async throws {
        let sandbox = try SchedulerSandbox("sched-shutdown", files: [
            "etl.yaml": "name: quick\nsteps:\n  wait: \(SchedulerSandbox.waitingStep(for: "quick-go"))\n",
            "pipelines/slow.yaml": "name: slow\nsteps:\n  wait: \(SchedulerSandbox.waitingStep(for: "never"))\n",
        ])
        let scheduler = sandbox.scheduler()
        let quick = try await scheduler.runNow(pipeline: "quick")
        let slow = try await scheduler.runNow(pipeline: "slow")
        try await sandbox.waitFor("both steps to run") {
            sandbox.run(quick)?.step("wait")?.state == .running && sandbox.run(slow)?.step("wait")?.state == .running
        }
        sandbox.touch("quick-go")
        let started = Date()
        await scheduler.shutdown(grace: 3)
        #expect(Date().timeIntervalSince(started) >= 3)
        #expect(await scheduler.runningRunIDs().isEmpty)
        #expect(sandbox.run(quick)?.status == .succeeded)
        #expect(sandbox.run(slow)?.status == .cancelled)
        #expect(sandbox.logLines().contains("run \(slow): SIGTERM at shutdown"))
        #expect(sandbox.logLines().last == "scheduler stopped")
    }
}

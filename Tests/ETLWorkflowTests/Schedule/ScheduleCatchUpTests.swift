import ETLHost
import ETLTestSupport
@testable import ETLWorkflow
import Foundation
import Testing

/// catch_up: serve was down from 09:00 (the last fire recorded) to 12:30,
/// so the hourly schedule missed 10:00, 11:00 and 12:00.
@Suite struct ScheduleCatchUpTests {
    static func catchUp(_ policy: String, label: String) async throws -> (SchedulerSandbox, ProjectScheduler) {
        let sandbox = try SchedulerSandbox(label, files: [
            "etl.yaml": """
                name: hourly
                schedules: [{cron: "0 * * * *", catch_up: \(policy)}]
                steps:
                  one: {command: [sh, -c, 'true']}
                """,
        ])
        try ScheduleStateStore(stateFolder: sandbox.state).recordFire("hourly/0", summary: "cron 0 * * * * (UTC)",
                                                                     at: CronExpressionTests.date("2026-12-06T09:00:00Z"))
        let scheduler = sandbox.scheduler(clock: ManualSchedulerClock(now: CronExpressionTests.date("2026-12-06T12:30:00Z")))
        await scheduler.start()
        return (sandbox, scheduler)
    }

    static func id(_ hour: String) -> String { ScheduleFiringTests.runID("2026-12-06T\(hour):00:00Z", "hourly") }

    @Test func skipRunsNothing() async throws {
        let (sandbox, scheduler) = try await Self.catchUp("skip", label: "catch-skip")
        try await sandbox.waitFor("a tick") { await scheduler.tickedAt != nil }
        #expect(await scheduler.runningRunIDs().isEmpty)
        #expect(await scheduler.pipelines().first?.freshness == .late)
        await scheduler.shutdown(grace: 10)
        #expect(sandbox.runs().isEmpty)
        #expect(sandbox.logLines().contains("schedule hourly/0: 3 fires missed while serve was not running, skipped (catch_up: skip); last 2026-12-06T12:00:00.000Z"))
        #expect(ScheduleStateStore(stateFolder: sandbox.state).lastFires()["hourly/0"]?.lastFire == "2026-12-06T12:00:00.000Z")
    }

    @Test func latestRunsTheNewestMissedFireOnce() async throws {
        let (sandbox, scheduler) = try await Self.catchUp("latest", label: "catch-latest")
        try await sandbox.waitFor("the catch-up run") { sandbox.run(Self.id("12"))?.status == .succeeded }
        try await sandbox.waitFor("its end seen") { await scheduler.runningRunIDs().isEmpty }
        await scheduler.shutdown(grace: 10)
        #expect(sandbox.runs().map(\.id) == [Self.id("12")])
        #expect(sandbox.runs().first?.trigger == .schedule)
        #expect(sandbox.logLines().contains("schedule hourly/0: 3 fires missed while serve was not running; running the latest, 2026-12-06T12:00:00.000Z (catch_up: latest)"))
    }

    @Test func allRunsEveryMissedFireInOrderOneAfterAnother() async throws {
        let (sandbox, scheduler) = try await Self.catchUp("all", label: "catch-all")
        try await sandbox.waitFor("three catch-up runs") { sandbox.runs().filter { $0.status == .succeeded }.count == 3 }
        try await sandbox.waitFor("their ends seen") { await scheduler.runningRunIDs().isEmpty }
        await scheduler.shutdown(grace: 10)
        let runs = sandbox.runs()
        #expect(runs.map(\.id) == [Self.id("10"), Self.id("11"), Self.id("12")])
        for (earlier, later) in zip(runs, runs.dropFirst()) {
            #expect(try #require(RecordTime.date(later.startedAt)) >= (try #require(RecordTime.date(earlier.finishedAt ?? ""))))
        }
        #expect(sandbox.logLines().contains("schedule hourly/0: 3 fires missed while serve was not running; running 3 in order (catch_up: all)"))
    }

    /// A schedule written differently since the last fire starts afresh (no catch-up).
    @Test func aChangedScheduleIsNotCaughtUp() async throws {
        let sandbox = try SchedulerSandbox("catch-changed", files: [
            "etl.yaml": "name: hourly\nschedules: [{cron: \"30 * * * *\", catch_up: all}]\nsteps:\n  one: {command: [sh, -c, 'true']}\n",
        ])
        try ScheduleStateStore(stateFolder: sandbox.state).recordFire("hourly/0", summary: "cron 0 * * * * (UTC)",
                                                                     at: CronExpressionTests.date("2026-12-06T09:00:00Z"))
        let scheduler = sandbox.scheduler(clock: ManualSchedulerClock(now: CronExpressionTests.date("2026-12-06T12:10:00Z")))
        await scheduler.start()
        try await sandbox.waitFor("a tick") { await scheduler.tickedAt != nil }
        await scheduler.shutdown(grace: 10)
        #expect(sandbox.runs().isEmpty)
        #expect(await scheduler.pipelines().first?.schedules.first?.nextFire == "2026-12-06T12:30:00.000Z")
    }
}

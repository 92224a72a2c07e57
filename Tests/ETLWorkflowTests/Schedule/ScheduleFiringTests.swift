import ETLHost
import ETLTestSupport
@testable import ETLWorkflow
import Foundation
import Testing

/// The firing loop with the real etl-host as child: on time on the wall
/// clock, paused, and (on a clock the test moves) each overlap policy.
@Suite struct ScheduleFiringTests {
    static func runID(_ time: String, _ pipeline: String, _ index: Int = 0) -> String {
        ProjectScheduler.runID(fire: CronExpressionTests.date(time), pipeline: pipeline, scheduleIndex: index)
    }

    /// `every: 2s` on the wall clock: each run is started (the scheduler's
    /// log stamps the spawn) within a second of its fire time (the time its
    /// id names), two seconds apart, and its record says so too.
    @Test func everyTwoSecondsFiresOnTime() async throws {
        let sandbox = try SchedulerSandbox("fire-every", files: [
            "etl.yaml": "name: tick\nschedules: [{every: 2s}]\nsteps:\n  one: {command: [sh, -c, 'echo tick >> ran.txt']}\n",
        ])
        let scheduler = sandbox.scheduler()
        await scheduler.start()
        try await sandbox.waitFor("two scheduled runs to end") { sandbox.runs().filter { $0.status == .succeeded }.count >= 2 }
        await scheduler.shutdown(grace: 10)
        let runs = sandbox.runs()
        #expect(runs.count >= 2)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmssSSS'Z'"
        let starts = sandbox.timedLogLines()
        var fires: [Date] = []
        for run in runs {
            #expect(run.trigger == .schedule)
            #expect(run.id.hasSuffix("-tick-0"))
            let fire = try #require(formatter.date(from: String(run.id.prefix(19))), "\(run.id)")
            #expect(fire.timeIntervalSince1970.truncatingRemainder(dividingBy: 2) == 0)
            let spawned = try #require(starts.first { $0.1.hasPrefix("run \(run.id): started") }?.0)
            #expect(spawned.timeIntervalSince(fire) >= 0)
            #expect(spawned.timeIntervalSince(fire) < 1, "run \(run.id) started at \(spawned)")
            let recorded = try #require(RecordTime.date(run.startedAt))
            #expect(recorded.timeIntervalSince(fire) < 5, "run \(run.id) recorded its start at \(run.startedAt)")
            fires.append(fire)
        }
        // Two seconds apart (four when the machine was so slow that a fire overlapped a run and was skipped).
        #expect(fires[1].timeIntervalSince(fires[0]) >= 2)
        #expect(fires[1].timeIntervalSince(fires[0]).truncatingRemainder(dividingBy: 2) == 0)
    }

    /// A paused schedule does not fire while another one does; resumed, it fires.
    @Test func aPausedScheduleDoesNotFire() async throws {
        let sandbox = try SchedulerSandbox("fire-paused", files: [
            "etl.yaml": "name: active\nschedules: [{every: 1s}]\nsteps:\n  one: {command: [sh, -c, 'true']}\n",
            "pipelines/held.yaml": "name: held\nschedules: [{every: 1s}]\nsteps:\n  one: {command: [sh, -c, 'true']}\n",
        ])
        // Paused as `etl-host schedule pause held/0` does, before serve starts.
        try ScheduleStateStore(stateFolder: sandbox.state).setPaused("held/0", true)
        let scheduler = sandbox.scheduler()
        await scheduler.start()
        try await sandbox.waitFor("three runs of active") { sandbox.runs().filter { $0.pipeline == "active" && $0.status == .succeeded }.count >= 3 }
        #expect(sandbox.runs().filter { $0.pipeline == "held" }.isEmpty)
        let held = await scheduler.pipelines().first { $0.name == "held" }
        #expect(held?.schedules.first?.paused == true)
        #expect(held?.schedules.first?.nextFire == nil)
        #expect(held?.freshness == .unscheduled)
        try await scheduler.resume(scheduleID: "held/0")
        try await sandbox.waitFor("a run of held") { sandbox.runs().contains { $0.pipeline == "held" && $0.status == .succeeded } }
        await scheduler.shutdown(grace: 10)
        #expect(sandbox.logLines().contains("schedule held/0: resumed"))
    }

    /// A pause written by the CLI while serve runs is seen without a restart.
    @Test func aPauseFromTheCLIReachesARunningScheduler() async throws {
        let sandbox = try SchedulerSandbox("fire-cli-pause", files: [
            "etl.yaml": "name: tick\nschedules: [{every: 1m}]\nsteps:\n  one: {command: [sh, -c, 'true']}\n",
        ])
        let clock = ManualSchedulerClock(now: CronExpressionTests.date("2026-12-06T12:00:30Z"))
        let scheduler = sandbox.scheduler(clock: clock)
        await scheduler.start()
        let result = try TestSupport.run(TestSupport.hostExecutable, ["schedule", "pause", "tick/0", "--project", sandbox.project],
                                         environment: sandbox.sandbox.environment.merging(["ETL_STATE_DIR": sandbox.state]) { $1 })
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "Schedule tick/0 paused.\n")
        clock.advance(to: CronExpressionTests.date("2026-12-06T12:01:00Z"))
        clock.advance(to: CronExpressionTests.date("2026-12-06T12:02:00Z"))
        try await sandbox.waitFor("the scheduler to look at 12:02") { await scheduler.tickedAt == CronExpressionTests.date("2026-12-06T12:02:00Z") }
        #expect(await scheduler.runningRunIDs().isEmpty)
        await scheduler.shutdown(grace: 10)
        #expect(sandbox.runs().isEmpty)
        #expect(!sandbox.logLines().contains { $0.contains("started") && $0.hasPrefix("run ") })
    }

    /// Runs `body` with a pipeline fired every minute whose run waits for
    /// the file `go-<minute>`, on a clock starting at 12:00:30.
    static func overlap(_ policy: String, label: String,
                        _ body: (SchedulerSandbox, ProjectScheduler, ManualSchedulerClock) async throws -> Void) async throws {
        let sandbox = try SchedulerSandbox(label, files: [
            "etl.yaml": """
                name: slow
                schedules: [{every: 1m, overlap: \(policy)}]
                steps:
                  wait: {command: [sh, -c, 'n=$(date +%s%N); while [ ! -f go ]; do sleep 0.02; done; echo $n >> ran.txt'], timeout: 120s}
                """,
        ])
        let clock = ManualSchedulerClock(now: CronExpressionTests.date("2026-12-06T12:00:30Z"))
        let scheduler = sandbox.scheduler(clock: clock)
        await scheduler.start()
        try await body(sandbox, scheduler, clock)
        await scheduler.shutdown(grace: 10)
    }

    @Test func overlapSkipDoesNotRunWhileARunIsGoing() async throws {
        try await Self.overlap("skip", label: "overlap-skip") { sandbox, scheduler, clock in
            let first = Self.runID("2026-12-06T12:01:00Z", "slow")
            clock.advance(to: CronExpressionTests.date("2026-12-06T12:01:00Z"))
            try await sandbox.waitFor("the first run's step") { sandbox.run(first)?.step("wait")?.state == .running }
            clock.advance(to: CronExpressionTests.date("2026-12-06T12:02:00Z"))
            let skipped = "schedule slow/0: fire 2026-12-06T12:02:00.000Z skipped: run \(first) (pid "
            try await sandbox.waitFor("the skip") { sandbox.logLines().contains { $0.hasPrefix(skipped) && $0.hasSuffix(") is still going (overlap: skip)") } }
            #expect(await scheduler.pipelines().first?.freshness == .late)
            sandbox.touch("go")
            try await sandbox.waitFor("the first run to end") { await scheduler.runningRunIDs().isEmpty }
            #expect(sandbox.runs().map(\.id) == [first])
            #expect(sandbox.run(first)?.status == .succeeded)
            #expect(await scheduler.pipelines().first?.freshness == .onTime)
        }
    }

    @Test func overlapQueueRunsOneFireAfterTheRunningOne() async throws {
        try await Self.overlap("queue", label: "overlap-queue") { sandbox, scheduler, clock in
            let first = Self.runID("2026-12-06T12:01:00Z", "slow"), second = Self.runID("2026-12-06T12:02:00Z", "slow")
            clock.advance(to: CronExpressionTests.date("2026-12-06T12:01:00Z"))
            try await sandbox.waitFor("the first run's step") { sandbox.run(first)?.step("wait")?.state == .running }
            clock.advance(to: CronExpressionTests.date("2026-12-06T12:02:00Z"))
            try await sandbox.waitFor("the queued fire") { sandbox.logLines().contains { $0.hasPrefix("schedule slow/0: fire 2026-12-06T12:02:00.000Z queued: run \(first)") } }
            clock.advance(to: CronExpressionTests.date("2026-12-06T12:03:00Z"))
            try await sandbox.waitFor("the dropped fire") {
                sandbox.logLines().contains { $0.hasPrefix("schedule slow/0: fire 2026-12-06T12:03:00.000Z dropped: run \(first)")
                    && $0.hasSuffix("and the fire 2026-12-06T12:02:00.000Z already waits (overlap: queue keeps one)") }
            }
            #expect(sandbox.run(second) == nil)
            sandbox.touch("go")
            try await sandbox.waitFor("the queued run to end") { sandbox.run(second)?.status == .succeeded }
            let runs = sandbox.runs()
            #expect(runs.map(\.id) == [first, second])
            #expect(runs.map(\.status) == [.succeeded, .succeeded])
            // The queued run started after the first one ended.
            #expect(try #require(RecordTime.date(runs[1].startedAt)) >= (try #require(RecordTime.date(runs[0].finishedAt ?? ""))))
        }
    }

    @Test func overlapCancelRunningStopsTheRunThenStarts() async throws {
        try await Self.overlap("cancel_running", label: "overlap-cancel") { sandbox, scheduler, clock in
            let first = Self.runID("2026-12-06T12:01:00Z", "slow"), second = Self.runID("2026-12-06T12:02:00Z", "slow")
            clock.advance(to: CronExpressionTests.date("2026-12-06T12:01:00Z"))
            try await sandbox.waitFor("the first run's step") { sandbox.run(first)?.step("wait")?.state == .running }
            clock.advance(to: CronExpressionTests.date("2026-12-06T12:02:00Z"))
            try await sandbox.waitFor("the first run cancelled") { sandbox.run(first)?.status == .cancelled }
            try await sandbox.waitFor("the second run's step") { sandbox.run(second)?.step("wait")?.state == .running }
            sandbox.touch("go")
            try await sandbox.waitFor("the second run to end") { sandbox.run(second)?.status == .succeeded }
            #expect(sandbox.runs().map(\.status) == [.cancelled, .succeeded])
            #expect(sandbox.logLines().contains { $0.hasPrefix("schedule slow/0: fire 2026-12-06T12:02:00.000Z: cancelling run \(first)") })
        }
    }
}

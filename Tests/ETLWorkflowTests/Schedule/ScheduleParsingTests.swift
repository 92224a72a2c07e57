@testable import ETLWorkflow
import ETLHost
import Foundation
import Testing

/// `schedules:` in the pipeline file: what parses, and every problem with its place.
@Suite struct ScheduleParsingTests {
    static func problems(_ schedules: String) -> [String] {
        do {
            _ = try PipelineParser(environment: [:]).parse(text: "name: p\nschedules:\n\(schedules)\nsteps:\n  orders: {command: [sh, -c, 'true']}\n",
                                                           path: "etl.yaml")
            return []
        } catch {
            return error.items.map(\.description)
        }
    }

    @Test func schedulesParse() throws {
        let pipeline = try PipelineParser(environment: [:]).parse(text: """
            name: p
            schedules:
              - {cron: "0 2 * * *", timezone: Europe/Berlin, select: [orders+], catch_up: all, overlap: cancel_running}
              - every: 2s
            steps:
              orders: {command: [sh, -c, 'true']}
            """, path: "etl.yaml")
        #expect(pipeline.schedules.count == 2)
        #expect(pipeline.schedules[0].summary == "cron 0 2 * * * (Europe/Berlin)")
        #expect(pipeline.schedules[0].select == ["orders+"])
        #expect(pipeline.schedules[0].catchUp == .all)
        #expect(pipeline.schedules[0].overlap == .cancelRunning)
        #expect(pipeline.schedules[0].location == SourceLocation(file: "etl.yaml", line: 3, column: 5))
        #expect(pipeline.schedules[1].timing == .every(PipelineDuration(seconds: 2)))
        #expect(pipeline.schedules[1].catchUp == .skip)
        #expect(pipeline.schedules[1].overlap == .skip)
        #expect(try PipelineParser(environment: [:]).parse(text: "name: p\nschedules: [{cron: '@daily'}]\nsteps:\n  a: {command: [sh]}\n",
                                                           path: "etl.yaml").schedules[0].summary == "cron @daily (UTC)")
    }

    @Test func problemsNameTheirPlace() {
        #expect(Self.problems("  - {cron: \"0 2 * *\"}") == [
            "etl.yaml:3:12: schedule 1: cron '0 2 * *': 4 fields; a cron expression has 5: minute hour day-of-month month day-of-week (e.g. '0 2 * * *')",
        ])
        #expect(Self.problems("  - {cron: \"0 2 * * *\", timezone: Europe/Berln}") == [
            "etl.yaml:3:35: schedule 1: timezone 'Europe/Berln' is not a time zone of the tz database (e.g. UTC, Europe/Berlin, America/New_York)",
        ])
        #expect(Self.problems("  - {every: 15m, select: [ordrs]}") == [
            "etl.yaml:3:27: schedule 1: select 'ordrs' names no step (did you mean 'orders'?); steps: orders",
        ])
        #expect(Self.problems("  - {every: 15m, cron: \"@daily\"}") == [
            "etl.yaml:3:6: schedule 1 has both 'cron' and 'every': give one (two schedules for both)",
        ])
        #expect(Self.problems("  - {every: 15m, timezone: UTC}") == [
            "etl.yaml:3:18: schedule 1: timezone belongs to cron schedules; every: counts from 1970-01-01 00:00 UTC (use cron for local times)",
        ])
        #expect(Self.problems("  - {every: soon, overlap: wait}") == [
            "etl.yaml:3:13: schedule 1: every: 'soon' is not a duration: write a whole number and a unit, s (seconds), m (minutes), h (hours) or d (days), e.g. 90s, 10m, 26h, 1h30m",
            "etl.yaml:3:28: schedule 1: overlap 'wait' is not one of skip, queue, cancel_running",
        ])
        #expect(Self.problems("  - {select: [orders]}") == ["etl.yaml:3:5: schedule 1 has no time: give cron (\"0 2 * * *\") or every (15m)"])
        #expect(Self.problems("  every: 15m") == [
            "etl.yaml:3:3: schedules must be a list of schedules (- {cron: \"0 2 * * *\"} or - {every: 15m}), not a mapping",
        ])
    }

    @Test func freshnessRule() {
        #expect(FreshnessRule.freshness(lastEnded: .failed, scheduled: true, late: true) == .failing)
        #expect(FreshnessRule.freshness(lastEnded: .interrupted, scheduled: false, late: false) == .failing)
        #expect(FreshnessRule.freshness(lastEnded: .succeeded, scheduled: true, late: true) == .late)
        #expect(FreshnessRule.freshness(lastEnded: .cancelled, scheduled: true, late: false) == .onTime)
        #expect(FreshnessRule.freshness(lastEnded: nil, scheduled: true, late: false) == .onTime)
        #expect(FreshnessRule.freshness(lastEnded: .succeeded, scheduled: false, late: false) == .unscheduled)
    }
}

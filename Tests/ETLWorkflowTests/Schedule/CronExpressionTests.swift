@testable import ETLWorkflow
import ETLHost
import Foundation
import Testing

/// Cron expressions: fields, the day OR rule, shorthands, errors, and the
/// next fire in a time zone across daylight saving time changes (the
/// cases docs/SCHEDULES.md lists).
@Suite struct CronExpressionTests {
    static let utc = TimeZone(identifier: "UTC")!
    static let berlin = TimeZone(identifier: "Europe/Berlin")!
    static let newYork = TimeZone(identifier: "America/New_York")!

    static func date(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        return formatter.date(from: text)!
    }

    static func text(_ date: Date?) -> String? {
        date.map { ISO8601DateFormatter().string(from: $0) }
    }

    /// The next `count` fires after `start`.
    static func fires(_ cron: String, after start: String, in zone: TimeZone = utc, count: Int = 1) throws -> [String] {
        let expression = try CronExpression.parse(cron)
        var cursor = date(start)
        var result: [String] = []
        for _ in 0 ..< count {
            guard let next = expression.nextFire(after: cursor, in: zone) else { break }
            result.append(text(next)!)
            cursor = next
        }
        return result
    }

    @Test func fieldsListsRangesStepsAndNames() throws {
        let cron = try CronExpression.parse("0,30 9-17/4 */10 JAN-mar,DEC mon-FRI")
        #expect(cron.minutes == [0, 30])
        #expect(cron.hours == [9, 13, 17])
        #expect(cron.daysOfMonth == [1, 11, 21, 31])
        #expect(cron.months == [1, 2, 3, 12])
        #expect(cron.daysOfWeek == [1, 2, 3, 4, 5])
        #expect(try CronExpression.parse("0 0 * * 7").daysOfWeek == [0])
        #expect(try CronExpression.parse("5/20 * * * *").minutes == [5, 25, 45])
        #expect(try CronExpression.parse("@hourly").minutes == [0])
        #expect(try CronExpression.parse("@weekly").daysOfWeek == [0])
        #expect(try CronExpression.parse("@yearly").months == [1])
    }

    @Test func errorsNameTheFieldAndWhatIsWrong() {
        func error(_ text: String) -> String {
            do {
                _ = try CronExpression.parse(text)
                return "no error"
            } catch {
                return error.description
            }
        }
        #expect(error("0 2 * *") == "cron '0 2 * *': 4 fields; a cron expression has 5: minute hour day-of-month month day-of-week (e.g. '0 2 * * *')")
        #expect(error("60 * * * *") == "cron '60 * * * *': minute field '60': 60 is out of range 0-59")
        #expect(error("0 2 * FOO *") == "cron '0 2 * FOO *': month field 'FOO': 'FOO' is not a number or a name (JAN-DEC)")
        #expect(error("0 5-2 * * *") == "cron '0 5-2 * * *': hour field '5-2': range 5-2 runs backwards (write the lower end first)")
        #expect(error("*/0 * * * *") == "cron '*/0 * * * *': minute field '*/0': step '0' must be a whole number from 1 to 60")
        #expect(error("@fortnightly") == "cron '@fortnightly': unknown shorthand '@fortnightly'; use @hourly, @daily, @weekly, @monthly or @yearly")
        #expect(error("0 0 1,,2 * *") == "cron '0 0 1,,2 * *': day-of-month field '1,,2': '' is not a value, range or step")
    }

    @Test func nextFireInUTC() throws {
        #expect(try Self.fires("0 2 * * *", after: "2026-12-06T12:00:00Z") == ["2026-12-07T02:00:00Z"])
        #expect(try Self.fires("*/15 * * * *", after: "2026-12-06T12:07:00Z", count: 3)
            == ["2026-12-06T12:15:00Z", "2026-12-06T12:30:00Z", "2026-12-06T12:45:00Z"])
        #expect(try Self.fires("0 2 * * *", after: "2026-12-07T02:00:00Z") == ["2026-12-08T02:00:00Z"])
        #expect(try Self.fires("@weekly", after: "2026-12-01T00:00:00Z") == ["2026-12-06T00:00:00Z"])
        #expect(try Self.fires("@monthly", after: "2026-12-06T00:00:00Z") == ["2027-01-01T00:00:00Z"])
        #expect(try Self.fires("0 0 29 2 *", after: "2026-03-01T00:00:00Z") == ["2028-02-29T00:00:00Z"])
        #expect(try Self.fires("0 0 31 2 *", after: "2026-03-01T00:00:00Z").isEmpty)
    }

    /// Vixie cron: both day fields restricted means either; one `*` means the other alone.
    @Test func dayOfMonthOrDayOfWeek() throws {
        // 2026-12-01 is a Tuesday; Mondays are the 7th, 14th, ...; then 2027-01-01 (a Friday).
        #expect(try Self.fires("0 0 1 * MON", after: "2026-11-30T12:00:00Z", count: 4)
            == ["2026-12-01T00:00:00Z", "2026-12-07T00:00:00Z", "2026-12-14T00:00:00Z", "2026-12-21T00:00:00Z"])
        #expect(try Self.fires("0 0 * * MON", after: "2026-11-30T12:00:00Z") == ["2026-12-07T00:00:00Z"])
        #expect(try Self.fires("0 0 1 * *", after: "2026-12-01T12:00:00Z") == ["2027-01-01T00:00:00Z"])
        #expect(try Self.fires("0 0 */7 * MON", after: "2026-12-01T12:00:00Z", count: 2) == ["2027-02-01T00:00:00Z", "2027-02-08T00:00:00Z"])
    }

    @Test func nextFireInATimeZone() throws {
        #expect(try Self.fires("0 2 * * *", after: "2026-12-06T12:00:00Z", in: Self.berlin) == ["2026-12-07T01:00:00Z"])
        #expect(try Self.fires("0 2 * * *", after: "2026-07-06T12:00:00Z", in: Self.berlin) == ["2026-07-07T00:00:00Z"])
        #expect(try Self.fires("0 9 * * MON-FRI", after: "2026-12-04T15:00:00Z", in: Self.newYork) == ["2026-12-07T14:00:00Z"])
    }

    /// Europe/Berlin, 2026-03-29: 02:00 CET jumps to 03:00 CEST (01:00 UTC).
    @Test func berlinSpringForward() throws {
        // A fixed time in the skipped hour fires once, at the jump; the next day as usual.
        #expect(try Self.fires("30 2 * * *", after: "2026-03-28T12:00:00Z", in: Self.berlin, count: 2)
            == ["2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"])
        // Two fixed times in the skipped hour: one fire at the jump.
        #expect(try Self.fires("15,45 2 * * *", after: "2026-03-28T12:00:00Z", in: Self.berlin, count: 2)
            == ["2026-03-29T01:00:00Z", "2026-03-30T00:15:00Z"])
        // A wildcard schedule follows the clock: 02:30 does not exist, 03:30 CEST comes next.
        #expect(try Self.fires("30 * * * *", after: "2026-03-29T00:40:00Z", in: Self.berlin, count: 2)
            == ["2026-03-29T01:30:00Z", "2026-03-29T02:30:00Z"])
        // Times outside the skipped hour are untouched.
        #expect(try Self.fires("30 1 * * *", after: "2026-03-28T12:00:00Z", in: Self.berlin) == ["2026-03-29T00:30:00Z"])
        #expect(try Self.fires("30 3 * * *", after: "2026-03-28T12:00:00Z", in: Self.berlin) == ["2026-03-29T01:30:00Z"])
    }

    /// Europe/Berlin, 2026-10-25: 03:00 CEST falls back to 02:00 CET (01:00 UTC).
    @Test func berlinFallBack() throws {
        // A fixed time in the repeated hour fires once, on the first pass (CEST).
        #expect(try Self.fires("30 2 * * *", after: "2026-10-24T12:00:00Z", in: Self.berlin, count: 2)
            == ["2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"])
        // A wildcard schedule fires on both passes.
        #expect(try Self.fires("30 * * * *", after: "2026-10-25T00:00:00Z", in: Self.berlin, count: 3)
            == ["2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z", "2026-10-25T02:30:00Z"])
    }

    /// America/New_York 2026: 2026-03-08 02:00 EST jumps to 03:00 EDT;
    /// 2026-11-01 02:00 EDT falls back to 01:00 EST.
    @Test func newYorkBothChanges() throws {
        #expect(try Self.fires("30 2 * * *", after: "2026-03-07T12:00:00Z", in: Self.newYork, count: 2)
            == ["2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"])
        #expect(try Self.fires("30 1 * * *", after: "2026-10-31T12:00:00Z", in: Self.newYork, count: 2)
            == ["2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"])
        #expect(try Self.fires("*/30 1 * * *", after: "2026-11-01T05:00:00Z", in: Self.newYork, count: 4)
            == ["2026-11-01T05:30:00Z", "2026-11-01T06:00:00Z", "2026-11-01T06:30:00Z", "2026-11-02T06:00:00Z"])
    }

    @Test func everyFiresAtMultiplesSinceTheEpoch() {
        let schedule = Schedule(timing: .every(PipelineDuration(seconds: 900)))
        #expect(Self.text(schedule.nextFire(after: Self.date("2026-12-06T12:07:00Z"))) == "2026-12-06T12:15:00Z")
        #expect(Self.text(schedule.nextFire(after: Self.date("2026-12-06T12:15:00Z"))) == "2026-12-06T12:30:00Z")
        let missed = schedule.fires(after: Self.date("2026-12-06T12:00:00Z"), through: Self.date("2026-12-06T13:00:00Z"), limit: 3)
        #expect(missed.map { Self.text($0)! } == ["2026-12-06T12:30:00Z", "2026-12-06T12:45:00Z", "2026-12-06T13:00:00Z"])
    }
}

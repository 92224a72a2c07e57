import Foundation

/// A five-field cron expression as Vixie cron and cronie read it:
/// `minute hour day-of-month month day-of-week`, each field `*`, a number,
/// a range `a-b`, a step `*/n` or `a-b/n`, or a comma list of those; months
/// and weekdays also by name (`JAN`, `MON`; weekday 7 is Sunday as 0 is);
/// and the shorthands `@hourly`, `@daily` (`@midnight`), `@weekly`,
/// `@monthly`, `@yearly` (`@annually`).
///
/// When both day-of-month and day-of-week are restricted (neither starts
/// with `*`), a day matches when EITHER matches (`0 0 1 * MON`: the 1st and
/// every Monday), as in Vixie cron.
///
/// ```swift
/// let cron = try CronExpression.parse("0 2 * * MON-FRI")
/// let next = cron.nextFire(after: Date(), in: TimeZone(identifier: "Europe/Berlin")!)
/// ```
public struct CronExpression: Sendable, Equatable, CustomStringConvertible {
    /// The expression as written.
    public let text: String
    /// Minutes 0-59 that match.
    public let minutes: Set<Int>
    /// Hours 0-23 that match.
    public let hours: Set<Int>
    /// Days of the month 1-31 that match.
    public let daysOfMonth: Set<Int>
    /// Months 1-12 that match.
    public let months: Set<Int>
    /// Days of the week 0-6 (Sunday 0) that match.
    public let daysOfWeek: Set<Int>
    /// Whether the day-of-month field starts with `*` (then only day-of-week restricts days).
    public let dayOfMonthIsStar: Bool
    /// Whether the day-of-week field starts with `*`.
    public let dayOfWeekIsStar: Bool
    /// Whether the minute or hour field starts with `*` (cronie's
    /// "wildcard job"): such a schedule follows the clock through DST
    /// changes (nothing in a skipped hour, both passes of a repeated one);
    /// any other is a fixed-time schedule (see ``nextFire(after:in:)``).
    public let isWildcard: Bool

    /// Why an expression could not be read: the field and what is wrong.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        /// The whole expression.
        public var text: String
        /// What is wrong.
        public var reason: String
        /// `cron '...': reason`.
        public var description: String { "cron '\(text)': \(reason)" }
    }

    /// The expression as written.
    public var description: String { text }

    private static let shorthands = ["@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
                                     "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
                                     "@hourly": "0 * * * *"]
    private static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    private static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    /// Reads an expression.
    public static func parse(_ text: String) throws(ParseError) -> CronExpression {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let expanded: String
        if trimmed.hasPrefix("@") {
            guard let value = shorthands[trimmed.lowercased()] else {
                throw ParseError(text: text, reason: "unknown shorthand '\(trimmed)'; use @hourly, @daily, @weekly, @monthly or @yearly")
            }
            expanded = value
        } else {
            expanded = trimmed
        }
        let fields = expanded.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard fields.count == 5 else {
            throw ParseError(text: text, reason: "\(fields.count) field\(fields.count == 1 ? "" : "s"); a cron expression has 5: minute hour day-of-month month day-of-week (e.g. '0 2 * * *')")
        }
        let minutes = try field(fields[0], name: "minute", range: 0 ... 59, names: [], text: text)
        let hours = try field(fields[1], name: "hour", range: 0 ... 23, names: [], text: text)
        let days = try field(fields[2], name: "day-of-month", range: 1 ... 31, names: [], text: text)
        let months = try field(fields[3], name: "month", range: 1 ... 12, names: monthNames, text: text)
        var weekdays = try field(fields[4], name: "day-of-week", range: 0 ... 7, names: dayNames, text: text)
        if weekdays.remove(7) != nil { weekdays.insert(0) }
        return CronExpression(text: trimmed, minutes: minutes, hours: hours, daysOfMonth: days, months: months, daysOfWeek: weekdays,
                              dayOfMonthIsStar: fields[2].hasPrefix("*"), dayOfWeekIsStar: fields[4].hasPrefix("*"),
                              isWildcard: fields[0].hasPrefix("*") || fields[1].hasPrefix("*"))
    }

    /// One field: a comma list of `*`, `N`, `A-B`, each with an optional `/STEP`.
    private static func field(_ field: String, name: String, range: ClosedRange<Int>, names: [String], text: String) throws(ParseError) -> Set<Int> {
        var values = Set<Int>()
        for part in field.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard pieces.count <= 2, !pieces[0].isEmpty else {
                throw ParseError(text: text, reason: "\(name) field '\(field)': '\(part)' is not a value, range or step")
            }
            var step = 1
            if pieces.count == 2 {
                guard let value = Int(pieces[1]), value >= 1, value <= range.upperBound + 1 else {
                    throw ParseError(text: text, reason: "\(name) field '\(field)': step '\(pieces[1])' must be a whole number from 1 to \(range.upperBound + 1)")
                }
                step = value
            }
            let bounds: ClosedRange<Int>
            if pieces[0] == "*" {
                bounds = range
            } else {
                let ends = pieces[0].split(separator: "-", omittingEmptySubsequences: false).map(String.init)
                guard ends.count <= 2 else {
                    throw ParseError(text: text, reason: "\(name) field '\(field)': '\(pieces[0])' is not a value or range")
                }
                let low = try value(ends[0], name: name, field: field, range: range, names: names, text: text)
                let high = ends.count == 2 ? try value(ends[1], name: name, field: field, range: range, names: names, text: text)
                    : (pieces.count == 2 ? range.upperBound : low)
                guard low <= high else {
                    throw ParseError(text: text, reason: "\(name) field '\(field)': range \(pieces[0]) runs backwards (write the lower end first)")
                }
                bounds = low ... high
            }
            values.formUnion(stride(from: bounds.lowerBound, through: bounds.upperBound, by: step))
        }
        return values
    }

    private static func value(_ token: String, name: String, field: String, range: ClosedRange<Int>, names: [String], text: String) throws(ParseError) -> Int {
        if let number = Int(token) {
            guard range.contains(number) else {
                throw ParseError(text: text, reason: "\(name) field '\(field)': \(number) is out of range \(range.lowerBound)-\(range.upperBound)")
            }
            return number
        }
        if let index = names.firstIndex(of: token.uppercased()) { return index + (name == "month" ? 1 : 0) }
        let hint = names.isEmpty ? "a number" : "a number or a name (\(names.first!)-\(names.last!))"
        throw ParseError(text: text, reason: "\(name) field '\(field)': '\(token)' is not \(hint)")
    }

    /// Whether the local date (`day` of `month`, weekday `weekday`, Sunday 0) matches the day fields.
    public func matchesDay(day: Int, month: Int, weekday: Int) -> Bool {
        guard months.contains(month) else { return false }
        if dayOfMonthIsStar || dayOfWeekIsStar {
            return daysOfMonth.contains(day) && daysOfWeek.contains(weekday)
        }
        return daysOfMonth.contains(day) || daysOfWeek.contains(weekday)
    }
}

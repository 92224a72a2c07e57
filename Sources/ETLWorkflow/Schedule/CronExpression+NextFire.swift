import Foundation

extension CronExpression {
    /// The first instant after `instant` at which the expression fires in
    /// `timeZone`; nil when it never does (e.g. `0 0 31 2 *`).
    ///
    /// Daylight saving time, as cronie handles it:
    /// - a fixed-time schedule (minute and hour fields not starting with
    ///   `*`) whose time falls in a skipped hour fires once, at the jump
    ///   (Europe/Berlin 2026-03-29: `30 2 * * *` fires at 03:00 CEST =
    ///   01:00 UTC); whose time falls in a repeated hour fires once, at the
    ///   first pass (2026-10-25: `30 2 * * *` fires at 02:30 CEST = 00:30
    ///   UTC, not again at 02:30 CET);
    /// - a wildcard schedule (`*/15 * * * *`, `0 * * * *`) follows the
    ///   clock: nothing in a skipped hour, both passes of a repeated hour.
    public func nextFire(after instant: Date, in timeZone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let start = calendar.dateComponents([.year, .month, .day], from: instant)
        guard var day = calendar.date(from: DateComponents(year: start.year, month: start.month, day: start.day, hour: 12)) else { return nil }
        // From the day before: a wall time of the previous date can land after
        // `instant` near a change of offset (the day's bounds skip the rest fast).
        day = calendar.date(byAdding: .day, value: -1, to: day) ?? day
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        let sortedHours = hours.sorted(), sortedMinutes = minutes.sorted()
        // Every combination of months and days repeats within 28 years.
        for _ in 0 ..< 366 * 28 {
            defer { day = calendar.date(byAdding: .day, value: 1, to: day) ?? day.addingTimeInterval(86_400) }
            let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: day)
            guard let year = parts.year, let month = parts.month, let dayOfMonth = parts.day, let weekday = parts.weekday,
                  matchesDay(day: dayOfMonth, month: month, weekday: weekday - 1),
                  let midnight = utc.date(from: DateComponents(year: year, month: month, day: dayOfMonth)) else { continue }
            // The offsets of this day bound where each wall time can land.
            let offsets = [-86_400.0, 0, 86_400, 2 * 86_400].map { Double(timeZone.secondsFromGMT(for: midnight.addingTimeInterval($0))) }
            let smallest = offsets.min()!, largest = offsets.max()!
            var best: Date?
            search: for hour in sortedHours {
                for minute in sortedMinutes {
                    let wall = midnight.addingTimeInterval(Double(hour * 3_600 + minute * 60))
                    if wall.addingTimeInterval(-smallest) <= instant { continue }
                    if let found = best, wall.addingTimeInterval(-largest) > found { break search }
                    for fire in instants(wall: wall, timeZone: timeZone) where fire > instant && (best == nil || fire < best!) {
                        best = fire
                    }
                }
            }
            if let best { return best }
        }
        return nil
    }

    /// Every fire in `(after, through]`, oldest first, at most `limit` (the newest ones when there are more).
    public func fires(after: Date, through: Date, in timeZone: TimeZone, limit: Int) -> [Date] {
        var result: [Date] = []
        var cursor = after
        while let next = nextFire(after: cursor, in: timeZone), next <= through {
            result.append(next)
            if result.count > limit { result.removeFirst() }
            cursor = next
        }
        return result
    }

    /// The instants at which a local wall time
    /// (given as that wall time read as UTC) fires: one normally; in a skipped hour the jump (fixed-time) or none
    /// (wildcard); in a repeated hour the first pass (fixed-time) or both
    /// (wildcard).
    func instants(wall: Date, timeZone: TimeZone) -> [Date] {
        let offsets = Set([-86_400.0, 0, 86_400].map { timeZone.secondsFromGMT(for: wall.addingTimeInterval($0)) })
        let valid = offsets.map { wall.addingTimeInterval(-Double($0)) }
            .filter { timeZone.secondsFromGMT(for: $0) == Int(wall.timeIntervalSince($0)) }
            .sorted()
        if valid.isEmpty {
            // A skipped wall time: the jump lies between the two readings.
            guard !isWildcard, let earliest = offsets.map({ wall.addingTimeInterval(-Double($0)) }).min(),
                  let jump = timeZone.nextDaylightSavingTimeTransition(after: earliest) else { return [] }
            return [jump]
        }
        return isWildcard ? valid : [valid[0]]
    }
}

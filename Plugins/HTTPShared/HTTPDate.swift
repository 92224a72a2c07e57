import ETLPluginKit

/// The HTTP `Date` header (RFC 9110 IMF-fixdate, `Sun, 06 Nov 1994
/// 08:49:37 GMT`), as seconds since the epoch.
public enum HTTPDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// The seconds since the epoch of an IMF-fixdate, `nil` when `text` is not one.
    public static func parse(_ text: String) -> Int64? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]),
              let month = months.firstIndex(of: parts[2].lowercased()).map({ $0 + 1 }), let year = Int(parts[3]),
              year >= 1970, day >= 1, day <= DateText.daysIn(month: month, year: year)
        else { return nil }
        let clock = parts[4].split(separator: ":")
        guard clock.count == 3, let hour = Int(clock[0]), let minute = Int(clock[1]), let second = Int(clock[2]),
              hour < 24, minute < 60, second < 61
        else { return nil }
        let days = DateText.days(year: year, month: month, day: day)
        return Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }
}

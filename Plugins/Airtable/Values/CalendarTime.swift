#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Dates and times as Airtable writes them (ISO 8601), parsed straight
/// from bytes into the Arrow units: days since 1970-01-01 and microseconds
/// since the epoch, UTC. Proleptic Gregorian calendar, years 0001-9999.
enum CalendarTime {
    /// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The civil date of a day count since 1970-01-01.
    static func civil(days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// `YYYY-MM-DD` as days since the epoch; `nil` unless exactly that
    /// form and a real calendar date.
    static func date(_ text: UnsafeRawBufferPointer) -> Int32? {
        guard text.count == 10, let (days, _) = datePart(text) else { return nil }
        return Int32(days)
    }

    /// An ISO 8601 timestamp as microseconds since the epoch, UTC:
    /// `YYYY-MM-DDTHH:MM[:SS[.fraction]](Z|±HH:MM)` (a space may stand for
    /// the `T`; no zone means UTC). Digits past microseconds must be zeros
    /// (nothing is silently cut). `nil` for anything else.
    static func timestamp(_ text: UnsafeRawBufferPointer) -> Int64? {
        guard text.count >= 16, let (days, _) = datePart(text), text[10] == UInt8(ascii: "T") || text[10] == 0x20,
              let hour = digits(text, 11, 2), text[13] == UInt8(ascii: ":"), let minute = digits(text, 14, 2),
              hour < 24, minute < 60
        else { return nil }
        var index = 16
        var second = 0
        var micros = 0
        if index < text.count, text[index] == UInt8(ascii: ":") {
            guard let value = digits(text, index + 1, 2), value < 60 else { return nil }
            second = value
            index += 3
            if index < text.count, text[index] == UInt8(ascii: ".") {
                index += 1
                let start = index
                while index < text.count, text[index] &- 0x30 < 10 {
                    let digit = Int(text[index] &- 0x30)
                    let position = index - start
                    if position < 6 {
                        micros = micros * 10 + digit
                    } else if digit != 0 {
                        return nil
                    }
                    index += 1
                }
                let count = index - start
                guard count > 0 else { return nil }
                if count < 6 { for _ in count..<6 { micros *= 10 } }
            }
        }
        var offsetSeconds = 0
        if index < text.count {
            switch text[index] {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"):
                index += 1
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                let sign = text[index] == UInt8(ascii: "-") ? -1 : 1
                guard let hours = digits(text, index + 1, 2), hours < 24 else { return nil }
                index += 3
                var minutes = 0
                if index < text.count, text[index] == UInt8(ascii: ":") { index += 1 }
                if index < text.count {
                    guard let value = digits(text, index, 2), value < 60 else { return nil }
                    minutes = value
                    index += 2
                }
                offsetSeconds = sign * (hours * 3600 + minutes * 60)
            default:
                return nil
            }
        }
        guard index == text.count else { return nil }
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        return seconds * 1_000_000 + Int64(micros)
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` for microseconds since the epoch
    /// (milliseconds, as Airtable writes times).
    static func format(microseconds: Int64) -> String {
        var seconds = microseconds / 1_000_000
        var micros = microseconds % 1_000_000
        if micros < 0 {
            micros += 1_000_000
            seconds -= 1
        }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (year, month, day) = civil(days: Int(days))
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(Int(secondOfDay / 3600), 2)):"
            + "\(pad(Int(secondOfDay % 3600 / 60), 2)):\(pad(Int(secondOfDay % 60), 2)).\(pad(Int(micros / 1000), 3))Z"
    }

    /// The current time as microseconds since the epoch (the system clock).
    static func nowMicroseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1000
    }

    // MARK: Pieces

    /// The `YYYY-MM-DD` at the start of `text`, as days since the epoch.
    private static func datePart(_ text: UnsafeRawBufferPointer) -> (Int, Int)? {
        guard text.count >= 10, let year = digits(text, 0, 4), text[4] == UInt8(ascii: "-"),
              let month = digits(text, 5, 2), text[7] == UInt8(ascii: "-"), let day = digits(text, 8, 2),
              year >= 1, (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year)
        else { return nil }
        return (days(year: year, month: month, day: day), 10)
    }

    /// The decimal number of `count` digits at `start`, `nil` if any is not a digit.
    private static func digits(_ text: UnsafeRawBufferPointer, _ start: Int, _ count: Int) -> Int? {
        guard start + count <= text.count else { return nil }
        var value = 0
        for index in start..<(start + count) {
            let digit = text[index] &- 0x30
            guard digit < 10 else { return nil }
            value = value * 10 + Int(digit)
        }
        return value
    }
}

/// The HTTP `Date` header (RFC 9110 IMF-fixdate, `Sun, 06 Nov 1994
/// 08:49:37 GMT`), as seconds since the epoch.
enum HTTPDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    static func parse(_ text: String) -> Int64? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]),
              let month = months.firstIndex(of: parts[2].lowercased()).map({ $0 + 1 }), let year = Int(parts[3]),
              year >= 1970, day >= 1, day <= CalendarTime.daysIn(month: month, year: year)
        else { return nil }
        let clock = parts[4].split(separator: ":")
        guard clock.count == 3, let hour = Int(clock[0]), let minute = Int(clock[1]), let second = Int(clock[2]),
              hour < 24, minute < 60, second < 61
        else { return nil }
        let days = CalendarTime.days(year: year, month: month, day: day)
        return Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }
}

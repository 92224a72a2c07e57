/// Dates and timestamps as the text SQLite's date functions read:
/// `YYYY-MM-DD` and `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC, microseconds).
///
/// Years outside 0000...9999 use ISO 8601's expanded form (`+10000-01-01`,
/// `-0001-12-31`), which SQLite's functions do not read but which keeps the
/// value. Formatting writes into a caller's buffer: no allocation per value.
///
/// ```swift
/// DateText.date(daysSinceEpoch: 19_723)                 // "2024-01-01"
/// DateText.timestamp(microsecondsSinceEpoch: 1_500_000) // "1970-01-01T00:00:01.500000Z"
/// ```
public enum DateText {
    /// Bytes enough for any date32 or timestamp value.
    public static let capacity = 40

    /// The civil date (proleptic Gregorian) of a day count since 1970-01-01
    /// (Howard Hinnant's `civil_from_days`).
    @inlinable
    public static func civil(daysSinceEpoch days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shifted = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shifted + 2) / 5 + 1
        let month = shifted < 10 ? shifted + 3 : shifted - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Writes `YYYY-MM-DD` for `days` since 1970-01-01; returns the length.
    @inlinable
    public static func writeDate(daysSinceEpoch days: Int64, into out: UnsafeMutablePointer<UInt8>) -> Int {
        let (year, month, day) = civil(daysSinceEpoch: days)
        var at = writeYear(year, into: out)
        out[at] = UInt8(ascii: "-")
        writeTwo(month, into: out + at + 1)
        out[at + 3] = UInt8(ascii: "-")
        writeTwo(day, into: out + at + 4)
        at += 6
        return at
    }

    /// Writes `YYYY-MM-DDTHH:MM:SS.ffffffZ` for microseconds since the Unix
    /// epoch, UTC; returns the length.
    @inlinable
    public static func writeTimestamp(microsecondsSinceEpoch value: Int64, into out: UnsafeMutablePointer<UInt8>) -> Int {
        let perDay: Int64 = 86_400_000_000
        var days = value / perDay
        var rest = value % perDay
        if rest < 0 {
            days -= 1
            rest += perDay
        }
        var at = writeDate(daysSinceEpoch: days, into: out)
        let micros = rest % 1_000_000
        let seconds = rest / 1_000_000
        out[at] = UInt8(ascii: "T")
        writeTwo(seconds / 3600, into: out + at + 1)
        out[at + 3] = UInt8(ascii: ":")
        writeTwo(seconds / 60 % 60, into: out + at + 4)
        out[at + 6] = UInt8(ascii: ":")
        writeTwo(seconds % 60, into: out + at + 7)
        out[at + 9] = UInt8(ascii: ".")
        var fraction = micros
        for index in stride(from: 15, through: 10, by: -1) {
            out[at + index] = UInt8(ascii: "0") + UInt8(fraction % 10)
            fraction /= 10
        }
        out[at + 16] = UInt8(ascii: "Z")
        at += 17
        return at
    }

    /// The date as a `String` (tests, messages).
    @inlinable
    public static func date(daysSinceEpoch days: Int64) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer in
            let count = writeDate(daysSinceEpoch: days, into: buffer.baseAddress!)
            return String(decoding: UnsafeBufferPointer(start: buffer.baseAddress, count: count), as: UTF8.self)
        }
    }

    /// The timestamp as a `String` (tests, messages).
    @inlinable
    public static func timestamp(microsecondsSinceEpoch value: Int64) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer in
            let count = writeTimestamp(microsecondsSinceEpoch: value, into: buffer.baseAddress!)
            return String(decoding: UnsafeBufferPointer(start: buffer.baseAddress, count: count), as: UTF8.self)
        }
    }

    @inline(__always)
    @usableFromInline
    static func writeTwo(_ value: Int64, into out: UnsafeMutablePointer<UInt8>) {
        out[0] = UInt8(ascii: "0") + UInt8(value / 10)
        out[1] = UInt8(ascii: "0") + UInt8(value % 10)
    }

    /// Four digits for 0...9999, else a sign and at least four digits.
    @inline(__always)
    @usableFromInline
    static func writeYear(_ year: Int64, into out: UnsafeMutablePointer<UInt8>) -> Int {
        if year >= 0 && year <= 9999 {
            writeTwo(year / 100, into: out)
            writeTwo(year % 100, into: out + 2)
            return 4
        }
        out[0] = year < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+")
        var magnitude = year.magnitude
        var digits: [UInt8] = []
        while magnitude > 0 || digits.count < 4 {
            digits.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        }
        for (index, digit) in digits.reversed().enumerated() { out[1 + index] = digit }
        return 1 + digits.count
    }

    // MARK: Parsing
    //
    // What counts as a date or a timestamp (docs/TYPES.md): `YYYY-MM-DD`, a
    // valid calendar date, years 0001-9999; a timestamp is a date, `T` (or
    // `t` or a space), `HH:MM[:SS[.fraction]]` and an optional `Z` or
    // `±HH[:MM]` (no offset means UTC). Digits below a microsecond must be
    // zeros: nothing is silently truncated.

    /// Parses `YYYY-MM-DD` into days since 1970-01-01.
    public static func parseDate(_ bytes: UnsafeRawBufferPointer) -> Int32? {
        guard bytes.count == 10 else { return nil }
        return datePrefix(bytes)
    }

    static func datePrefix(_ bytes: UnsafeRawBufferPointer) -> Int32? {
        guard bytes.count >= 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              let year = digits(bytes, 0, 4), let month = digits(bytes, 5, 2), let day = digits(bytes, 8, 2),
              year >= 1, month >= 1, month <= 12, day >= 1, day <= daysIn(month: month, year: year)
        else { return nil }
        return Int32(days(year: year, month: month, day: day))
    }

    /// Parses an ISO 8601 timestamp into microseconds since the epoch, UTC.
    public static func parseTimestamp(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        let count = bytes.count
        guard count >= 16, let days = datePrefix(bytes) else { return nil }
        guard bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " ") || bytes[10] == UInt8(ascii: "t"),
              let hour = digits(bytes, 11, 2), bytes[13] == UInt8(ascii: ":"), let minute = digits(bytes, 14, 2),
              hour <= 23, minute <= 59
        else { return nil }
        var index = 16
        var second = 0
        var micros = 0
        if index < count, bytes[index] == UInt8(ascii: ":") {
            guard let value = digits(bytes, index + 1, 2), value <= 59 else { return nil }
            second = value
            index += 3
            if index < count, bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: ",") {
                index += 1
                var fractionDigits = 0
                while index < count, (bytes[index] &- 0x30) < 10 {
                    let digit = Int(bytes[index] &- 0x30)
                    if fractionDigits < 6 {
                        micros = micros * 10 + digit
                    } else if digit != 0 {
                        return nil  // below a microsecond: would be truncated
                    }
                    fractionDigits += 1
                    index += 1
                }
                guard fractionDigits > 0 else { return nil }
                for _ in fractionDigits ..< max(fractionDigits, 6) { micros *= 10 }
            }
        }
        var offsetSeconds = 0
        if index < count {
            let sign = bytes[index]
            if sign == UInt8(ascii: "Z") || sign == UInt8(ascii: "z") {
                index += 1
            } else if sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                guard let hours = digits(bytes, index + 1, 2), hours <= 23 else { return nil }
                index += 3
                var minutes = 0
                if index < count {
                    if bytes[index] == UInt8(ascii: ":") { index += 1 }
                    guard let value = digits(bytes, index, 2), value <= 59 else { return nil }
                    minutes = value
                    index += 2
                }
                offsetSeconds = (hours * 3600 + minutes * 60) * (sign == UInt8(ascii: "-") ? -1 : 1)
            } else {
                return nil
            }
        }
        guard index == count else { return nil }
        let seconds = Int64(days) * 86400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        return seconds * 1_000_000 + Int64(micros)
    }

    @inline(__always)
    private static func digits(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ length: Int) -> Int? {
        guard start + length <= bytes.count else { return nil }
        var value = 0
        for index in start ..< start + length {
            let digit = bytes[index] &- 0x30
            guard digit <= 9 else { return nil }
            value = value * 10 + Int(digit)
        }
        return value
    }

    /// The number of days of `month` in `year` (proleptic Gregorian).
    @inline(__always)
    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
    /// days_from_civil).
    @inline(__always)
    public static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

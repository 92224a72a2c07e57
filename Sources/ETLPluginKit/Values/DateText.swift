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
}

import Foundation

/// Reads the instants a freshness check meets as text (SQLite keeps dates
/// and timestamps as ISO 8601 text): `2026-12-06`, `2026-12-06T10:15:00Z`,
/// `2026-12-06 10:15:00.123456`, `2026-12-06T10:15+01:00`. Without an
/// offset the time is UTC; a date alone is its midnight, UTC.
enum InstantText {
    /// Seconds since 1970-01-01T00:00:00Z, or nil when `text` is not one
    /// of the forms above.
    static func secondsSinceEpoch(_ text: String) -> Double? {
        var scanner = Scan(Array(text.trimmingCharacters(in: .whitespaces).utf8))
        guard let year = scanner.digits(4), scanner.take("-"), let month = scanner.digits(2), scanner.take("-"),
              let day = scanner.digits(2), (1...12).contains(month), (1...31).contains(day) else { return nil }
        var seconds = Double(daysFromCivil(year: year, month: month, day: day)) * 86_400
        if scanner.atEnd { return seconds }
        guard scanner.take("T") || scanner.take("t") || scanner.take(" "), let hour = scanner.digits(2),
              scanner.take(":"), let minute = scanner.digits(2), hour < 24, minute < 60 else { return nil }
        seconds += Double(hour * 3600 + minute * 60)
        if scanner.take(":") {
            guard let second = scanner.digits(2), second < 61 else { return nil }
            seconds += Double(second)
            if scanner.take(".") {
                var scale = 0.1
                var any = false
                while let digit = scanner.digit() {
                    seconds += Double(digit) * scale
                    scale /= 10
                    any = true
                }
                guard any else { return nil }
            }
        }
        if scanner.atEnd || scanner.take("Z") || scanner.take("z") { return scanner.atEnd ? seconds : nil }
        let sign: Double
        if scanner.take("+") { sign = 1 } else if scanner.take("-") { sign = -1 } else { return nil }
        guard let offsetHours = scanner.digits(2) else { return nil }
        _ = scanner.take(":")
        let offsetMinutes = scanner.atEnd ? 0 : scanner.digits(2)
        guard let offsetMinutes, scanner.atEnd, offsetHours < 24, offsetMinutes < 60 else { return nil }
        return seconds - sign * Double(offsetHours * 3600 + offsetMinutes * 60)
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's
    /// days_from_civil).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private struct Scan {
        let bytes: [UInt8]
        var index = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { index == bytes.count }

        mutating func take(_ character: Unicode.Scalar) -> Bool {
            guard index < bytes.count, bytes[index] == UInt8(character.value) else { return false }
            index += 1
            return true
        }

        mutating func digit() -> Int? {
            guard index < bytes.count, (48...57).contains(bytes[index]) else { return nil }
            index += 1
            return Int(bytes[index - 1] - 48)
        }

        mutating func digits(_ count: Int) -> Int? {
            var value = 0
            for _ in 0..<count {
                guard let digit = digit() else { return nil }
                value = value * 10 + digit
            }
            return value
        }
    }
}

import ETLPluginKit

/// Reads PostgreSQL's text output of the types ``QueryColumn`` maps to
/// Arrow values, as the server prints them with `DateStyle = ISO`,
/// `TimeZone = UTC` and `bytea_output = hex`:
///
/// - integers: `-42`;
/// - bytea: `\x00ff`;
/// - dates: `2024-01-05`, `12345-06-07` (years past 9999), `0044-03-15 BC`,
///   `infinity`, `-infinity`;
/// - timestamps: `2024-01-05 12:34:56.123456+00` (no fraction when it is
///   zero; an offset only for `timestamptz`), ` BC` at the end, and the
///   infinities.
///
/// Related PostgreSQL source: `EncodeDateOnly` and `EncodeDateTime` in
/// src/backend/utils/adt/datetime.c.
enum PGText {
    /// The bytes as a Swift string (for the number parsers).
    static func string(_ value: UnsafeRawBufferPointer) -> String {
        String(decoding: value, as: UTF8.self)
    }

    /// An optionally signed decimal integer that fits Int64.
    static func integer(_ value: UnsafeRawBufferPointer) -> Int64? {
        var index = 0
        let negative = value.first == UInt8(ascii: "-")
        if negative || value.first == UInt8(ascii: "+") { index = 1 }
        guard index < value.count else { return nil }
        var magnitude: UInt64 = 0
        while index < value.count {
            let digit = value[index] &- 0x30
            guard digit <= 9 else { return nil }
            let (times, overflow) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, carry) = times.addingReportingOverflow(UInt64(digit))
            guard !overflow, !carry else { return nil }
            magnitude = sum
            index += 1
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        return Int64(exactly: magnitude)
    }

    /// The bytes of bytea's hex output `\x...`.
    static func hexBytes(_ value: UnsafeRawBufferPointer) -> [UInt8]? {
        guard value.count >= 2, value[0] == UInt8(ascii: "\\"), value[1] == UInt8(ascii: "x"),
              value.count % 2 == 0 else { return nil }
        func nibble(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(value.count / 2 - 1)
        var index = 2
        while index < value.count {
            guard let high = nibble(value[index]), let low = nibble(value[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    /// Days since 1970-01-01 of a date's text.
    static func date(_ value: UnsafeRawBufferPointer) throws(QueryValueFailure) -> Int32 {
        try refuseInfinity(value)
        var reader = Reader(value)
        let days = try reader.date()
        try reader.end()
        guard let result = Int32(exactly: days) else { throw .outOfRange }
        return result
    }

    /// Microseconds since 1970-01-01 00:00 UTC of a timestamp's text (one
    /// without an offset is read as UTC).
    static func timestamp(_ value: UnsafeRawBufferPointer) throws(QueryValueFailure) -> Int64 {
        try refuseInfinity(value)
        var reader = Reader(value)
        let days = try reader.date()
        try reader.expect(UInt8(ascii: " "))
        let hour = try reader.digits(exactly: 2)
        try reader.expect(UInt8(ascii: ":"))
        let minute = try reader.digits(exactly: 2)
        try reader.expect(UInt8(ascii: ":"))
        let second = try reader.digits(exactly: 2)
        var micros: Int64 = 0
        if reader.take(UInt8(ascii: ".")) {
            var count = 0
            while let digit = reader.digit() {
                guard count < 6 else { throw .unreadable("a timestamp") }
                micros = micros * 10 + Int64(digit)
                count += 1
            }
            guard count > 0 else { throw .unreadable("a timestamp") }
            for _ in count..<6 { micros *= 10 }
        }
        var offsetSeconds: Int64 = 0
        if let sign = reader.sign() {
            var offset = try reader.digits(exactly: 2) * 3600
            if reader.take(UInt8(ascii: ":")) { offset += try reader.digits(exactly: 2) * 60 }
            if reader.take(UInt8(ascii: ":")) { offset += try reader.digits(exactly: 2) }
            offsetSeconds = sign * offset
        }
        try reader.end()
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000)
        let (result, carry) = whole.addingReportingOverflow(micros)
        guard !overflow, !carry else { throw .outOfRange }
        return result
    }

    private static func refuseInfinity(_ value: UnsafeRawBufferPointer) throws(QueryValueFailure) {
        let text = string(value)
        if text == "infinity" || text == "-infinity" { throw .infinite(text) }
    }

    /// A cursor over one value's bytes; a trailing ` BC` is taken off
    /// first and turns the year into an astronomical one (1 BC is year 0).
    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var index = 0
        let limit: Int
        let beforeChrist: Bool

        init(_ bytes: UnsafeRawBufferPointer) {
            self.bytes = bytes
            let suffix = Array(" BC".utf8)
            beforeChrist = bytes.count > suffix.count && Array(bytes.suffix(suffix.count)) == suffix
            limit = bytes.count - (beforeChrist ? suffix.count : 0)
        }

        /// `Y...Y-MM-DD` (at least four year digits) as days since 1970.
        mutating func date() throws(QueryValueFailure) -> Int64 {
            var year: Int64 = 0
            var yearDigits = 0
            while let digit = digit() {
                guard yearDigits < 9 else { throw .unreadable("a date") }
                year = year * 10 + Int64(digit)
                yearDigits += 1
            }
            guard yearDigits >= 4 else { throw .unreadable("a date") }
            try expect(UInt8(ascii: "-"))
            let month = try digits(exactly: 2)
            try expect(UInt8(ascii: "-"))
            let day = try digits(exactly: 2)
            if beforeChrist { year = 1 - year }
            guard month >= 1, month <= 12, day >= 1,
                  day <= DateText.daysIn(month: Int(month), year: Int(year)) else { throw .unreadable("a date") }
            return Int64(DateText.days(year: Int(year), month: Int(month), day: Int(day)))
        }

        mutating func digit() -> UInt8? {
            guard index < limit, bytes[index] &- 0x30 <= 9 else { return nil }
            defer { index += 1 }
            return bytes[index] &- 0x30
        }

        mutating func digits(exactly count: Int) throws(QueryValueFailure) -> Int64 {
            var value: Int64 = 0
            for _ in 0..<count {
                guard let digit = digit() else { throw .unreadable("a date or timestamp") }
                value = value * 10 + Int64(digit)
            }
            return value
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard index < limit, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        mutating func expect(_ byte: UInt8) throws(QueryValueFailure) {
            guard take(byte) else { throw .unreadable("a date or timestamp") }
        }

        /// `+` as 1, `-` as -1, or nil when neither comes next.
        mutating func sign() -> Int64? {
            if take(UInt8(ascii: "+")) { return 1 }
            if take(UInt8(ascii: "-")) { return -1 }
            return nil
        }

        func end() throws(QueryValueFailure) {
            guard index == limit else { throw .unreadable("a date or timestamp") }
        }
    }
}

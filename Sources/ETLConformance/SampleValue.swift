import ETLHost
import ETLPluginKit
import Foundation

/// One non-null value of a warehouse check's rows, as written or as a
/// query read it back.
enum SampleValue: Equatable, CustomStringConvertible {
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case text(String)
    case bytes([UInt8])
    /// Days since 1970-01-01.
    case date(Int32)
    /// Microseconds since 1970-01-01T00:00:00Z.
    case timestamp(Int64)

    /// The value for a message: numbers as Swift prints them, text quoted
    /// (long text cut, with its length), bytes in hex, dates and instants
    /// in ISO 8601.
    var description: String {
        switch self {
        case .bool(let value): return "\(value)"
        case .int(let value): return "\(value)"
        case .double(let value): return "\(value)"
        case .text(let value):
            let bytes = value.utf8.count
            let shown = bytes > 48 ? String(value.prefix(32)) + "…" : value
            let quoted = String(data: (try? JSONEncoder().encode(shown)) ?? Data(), encoding: .utf8) ?? shown
            return bytes > 48 ? "\(quoted) (\(bytes) bytes)" : quoted
        case .bytes(let value):
            let hex = value.prefix(16).map { String(format: "%02x", $0) }.joined()
            return value.count > 16 ? "x'\(hex)…' (\(value.count) bytes)" : "x'\(hex)'"
        case .date(let days): return DateText.date(daysSinceEpoch: Int64(days))
        case .timestamp(let micros): return DateText.timestamp(microsecondsSinceEpoch: micros)
        }
    }

    /// The Arrow type `value` came in (`int64`, `utf8`, ...), for messages.
    static func typeName(of value: SampleValue) -> String {
        switch value {
        case .bool: "bool"
        case .int: "int64"
        case .double: "float64"
        case .text: "utf8"
        case .bytes: "binary"
        case .date: "date32"
        case .timestamp: "timestamp"
        }
    }
}

/// The edge values of the rows `read-back` writes (ids 101 to 108): empty
/// and long text, quotes and control characters, the int64 limits,
/// subnormal, largest and infinite doubles, decimals of 38 digits, nested
/// JSON, the first and last days and instants of years 0001 to 9999, leap
/// days, and every byte value. A nil is a null in that cell only.
enum SampleEdges {
    /// The ids of the edge rows.
    static let ids: ClosedRange<Int64> = 101 ... 108

    /// Text past 255 bytes (a VARCHAR(255) would cut it), non-ASCII at the end.
    static let longText = String(repeating: "long text, ", count: 30) + "the end: Zoë ☕"

    private static let texts: [String?] = [
        "", longText, "quote ' \" backslash \\ tab\t newline\n carriage\r end", "Zoë ☕ 🚀 — 漢字 e\u{301}",
        "  spaces around  ", "NULL", nil, "0",
    ]
    private static let bools: [Bool?] = [true, false, nil, true, false, true, false, true]
    private static let ints: [Int64?] = [.min, .max, 0, -1, nil, 1, 9_007_199_254_740_993, -9_007_199_254_740_993]
    private static let doubles: [Double?] = [
        0.1, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -.infinity, .infinity, nil, -1.5, 0.30000000000000004,
    ]
    private static let decimals: [String?] = [
        "0", "-0.000000001", "12345678901234567890123456789.123456789", "-99999999999999999999999999999.999999999",
        nil, "-12.5", "1", "0.1",
    ]
    private static let documents: [String?] = [
        #"{"a":[1,2.5,null],"b":"Zoë"}"#, "[]", #""text""#, "{}", "123", "true", nil,
        #"{"nested":{"deep":[{"x":"y"}]},"quote":"\"'"}"#,
    ]
    private static let dates: [Int32?] = [0, -1, -719_162, 2_932_896, 19_782, nil, 11_016, 1]
    private static let timestamps: [Int64?] = [
        0, -1, 1_700_000_000_000_001, 253_402_300_799_999_999, -62_135_596_800_000_000, nil, 951_782_400_000_000,
        1_000_000,
    ]
    private static let binaries: [[UInt8]?] = [[], [0], [0xFF, 0x00, 0x80, 0x7F], Array(0 ... 255), nil, [0x27], [0x5C], [0x0A]]

    /// The edge value of column `field` in row `id`.
    static func value(of field: ArrowField, id: Int64) -> SampleValue? {
        let index = Int(id - ids.lowerBound) % 8
        switch (field.type, field.annotation) {
        case (.utf8, .decimal?): return decimals[index].map(SampleValue.text)
        case (.utf8, .json?): return documents[index].map(SampleValue.text)
        case (.utf8, _): return texts[index].map(SampleValue.text)
        case (.bool, _): return bools[index].map(SampleValue.bool)
        case (.int64, _): return ints[index].map(SampleValue.int)
        case (.float64, _): return doubles[index].map(SampleValue.double)
        case (.date32, _): return dates[index].map(SampleValue.date)
        case (.timestampMicrosecondsUTC, _): return timestamps[index].map(SampleValue.timestamp)
        case (.binary, _): return binaries[index].map(SampleValue.bytes)
        case (.null, _): return nil
        }
    }
}

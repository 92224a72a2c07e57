import ETLHost
import ETLPluginKit
import Foundation

/// When a value read back through a warehouse's `query` equals the value
/// written: the rules of `read-back` (docs/WRITING_PLUGINS.md, "Test").
///
/// A warehouse may store a type as another and map it back as it
/// documents (docs/TYPES.md): SQLite keeps booleans as integers, decimals
/// and instants as text. So a value is compared through what it means, not
/// through the Arrow type it comes back in:
///
/// | written | read back equal as |
/// | --- | --- |
/// | bool | bool; int64 1 / 0 |
/// | int64 | int64; text of the same integer (`"-1"`, `"7.000"`) |
/// | float64 | float64 of the same value (`-0.0` equals `0.0`); text a double parses to it from (`"Infinity"`) |
/// | utf8 | utf8 of the same bytes (no trimming, no Unicode normalization) |
/// | decimal (utf8) | text of the same number (`"12.5"` = `"12.500000000"`, `"1e3"` = `"1000"`); int64 of it |
/// | JSON (utf8) | text of the same JSON value (key order and spaces free; numbers by value) |
/// | binary | binary of the same bytes |
/// | date32 | date32; text `YYYY-MM-DD`; a timestamp at its midnight UTC |
/// | timestamp | timestamp to the microsecond; ISO 8601 text of the same instant |
///
/// A null equals only a null.
enum ReadBackEquality {
    /// Whether `read` (nil: null) is what was `written` in a column
    /// declared as `field`.
    static func matches(written: SampleValue?, field: ArrowField, read: SampleValue?) -> Bool {
        guard let written, let read else { return written == nil && read == nil }
        switch (written, read) {
        case (.bool(let a), .bool(let b)): return a == b
        case (.bool(let a), .int(let b)): return b == (a ? 1 : 0)
        case (.int(let a), .int(let b)): return a == b
        case (.int(let a), .text(let b)): return sameDecimal(String(a), b)
        case (.double(let a), .double(let b)): return a == b || (a.isNaN && b.isNaN)
        case (.double(let a), .text(let b)):
            guard let parsed = Double(b.trimmingCharacters(in: .whitespaces)) else { return false }
            return parsed == a || (a.isNaN && parsed.isNaN)
        case (.text(let a), .text(let b)):
            switch field.annotation {
            case .decimal?: return sameDecimal(a, b)
            case .json?: return WarehouseSample.sameJSON(a, b)
            default: return Array(a.utf8) == Array(b.utf8)
            }
        case (.text(let a), .int(let b)):
            if case .decimal? = field.annotation { return sameDecimal(a, String(b)) }
            return false
        case (.bytes(let a), .bytes(let b)): return a == b
        case (.date(let a), .date(let b)): return a == b
        case (.date(let a), .text(let b)): return Array(b.utf8).withUnsafeBytes { DateText.parseDate($0) } == a
        case (.date(let a), .timestamp(let b)): return Int64(a) * 86_400_000_000 == b
        case (.timestamp(let a), .timestamp(let b)): return a == b
        case (.timestamp(let a), .text(let b)): return Array(b.utf8).withUnsafeBytes { DateText.parseTimestamp($0) } == a
        default: return false
        }
    }

    /// Whether two decimal texts are the same number.
    static func sameDecimal(_ left: String, _ right: String) -> Bool {
        guard let a = canonicalDecimal(left), let b = canonicalDecimal(right) else { return false }
        return a == b
    }

    /// A decimal number's text in one spelling: sign, significant digits,
    /// exponent (`"-12.50"` and `"-1.25e1"` both give `-125e-1`; every zero
    /// gives `0`); nil when the text is not a number.
    static func canonicalDecimal(_ text: String) -> String? {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        var negative = false
        if let sign = rest.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            rest = rest.dropFirst()
        }
        var exponent = 0
        if let marker = rest.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            guard let value = Int(rest[rest.index(after: marker)...]) else { return nil }
            exponent = value
            rest = rest[..<marker]
        }
        let parts = rest.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count > 1 ? parts[1] : ""
        guard !(whole.isEmpty && fraction.isEmpty), (whole + fraction).allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return nil
        }
        var digits = Substring(String(whole + fraction).drop { $0 == "0" })
        exponent -= fraction.count
        while digits.last == "0" {
            digits = digits.dropLast()
            exponent += 1
        }
        if digits.isEmpty { return "0" }
        return "\(negative ? "-" : "")\(digits)e\(exponent)"
    }
}

import ETLPluginKit
import Foundation

/// Byte-level parsers for text values: what the host accepts as a boolean,
/// an integer, a number, a date or a timestamp when it infers types from
/// untyped text (CSV) and strings (JSON), and converts them afterwards.
///
/// The rules (also in docs/TYPES.md):
/// - boolean: `true` / `false` in any letter case. Not `1`/`0`, not `yes`/`no`.
/// - integer: `-?(0|[1-9][0-9]*)` within Int64. `007` and `+5` are text (a
///   leading zero or sign would be lost); integers beyond Int64 are text,
///   never wrapped or rounded.
/// - number: an integer part as above with a fraction and/or exponent
///   (`1.0`, `1e3`, `-0.5E-2`) that a double holds exactly
///   (``DoubleExactness``); one no double holds (`1e400`, `1e-400`) is a
///   decimal. `.5`, `NaN`, `inf` are text.
/// - date: `YYYY-MM-DD`, a valid calendar date, years 0001-9999.
/// - timestamp: a date, `T` or a space, `HH:MM[:SS[.fraction]]`, and an
///   optional `Z` or `±HH[:MM]` offset. Without an offset the time is taken
///   as UTC. More than 6 fraction digits are accepted only when the extra
///   ones are zeros (microsecond precision, nothing silently truncated).
public enum ValueParser {
    /// Parses a boolean.
    @inlinable
    public static func bool(_ bytes: UnsafeRawBufferPointer) -> Bool? {
        switch bytes.count {
        case 4:
            return (bytes[0] | 0x20) == UInt8(ascii: "t") && (bytes[1] | 0x20) == UInt8(ascii: "r")
                && (bytes[2] | 0x20) == UInt8(ascii: "u") && (bytes[3] | 0x20) == UInt8(ascii: "e") ? true : nil
        case 5:
            return (bytes[0] | 0x20) == UInt8(ascii: "f") && (bytes[1] | 0x20) == UInt8(ascii: "a")
                && (bytes[2] | 0x20) == UInt8(ascii: "l") && (bytes[3] | 0x20) == UInt8(ascii: "s")
                && (bytes[4] | 0x20) == UInt8(ascii: "e") ? false : nil
        default:
            return nil
        }
    }

    /// What an integer-looking text is.
    public enum IntegerParse: Equatable, Sendable {
        /// Not an integer at all.
        case notInteger
        /// An integer that fits Int64.
        case value(Int64)
        /// Integer syntax, but beyond Int64: keep it as text.
        case outOfRange
    }

    /// Parses an integer.
    @inlinable
    public static func integer(_ bytes: UnsafeRawBufferPointer) -> IntegerParse {
        let count = bytes.count
        guard count > 0 else { return .notInteger }
        var index = 0
        let negative = bytes[0] == UInt8(ascii: "-")
        if negative { index = 1 }
        guard index < count else { return .notInteger }
        let first = bytes[index]
        guard first >= 0x30, first <= 0x39 else { return .notInteger }
        if first == 0x30, count - index > 1 { return .notInteger }  // leading zero: 007, -01
        var value: Int64 = 0
        var overflow = false
        while index < count {
            let digit = bytes[index] &- 0x30
            guard digit <= 9 else { return .notInteger }
            if !overflow {
                let (times10, o1) = value.multipliedReportingOverflow(by: 10)
                let (next, o2) = negative ? times10.subtractingReportingOverflow(Int64(digit))
                    : times10.addingReportingOverflow(Int64(digit))
                if o1 || o2 { overflow = true } else { value = next }
            }
            index += 1
        }
        return overflow ? .outOfRange : .value(value)
    }

    /// Parses a number with a fraction or an exponent (plain integers are
    /// ``integer(_:)``'s) into the double that holds it exactly
    /// (``DoubleExactness``); nil for anything else, and for a number no
    /// double holds (`1e400`, `1e-400`: a decimal, not a number).
    public static func number(_ bytes: UnsafeRawBufferPointer) -> Double? {
        guard isNumberSyntax(bytes) else { return nil }
        return DoubleExactness.heldDouble(bytes)
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?` with a fraction or
    /// an exponent present.
    static func isNumberSyntax(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let count = bytes.count
        var index = 0
        if index < count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < count, isDigit(bytes[index]) else { return false }
        if bytes[index] == 0x30 {
            index += 1
        } else {
            while index < count, isDigit(bytes[index]) { index += 1 }
        }
        var decorated = false
        if index < count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < count, isDigit(bytes[index]) else { return false }
            while index < count, isDigit(bytes[index]) { index += 1 }
            decorated = true
        }
        if index < count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < count, isDigit(bytes[index]) else { return false }
            while index < count, isDigit(bytes[index]) { index += 1 }
            decorated = true
        }
        return decorated && index == count
    }

    /// Parses `YYYY-MM-DD` into days since 1970-01-01 (the kit's ``DateText``).
    public static func date(_ bytes: UnsafeRawBufferPointer) -> Int32? { DateText.parseDate(bytes) }

    /// Parses an ISO 8601 timestamp into microseconds since the epoch, UTC
    /// (the kit's ``DateText``).
    public static func timestamp(_ bytes: UnsafeRawBufferPointer) -> Int64? { DateText.parseTimestamp(bytes) }

    @usableFromInline
    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
}

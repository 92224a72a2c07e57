import Foundation

/// Whether a double holds a decimal number literal exactly: the rule that
/// decides between a `number` column (IEEE double) and a `decimal` one
/// (PostgreSQL `numeric`, text in SQLite), so that no value is ever stored
/// as a nearby one (docs/TYPES.md, "Numbers").
///
/// A literal is **held** by a double when the double nearest to it
///
/// - prints back, in its shortest round-trip form, as the same number
///   (`0.1`, `1e-320`, `0.30000000000000004`, `-0.5E-2`), or
/// - is an integer equal to it (`9007199254740992`, `2^60`).
///
/// Not held: a literal with more significant digits than its double keeps
/// (`9007199254740993`, `0.1000000000000000055511151231257827`), one out
/// of range (`1e309`), one that underflows to zero or to another
/// subnormal (`1e-400`, `2e-324`).
///
/// Zero is zero: `-0`, `-0.0` and `0e5` are held (as 0.0). Neither SQLite's
/// REAL, nor `numeric`, nor jsonb keeps the sign of a zero, so the host
/// drops it everywhere (``normalizedZero(_:)``) and every warehouse gets
/// the same 0.
///
/// ```swift
/// DoubleExactness.heldDouble("0.1")               // 0.1
/// DoubleExactness.heldDouble("9007199254740993")  // nil
/// DoubleExactness.heldDouble("1e309")             // nil
/// ```
public enum DoubleExactness {
    /// The double that holds `literal` (JSON number grammar, with or
    /// without fraction and exponent), or nil when no double holds it.
    public static func heldDouble(_ literal: UnsafeRawBufferPointer) -> Double? {
        if let value = shortDecimal(literal) { return value }
        guard let shape = CanonicalDecimal(literal, keepingDigits: false), let value = parse(literal), value.isFinite else {
            return nil
        }
        if shape.isZero { return 0.0 }
        // Fifteen significant digits in the range of normal doubles always
        // round-trip (DBL_DIG): no formatting needed.
        if shape.digitCount <= 15, shape.exponent > -307, shape.exponent < 309 { return value }
        if value == 0 { return nil }
        guard let decimal = CanonicalDecimal(literal) else { return nil }
        if CanonicalDecimal(shortestText(of: value)) == decimal { return value }
        if decimal.isInteger, value == value.rounded(), CanonicalDecimal(exactIntegerText(of: value)) == decimal {
            return value
        }
        return nil
    }

    /// Whether a double holds `literal` (see ``heldDouble(_:)``). Inference
    /// asks this for every number cell: the common case (at most fifteen
    /// significant digits in the normal range) is answered from the
    /// literal's shape alone, without converting it.
    public static func isHeld(_ literal: UnsafeRawBufferPointer) -> Bool {
        guard let shape = CanonicalDecimal(literal, keepingDigits: false) else { return false }
        if shape.isZero || (shape.digitCount <= 15 && shape.exponent > -307 && shape.exponent < 309) { return true }
        return heldDouble(literal) != nil
    }

    /// Whether a double holds the integer `value` exactly (every integer
    /// up to 2^53 in magnitude, and beyond that those a double can spell).
    @inlinable
    public static func isHeld(_ value: Int64) -> Bool {
        if value >= -(1 << 53), value <= 1 << 53 { return true }
        return Double(exactly: value) != nil
    }

    /// `value` with a negative zero made positive (see the type's notes).
    @inlinable
    public static func normalizedZero(_ value: Double) -> Double { value == 0 ? 0.0 : value }

    /// The host's text of a double, as spooled and as loaded into text
    /// columns: the shortest round-trip form, and `Infinity`, `-Infinity`,
    /// `NaN` (the spellings of PostgreSQL and JavaScript).
    public static func text(of value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        return shortestText(of: normalizedZero(value))
    }

    /// Reads text written by ``text(of:)`` (or any JSON-grammar number)
    /// back into a double; nil for anything else.
    public static func double(fromText bytes: UnsafeRawBufferPointer) -> Double? {
        // Digits first (no allocation); the three words are rare.
        guard let first = bytes.first, first == UInt8(ascii: "N") || first == UInt8(ascii: "I")
            || (first == UInt8(ascii: "-") && bytes.count > 1 && bytes[1] == UInt8(ascii: "I"))
        else { return parse(bytes) }
        switch String(decoding: bytes, as: UTF8.self) {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default: return nil
        }
    }

    static func shortestText(of value: Double) -> String { value.description }

    /// Every digit of an integral double (glibc prints doubles exactly).
    static func exactIntegerText(of value: Double) -> String { String(format: "%.0f", value) }

    /// A plain decimal, `-?[0-9]+(\.[0-9]+)?` with at most fifteen digits
    /// in all (`0.37`, `-1250.5`, `007.5`): the double strtod gives it,
    /// computed without strtod; nil for any other text (the caller then
    /// takes the general path). A zero is 0 (``normalizedZero(_:)``).
    ///
    /// Exact by Clinger's fast path: the digits as an integer are below
    /// 10^15 < 2^53 and the power of ten at most 10^15, so both are doubles
    /// exactly, and one IEEE division rounds their quotient correctly, as
    /// strtod rounds the literal.
    @inline(__always)
    static func shortDecimal(_ bytes: UnsafeRawBufferPointer) -> Double? {
        let count = bytes.count
        guard count > 0, count <= 17 else { return nil }
        var index = 0
        let negative = bytes[0] == UInt8(ascii: "-")
        if negative { index = 1 }
        var mantissa: Int64 = 0
        var integerDigits = 0
        var fractionDigits = 0
        var seenPoint = false
        while index < count {
            let byte = bytes[index]
            let digit = byte &- 0x30
            if digit <= 9 {
                mantissa = mantissa &* 10 &+ Int64(digit)
                if seenPoint { fractionDigits += 1 } else { integerDigits += 1 }
            } else if byte == UInt8(ascii: "."), !seenPoint {
                seenPoint = true
            } else {
                return nil
            }
            index += 1
        }
        guard integerDigits > 0, !seenPoint || fractionDigits > 0, integerDigits + fractionDigits <= 15 else { return nil }
        if mantissa == 0 { return 0.0 }
        let value = Double(mantissa) / powersOfTen[fractionDigits]
        return negative ? -value : value
    }

    /// 10^0 through 10^15, each a double exactly.
    private static let powersOfTen: [Double] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15]

    /// strtod of the whole text; nil unless every byte was used.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> Double? {
        let count = bytes.count
        guard count > 0, count < 4096 else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { buffer in
            for index in 0 ..< count { buffer[index] = CChar(bitPattern: bytes[index]) }
            buffer[count] = 0
            var end: UnsafeMutablePointer<CChar>?
            let value = strtod(buffer.baseAddress!, &end)
            guard let end, end == buffer.baseAddress! + count else { return nil }
            return value
        }
    }
}

/// A decimal number as significant digits and a power of ten, so that two
/// spellings of one number compare equal (`1.50`, `15e-1`, `0.15E1`).
struct CanonicalDecimal: Equatable {
    /// Sign (false for zero).
    var negative: Bool
    /// The significant digits, no leading or trailing zeros; empty for zero,
    /// and when parsed without keeping them (see ``digitCount``).
    var digits: [UInt8]
    /// How many significant digits there are.
    var digitCount: Int
    /// The number is `0.d1d2d3... × 10^exponent`.
    var exponent: Int

    var isZero: Bool { digitCount == 0 }
    /// No fraction part.
    var isInteger: Bool { exponent >= digitCount }

    init?(_ text: String) {
        var text = text
        guard let value = text.withUTF8({ CanonicalDecimal(UnsafeRawBufferPointer($0)) }) else { return nil }
        self = value
    }

    /// Parses `-?digits(.digits)?([eE][+-]?digits)?` (leading zeros and a
    /// missing integer part are accepted: only the number matters here).
    /// Without `keepingDigits` nothing is allocated: only the count,
    /// exponent and sign are known.
    init?(_ bytes: UnsafeRawBufferPointer, keepingDigits: Bool = true) {
        let count = bytes.count
        var index = 0
        var negative = false
        if index < count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        var digits: [UInt8] = []
        var significant = 0  // digits from the first non-zero one on
        var trailingZeros = 0  // zeros since the last non-zero digit
        var pointPosition: Int?  // digits before the point, counting leading zeros
        var seenDigits = 0
        var leadingZeros = 0
        while index < count {
            let byte = bytes[index]
            if byte >= 0x30, byte <= 0x39 {
                if significant == 0, byte == 0x30 {
                    leadingZeros += 1
                } else {
                    if keepingDigits { digits.append(byte) }
                    significant += 1
                    trailingZeros = byte == 0x30 ? trailingZeros + 1 : 0
                }
                seenDigits += 1
            } else if byte == UInt8(ascii: "."), pointPosition == nil {
                pointPosition = seenDigits
            } else {
                break
            }
            index += 1
        }
        guard seenDigits > 0 else { return nil }
        var exponent = 0
        if index < count {
            guard bytes[index] | 0x20 == UInt8(ascii: "e") else { return nil }
            index += 1
            var exponentNegative = false
            if index < count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            guard index < count else { return nil }
            while index < count {
                let digit = bytes[index] &- 0x30
                guard digit <= 9 else { return nil }
                if exponent < 1_000_000 { exponent = exponent * 10 + Int(digit) }
                index += 1
            }
            if exponentNegative { exponent = -exponent }
        }
        if keepingDigits { digits.removeLast(trailingZeros) }
        // value = 0.<all digits> × 10^(integerDigits); leading zeros shift it.
        let integerDigits = pointPosition ?? seenDigits
        digitCount = significant - trailingZeros
        self.negative = negative && digitCount > 0
        self.digits = digits
        self.exponent = digitCount == 0 ? 0 : integerDigits - leadingZeros + exponent
    }
}

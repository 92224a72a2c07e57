/// Exact decimals in PostgreSQL's binary `numeric` form: base-10000 digits,
/// a weight, a sign and a display scale, so that `1.50` loads as `1.50`
/// (scale 2), never rounded.
///
/// Accepted text: an optional sign, digits with an optional fraction
/// (`12`, `-0.5`, `1.`, `.5`), an optional exponent (`1.5e3`), and `NaN`,
/// `Infinity`, `-Infinity` (any case).
///
/// ```swift
/// // -12.50: groups [12, 5000], weight 0, negative, scale 2
/// var text = "-12.50"
/// try text.withUTF8 { try NumericBinary.append(UnsafeRawBufferPointer($0), to: buffer, limit: nil) }
/// ```
///
/// Related PostgreSQL source: `numeric_recv` in src/backend/utils/adt/numeric.c.
enum NumericBinary {
    /// Why a text is not a decimal that can be stored.
    enum Failure: Error {
        /// Not a decimal number.
        case malformed
        /// More digits than `numeric` holds (131072 before the point,
        /// 16383 after).
        case tooLarge
        /// More digits than the column's `numeric(p,s)` declares.
        case exceeds(precision: Int, scale: Int)
    }

    private static let positive: Int16 = 0x0000
    private static let negative: Int16 = 0x4000
    private static let notANumber = Int16(bitPattern: 0xC000)
    private static let plusInfinity = Int16(bitPattern: 0xD000)
    private static let minusInfinity = Int16(bitPattern: 0xF000)

    /// Appends the field (length word and value) for the decimal `text`.
    ///
    /// - Parameter limit: a column's `numeric(p,s)`: values with more
    ///   significant digits before or after the point fail rather than
    ///   being rounded by the server.
    static func append(_ text: UnsafeRawBufferPointer, to buffer: CopyBuffer,
                       limit: (precision: Int, scale: Int)?) throws(Failure) {
        let bytes = text.bindMemory(to: UInt8.self)
        if let special = special(bytes) {
            buffer.append(Int32(8))
            buffer.append(Int16(0))
            buffer.append(Int16(0))
            buffer.append(special)
            buffer.append(Int16(0))
            return
        }
        var index = 0
        var sign = positive
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            if bytes[index] == UInt8(ascii: "-") { sign = negative }
            index += 1
        }
        // Collect the digits without the point; `point` digits are before it.
        var digits: [UInt8] = []
        digits.reserveCapacity(bytes.count)
        var point: Int?
        var sawDigit = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte >= 0x30 && byte <= 0x39 {
                digits.append(byte - 0x30)
                sawDigit = true
            } else if byte == UInt8(ascii: "."), point == nil {
                point = digits.count
            } else {
                break
            }
            index += 1
        }
        guard sawDigit else { throw .malformed }
        var exponent = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            var negativeExponent = false
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                negativeExponent = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            var sawExponentDigit = false
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                exponent = exponent * 10 + Int(bytes[index] - 0x30)
                guard exponent < 1_000_000 else { throw .tooLarge }
                sawExponentDigit = true
                index += 1
            }
            guard sawExponentDigit else { throw .malformed }
            if negativeExponent { exponent = -exponent }
        }
        guard index == bytes.count else { throw .malformed }
        try appendDigits(digits, integerCount: (point ?? digits.count) + exponent, sign: sign, to: buffer,
                         limit: limit)
    }

    /// Appends the field for an integer.
    static func append(_ value: Int64, to buffer: CopyBuffer) {
        var magnitude = value.magnitude
        var digits: [UInt8] = []
        repeat {
            digits.append(UInt8(magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        // Integers never exceed the limits.
        try? appendDigits(digits.reversed(), integerCount: digits.count, sign: value < 0 ? negative : positive,
                          to: buffer, limit: nil)
    }

    /// Appends decimal `digits` (0-9 each) of which the first
    /// `integerCount` are before the point (it may be negative or beyond
    /// the digits: zeros are implied).
    private static func appendDigits(_ digits: [UInt8], integerCount: Int, sign: Int16, to buffer: CopyBuffer,
                                     limit: (precision: Int, scale: Int)?) throws(Failure) {
        let scale = max(0, digits.count - integerCount)
        guard scale <= 0x3FFF, integerCount <= 131_072 else { throw .tooLarge }
        // Significant digits on each side, for a declared precision.
        let firstNonZero = digits.firstIndex { $0 != 0 }
        if let limit, let firstNonZero {
            let lastNonZero = digits.lastIndex { $0 != 0 }!
            let integerDigits = max(0, integerCount - firstNonZero)
            let fractionDigits = max(0, lastNonZero + 1 - integerCount)
            guard integerDigits <= limit.precision - limit.scale, fractionDigits <= limit.scale else {
                throw .exceeds(precision: limit.precision, scale: limit.scale)
            }
        }
        guard let firstNonZero else {
            // Zero, with its scale (0.00 keeps two places).
            buffer.append(Int32(8))
            buffer.append(Int16(0))
            buffer.append(Int16(0))
            buffer.append(positive)
            buffer.append(Int16(scale))
            return
        }
        // Align on groups of four around the point: position p (0-based
        // from the first digit) has exponent integerCount - 1 - p.
        let lastNonZero = digits.lastIndex { $0 != 0 }!
        func exponentOf(_ position: Int) -> Int { integerCount - 1 - position }
        func groupOf(_ exponent: Int) -> Int { exponent >= 0 ? exponent / 4 : -((-exponent + 3) / 4) }
        let weight = groupOf(exponentOf(firstNonZero))
        let lowest = groupOf(exponentOf(lastNonZero))
        let groupCount = weight - lowest + 1
        let at = buffer.beginField()
        buffer.append(Int16(groupCount))
        buffer.append(Int16(weight))
        buffer.append(sign)
        buffer.append(Int16(scale))
        for group in stride(from: weight, through: lowest, by: -1) {
            var value = 0
            for place in stride(from: 3, through: 0, by: -1) {
                let position = integerCount - 1 - (group * 4 + place)
                value = value * 10 + (position >= 0 && position < digits.count ? Int(digits[position]) : 0)
            }
            buffer.append(Int16(value))
        }
        buffer.finishField(at: at)
    }

    private static func special(_ bytes: UnsafeBufferPointer<UInt8>) -> Int16? {
        guard bytes.count >= 3, bytes.count <= 9 else { return nil }
        let lower = String(decoding: bytes.map { $0 | 0x20 }, as: UTF8.self)
        switch lower {
        case "nan": return notANumber
        case "infinity", "+infinity", "inf", "+inf": return plusInfinity
        case "-infinity", "-inf": return minusInfinity
        default: return nil
        }
    }
}

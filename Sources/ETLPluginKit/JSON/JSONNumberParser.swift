/// Turns the text of a valid JSON number into a `Double`, correctly
/// rounded, without allocating for the common cases.
enum JSONNumberParser {
    /// Powers of ten that a `Double` holds exactly.
    private static let exactPowers: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// The nearest `Double` to the number `text` (valid JSON number
    /// syntax); `±infinity` beyond the range, `±0` below it.
    ///
    /// Numbers with at most 15 significant digits and a decimal exponent
    /// within ±22 take Clinger's fast path (one exact multiplication or
    /// division, hence correctly rounded); the others go through the
    /// standard library's correctly rounded conversion.
    static func double(_ text: UnsafeRawBufferPointer) -> Double {
        var index = 0
        let count = text.count
        var negative = false
        if index < count, text[index] == JSONByte.minus {
            negative = true
            index += 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var scale = 0 // decimal exponent to apply to the mantissa
        var exact = true
        while index < count, JSONByte.isDigit(text[index]) {
            accumulate(text[index])
            index += 1
        }
        if index < count, text[index] == JSONByte.dot {
            index += 1
            while index < count, JSONByte.isDigit(text[index]) {
                accumulate(text[index])
                scale -= 1
                index += 1
            }
        }
        if index < count, text[index] | 0x20 == 0x65 {
            index += 1
            var exponentNegative = false
            if index < count, text[index] == JSONByte.plus || text[index] == JSONByte.minus {
                exponentNegative = text[index] == JSONByte.minus
                index += 1
            }
            var exponent = 0
            while index < count, JSONByte.isDigit(text[index]) {
                if exponent < 100_000 { exponent = exponent * 10 + Int(text[index] &- JSONByte.zero) }
                index += 1
            }
            scale += exponentNegative ? -exponent : exponent
        }

        func accumulate(_ byte: UInt8) {
            let digit = UInt64(byte &- JSONByte.zero)
            if mantissa == 0 && digit == 0 { return } // leading zeros are not significant
            digits += 1
            if digits > 15 { exact = false; return }
            mantissa = mantissa * 10 + digit
        }

        if mantissa == 0 && exact { return negative ? -0.0 : 0.0 }
        if exact, scale >= -22, scale <= 22 {
            let magnitude = Double(mantissa)
            let value = scale < 0 ? magnitude / exactPowers[-scale] : magnitude * exactPowers[scale]
            return negative ? -value : value
        }
        return slowPath(text)
    }

    @inline(never)
    private static func slowPath(_ text: UnsafeRawBufferPointer) -> Double {
        // Valid JSON number text is also valid Swift floating-point text.
        Double(String(decoding: text, as: UTF8.self)) ?? .nan
    }
}

/// The engine's numbers (RFC 8259 syntax, classified by what holds
/// them) and the literals `true`, `false` and `null`.
extension JSONEngine {
    // MARK: Numbers and literals

    /// Validates the number at `position` and moves past it. With
    /// `classify`, also says what it fits in and, for ``JSONNumberKind/int64``,
    /// its value; without, the kind returned is meaningless.
    @inline(__always)
    mutating func number(classify: Bool) throws(JSONError) -> (kind: JSONNumberKind, value: Int64) {
        var index = position
        let negative = base[index] == JSONByte.minus
        if negative { index += 1 }
        guard index < count, JSONByte.isDigit(base[index]) else {
            throw expected("invalid number: expected a digit after '-'", at: index)
        }
        let integerStart = index
        if base[index] == JSONByte.zero {
            index += 1
            if index < count, JSONByte.isDigit(base[index]) {
                throw error("invalid number: leading zeros are not allowed", at: integerStart)
            }
        } else {
            while index < count, JSONByte.isDigit(base[index]) { index += 1 }
        }
        let integerEnd = index
        var isInteger = true
        var fractionStart = index
        var fractionEnd = index
        if index < count, base[index] == JSONByte.dot {
            isInteger = false
            index += 1
            fractionStart = index
            while index < count, JSONByte.isDigit(base[index]) { index += 1 }
            guard index > fractionStart else {
                throw expected("invalid number: expected a digit after the decimal point", at: index)
            }
            fractionEnd = index
        }
        var exponent = 0
        if index < count, base[index] | 0x20 == 0x65 { // e or E
            isInteger = false
            index += 1
            var exponentNegative = false
            if index < count, base[index] == JSONByte.plus || base[index] == JSONByte.minus {
                exponentNegative = base[index] == JSONByte.minus
                index += 1
            }
            let exponentStart = index
            while index < count, JSONByte.isDigit(base[index]) {
                // Saturates: beyond this, the magnitude decides alone.
                if exponent < 100_000_000 { exponent = exponent * 10 + Int(base[index] &- JSONByte.zero) }
                index += 1
            }
            guard index > exponentStart else {
                throw expected("invalid number: expected a digit in the exponent", at: index)
            }
            if exponentNegative { exponent = -exponent }
        }
        if index < count {
            let next = base[index]
            // Anything that could continue a number means a malformed one
            // (`1.2.3`, `12abc`, `1e5e3`, `0x1F`).
            if JSONByte.isDigit(next) || next == JSONByte.dot || next == JSONByte.plus || next == JSONByte.minus
                || (next | 0x20 >= 0x61 && next | 0x20 <= 0x7A) || next == 0x5F {
                throw invalidNumberCharacter(at: index)
            }
        }
        let start = position
        position = index
        guard classify else { return (.int64, 0) }
        if isInteger {
            let digits = integerEnd - integerStart
            guard digits <= 19 else { return (.bigInteger, 0) }
            var magnitude: UInt64 = 0
            for offset in integerStart..<integerEnd {
                magnitude = magnitude &* 10 &+ UInt64(base[offset] &- JSONByte.zero)
            }
            if negative {
                if magnitude <= UInt64(Int64.max) { return (.int64, -Int64(magnitude)) }
                if magnitude == UInt64(Int64.max) + 1 { return (.int64, Int64.min) }
                return (.bigInteger, 0)
            }
            return magnitude <= UInt64(Int64.max) ? (.int64, Int64(magnitude)) : (.bigInteger, 0)
        }
        // The value lies in [10^(m-1), 10^m), m counted from the first
        // significant digit; decide finiteness from it, parsing only at
        // the border (1e308 ... 9.99e308).
        var decimalMagnitude: Int
        if integerEnd - integerStart > 1 || base[integerStart] != JSONByte.zero {
            decimalMagnitude = integerEnd - integerStart
        } else {
            var first = fractionStart
            while first < fractionEnd, base[first] == JSONByte.zero { first += 1 }
            if first == fractionEnd { return (.double, 0) } // zero
            decimalMagnitude = -(first - fractionStart)
        }
        decimalMagnitude += exponent
        if decimalMagnitude <= 308 { return (.double, 0) }
        if decimalMagnitude >= 310 { return (.outOfRange, 0) }
        let value = JSONNumberParser.double(UnsafeRawBufferPointer(start: base + start, count: index - start))
        return (value.isFinite ? .double : .outOfRange, 0)
    }

    @inline(never)
    func invalidNumberCharacter(at index: Int) -> JSONError {
        let byte = base[index]
        if byte > 0x20, byte < 0x7F {
            return error("invalid number: unexpected '\(Character(Unicode.Scalar(byte)))'", at: index)
        }
        return error("invalid number", at: index)
    }

    /// Checks the literal at `position` (starting with t, f or n) and moves
    /// past it.
    @inline(__always)
    mutating func literal() throws(JSONError) -> JSONValueKind {
        let first = base[position]
        let kind: JSONValueKind
        let length: Int
        let expected: UInt32
        switch first {
        case 0x74: (kind, length, expected) = (.true, 4, 0x6575_7274)    // "true"
        case 0x6E: (kind, length, expected) = (.null, 4, 0x6C6C_756E)    // "null"
        default: (kind, length, expected) = (.false, 5, 0x736C_6166)     // "fals" + "e"
        }
        guard position + length <= count,
              UInt32(littleEndian: UnsafeRawPointer(base + position).loadUnaligned(as: UInt32.self)) == expected,
              length == 4 || base[position + 4] == 0x65
        else { throw error("invalid literal; expected true, false or null", at: position) }
        let end = position + length
        if end < count {
            let next = base[end] | 0x20
            if (next >= 0x61 && next <= 0x7A) || JSONByte.isDigit(base[end]) || base[end] == 0x5F {
                throw error("invalid literal; expected true, false or null", at: position)
            }
        }
        position = end
        return kind
    }
}

/// The engine's strings: finding the bytes that end a run of plain text,
/// skipping, reading and unescaping strings, and checking UTF-8.
extension JSONEngine {
    // MARK: Strings

    /// A mask with the high bit set in the lowest byte of `word` (little
    /// endian) that is a quote, a backslash, a control character or
    /// non-ASCII; possibly also in higher bytes, never in a lower one.
    @inline(__always)
    static func specialMask(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let quotes = word ^ (ones &* 0x22)
        let backslashes = word ^ (ones &* 0x5C)
        let zeroQuote = (quotes &- ones) & ~quotes
        let zeroBackslash = (backslashes &- ones) & ~backslashes
        let control = (word &- ones &* 0x20) & ~word
        return (zeroQuote | zeroBackslash | control | word) & high
    }

    /// The first position from `start` holding a quote, a backslash, a
    /// control character or a non-ASCII byte; `count` if none.
    @inline(__always)
    func findSpecial(from start: Int) -> Int {
        var index = start
        while index + 8 <= count {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
            let mask = Self.specialMask(word)
            if mask != 0 { return index + mask.trailingZeroBitCount >> 3 }
            index += 8
        }
        while index < count {
            let byte = base[index]
            if byte == JSONByte.quote || byte == JSONByte.backslash || byte < 0x20 || byte >= 0x80 {
                return index
            }
            index += 1
        }
        return index
    }

    /// Validates the string at `position` (an opening quote) and moves past
    /// its closing quote. Returns whether it holds escape sequences.
    @inline(__always)
    mutating func skipString() throws(JSONError) -> Bool {
        let open = position
        var index = open + 1
        var escaped = false
        while true {
            index = findSpecial(from: index)
            guard index < count else { throw error("unterminated string", at: open) }
            let byte = base[index]
            if byte == JSONByte.quote {
                position = index + 1
                return escaped
            }
            if byte == JSONByte.backslash {
                index = try escape(at: index, open: open).next
                escaped = true
            } else if byte < 0x20 {
                throw controlCharacter(at: index)
            } else {
                index = try utf8Sequence(at: index)
            }
        }
    }

    /// Reads the string at `position` (an opening quote), moving past its
    /// closing quote: its content is a range of the document when it has
    /// no escapes, else unescaped into the scratch buffer.
    @inline(__always)
    mutating func readString() throws(JSONError) -> ScannedString {
        let open = position
        var index = open + 1
        while true {
            index = findSpecial(from: index)
            guard index < count else { throw error("unterminated string", at: open) }
            let byte = base[index]
            if byte == JSONByte.quote {
                position = index + 1
                return ScannedString(start: open + 1, end: index, inScratch: false)
            }
            if byte == JSONByte.backslash { break }
            if byte < 0x20 { throw controlCharacter(at: index) }
            index = try utf8Sequence(at: index)
        }
        return try readEscapedString(open: open, firstEscape: index)
    }

    /// The slow path of ``readString()``: copies the content into the
    /// scratch buffer from the first escape on.
    @inline(never)
    mutating func readEscapedString(open: Int, firstEscape: Int) throws(JSONError) -> ScannedString {
        let outputStart = scratch.count
        scratch.append(base + open + 1, count: firstEscape - open - 1)
        var index = firstEscape
        while true {
            // `index` is at a special byte.
            let byte = base[index]
            if byte == JSONByte.quote {
                position = index + 1
                return ScannedString(start: outputStart, end: scratch.count, inScratch: true)
            }
            if byte == JSONByte.backslash {
                let (next, scalar) = try escape(at: index, open: open)
                scratch.append(scalar: scalar)
                index = next
            } else if byte < 0x20 {
                throw controlCharacter(at: index)
            } else {
                let next = try utf8Sequence(at: index)
                scratch.append(base + index, count: next - index)
                index = next
            }
            let runStart = index
            index = findSpecial(from: index)
            if index > runStart { scratch.append(base + runStart, count: index - runStart) }
            guard index < count else { throw error("unterminated string", at: open) }
        }
    }

    @inline(never)
    func controlCharacter(at offset: Int) -> JSONError {
        let hex = String(base[offset], radix: 16, uppercase: true)
        return error("unescaped control character U+\(String(repeating: "0", count: 4 - hex.count))\(hex) "
            + "in a string", at: offset)
    }

    /// Decodes the escape sequence at `index` (a backslash): the position
    /// after it and the scalar it stands for (a surrogate pair is one).
    @inline(__always)
    func escape(at index: Int, open: Int) throws(JSONError) -> (next: Int, scalar: UInt32) {
        guard index + 1 < count else { throw error("unterminated string", at: open) }
        switch base[index + 1] {
        case JSONByte.quote: return (index + 2, 0x22)
        case JSONByte.backslash: return (index + 2, 0x5C)
        case JSONByte.slash: return (index + 2, 0x2F)
        case 0x62: return (index + 2, 0x08) // b
        case 0x66: return (index + 2, 0x0C) // f
        case 0x6E: return (index + 2, 0x0A) // n
        case 0x72: return (index + 2, 0x0D) // r
        case 0x74: return (index + 2, 0x09) // t
        case 0x75: return try unicodeEscape(at: index)
        default: throw invalidEscape(at: index)
        }
    }

    @inline(never)
    func invalidEscape(at index: Int) -> JSONError {
        let byte = base[index + 1]
        if byte > 0x20, byte < 0x7F {
            return error("invalid escape \\\(Character(Unicode.Scalar(byte)))", at: index)
        }
        return error("invalid escape", at: index)
    }

    /// `\uXXXX` at `index`, with a following `\uXXXX` for a surrogate pair.
    @inline(never)
    func unicodeEscape(at index: Int) throws(JSONError) -> (next: Int, scalar: UInt32) {
        guard let unit = hex4(at: index + 2) else {
            throw error("invalid \\u escape: expected 4 hex digits", at: index)
        }
        switch unit {
        case 0xD800...0xDBFF:
            guard index + 7 < count, base[index + 6] == JSONByte.backslash, base[index + 7] == 0x75,
                  let low = hex4(at: index + 8), (0xDC00...0xDFFF).contains(low)
            else {
                throw error("invalid \\u escape: high surrogate \\u\(hex(unit)) is not followed by a low "
                    + "surrogate", at: index)
            }
            return (index + 12, 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
        case 0xDC00...0xDFFF:
            throw error("invalid \\u escape: low surrogate \\u\(hex(unit)) without a high surrogate "
                + "before it", at: index)
        default:
            return (index + 6, unit)
        }
    }

    private func hex(_ unit: UInt32) -> String {
        let text = String(unit, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - text.count)) + text
    }

    /// The value of four hex digits at `index`, `nil` if they are not.
    @inline(__always)
    func hex4(at index: Int) -> UInt32? {
        guard index + 4 <= count else { return nil }
        var value: UInt32 = 0
        for offset in 0..<4 {
            let byte = base[index + offset]
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x41...0x46: digit = byte - 0x41 + 10
            case 0x61...0x66: digit = byte - 0x61 + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// Validates the non-ASCII UTF-8 sequence at `index` and returns the
    /// position after it. Rejects stray continuation bytes, overlong forms,
    /// surrogates, values above U+10FFFF and truncated sequences.
    @inline(__always)
    func utf8Sequence(at index: Int) throws(JSONError) -> Int {
        @inline(__always) func continuation(_ offset: Int) -> Bool {
            index + offset < count && base[index + offset] & 0xC0 == 0x80
        }
        let lead = base[index]
        switch lead {
        case 0xC2...0xDF:
            if continuation(1) { return index + 2 }
        case 0xE0...0xEF:
            if index + 2 < count {
                let second = base[index + 1]
                let valid: Bool
                switch lead {
                case 0xE0: valid = second >= 0xA0 && second <= 0xBF
                case 0xED: valid = second >= 0x80 && second <= 0x9F
                default: valid = second & 0xC0 == 0x80
                }
                if valid, continuation(2) { return index + 3 }
            }
        case 0xF0...0xF4:
            if index + 3 < count {
                let second = base[index + 1]
                let valid: Bool
                switch lead {
                case 0xF0: valid = second >= 0x90 && second <= 0xBF
                case 0xF4: valid = second >= 0x80 && second <= 0x8F
                default: valid = second & 0xC0 == 0x80
                }
                if valid, continuation(2), continuation(3) { return index + 4 }
            }
        default:
            break
        }
        throw error("invalid UTF-8", at: index)
    }
}

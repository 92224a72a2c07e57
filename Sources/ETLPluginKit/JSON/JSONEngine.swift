/// ASCII bytes the scanner looks for.
enum JSONByte {
    static let quote: UInt8 = 0x22          // "
    static let backslash: UInt8 = 0x5C      // \
    static let slash: UInt8 = 0x2F          // /
    static let comma: UInt8 = 0x2C          // ,
    static let colon: UInt8 = 0x3A          // :
    static let minus: UInt8 = 0x2D          // -
    static let plus: UInt8 = 0x2B           // +
    static let dot: UInt8 = 0x2E            // .
    static let zero: UInt8 = 0x30           // 0
    static let openBrace: UInt8 = 0x7B      // {
    static let closeBrace: UInt8 = 0x7D     // }
    static let openBracket: UInt8 = 0x5B    // [
    static let closeBracket: UInt8 = 0x5D   // ]
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let lineFeed: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D

    /// JSON whitespace: space, tab, LF, CR.
    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte <= space && (byte == space || byte == lineFeed || byte == carriageReturn || byte == tab)
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte &- zero < 10 }
}

/// A growable byte buffer that unescaped strings are written into; reused
/// from one document to the next, so that it stops allocating once it has
/// grown to the largest escaped content seen.
struct JSONScratch {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    var count = 0

    init(capacity: Int = 256) {
        self.capacity = max(16, capacity)
        base = .allocate(capacity: self.capacity)
    }

    /// Frees the buffer; the value must not be used afterwards.
    func free() { base.deallocate() }

    @inline(__always)
    mutating func append(_ source: UnsafePointer<UInt8>, count length: Int) {
        if count + length > capacity { grow(count + length) }
        (base + count).update(from: source, count: length)
        count += length
    }

    /// Appends the UTF-8 encoding of `scalar` (a valid scalar value).
    @inline(__always)
    mutating func append(scalar: UInt32) {
        if count + 4 > capacity { grow(count + 4) }
        let out = base + count
        switch scalar {
        case 0..<0x80:
            out[0] = UInt8(scalar)
            count += 1
        case 0x80..<0x800:
            out[0] = UInt8(0xC0 | scalar >> 6)
            out[1] = UInt8(0x80 | scalar & 0x3F)
            count += 2
        case 0x800..<0x10000:
            out[0] = UInt8(0xE0 | scalar >> 12)
            out[1] = UInt8(0x80 | scalar >> 6 & 0x3F)
            out[2] = UInt8(0x80 | scalar & 0x3F)
            count += 3
        default:
            out[0] = UInt8(0xF0 | scalar >> 18)
            out[1] = UInt8(0x80 | scalar >> 12 & 0x3F)
            out[2] = UInt8(0x80 | scalar >> 6 & 0x3F)
            out[3] = UInt8(0x80 | scalar & 0x3F)
            count += 4
        }
    }

    @inline(never)
    private mutating func grow(_ needed: Int) {
        let newCapacity = max(needed, capacity * 2)
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        grown.update(from: base, count: count)
        base.deallocate()
        base = grown
        capacity = newCapacity
    }
}

/// A string found by the engine: its content, either a range of the
/// document (no escapes: zero-copy) or a range of the scratch buffer
/// (escapes undone).
struct ScannedString {
    var start: Int
    var end: Int
    var inScratch: Bool
}

/// The byte-level core that ``JSONObjectScanner``, the validators and
/// ``JSONValue/init(jsonBytes:maxDepth:)`` share: strict RFC 8259 syntax
/// over a buffer of bytes, with no allocation except for growing the
/// scratch buffer.
///
/// It is a value used as a local variable for one document, so that its
/// hot state lives in registers (no class, no exclusivity checks).
struct JSONEngine {
    let base: UnsafePointer<UInt8>
    let count: Int
    var position = 0
    let maxDepth: Int
    /// One byte per open container (1 object, 0 array), `maxDepth` long.
    let stack: UnsafeMutablePointer<UInt8>
    var scratch: JSONScratch

    init(_ document: UnsafeRawBufferPointer, maxDepth: Int, stack: UnsafeMutablePointer<UInt8>,
         scratch: JSONScratch) {
        // An empty buffer may have no base address; nothing is read then.
        base = document.baseAddress?.assumingMemoryBound(to: UInt8.self)
            ?? UnsafePointer(bitPattern: 1)!
        count = document.baseAddress == nil ? 0 : document.count
        self.maxDepth = maxDepth
        self.stack = stack
        self.scratch = scratch
    }

    // MARK: Errors (cold)

    @inline(never)
    func error(_ message: String, at offset: Int) -> JSONError {
        JSONError(.syntax, message, offset: offset, in: UnsafeRawBufferPointer(start: base, count: count))
    }

    /// `message`, or `message, found the end of the document` when
    /// `offset` is the end.
    @inline(never)
    func expected(_ message: String, at offset: Int) -> JSONError {
        error(offset >= count ? message + ", found the end of the document" : message, at: offset)
    }

    @inline(never)
    func notAnObject(_ kind: JSONValueKind, at offset: Int) -> JSONError {
        JSONError(.notAnObject(found: kind), "expected a JSON object, found \(kind.foundDescription)",
                  offset: offset, in: UnsafeRawBufferPointer(start: base, count: count))
    }

    /// The error for a byte where a value should start.
    @inline(never)
    func unexpectedValue(at offset: Int) -> JSONError {
        guard offset < count else { return expected("expected a value", at: offset) }
        switch base[offset] {
        case 0x4E, 0x49: // N(aN), I(nfinity)
            return error("expected a value (NaN and Infinity are not JSON numbers)", at: offset)
        case 0x61...0x7A, 0x41...0x5A: // a letter: a misspelled literal
            return error("invalid literal; expected true, false or null", at: offset)
        case 0xEF where offset + 2 < count && base[offset + 1] == 0xBB && base[offset + 2] == 0xBF:
            return error("expected a value, found a byte order mark (U+FEFF)", at: offset)
        default:
            return error("expected a value", at: offset)
        }
    }

    // MARK: Whitespace

    @inline(__always)
    mutating func skipWhitespace() {
        while position < count {
            let byte = base[position]
            if byte > JSONByte.space || !JSONByte.isWhitespace(byte) { return }
            position += 1
        }
    }

    /// Skips whitespace and throws unless the document ends there.
    mutating func expectEnd() throws(JSONError) {
        skipWhitespace()
        if position < count { throw error("trailing characters after the document", at: position) }
    }

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

    // MARK: Values

    /// Validates the value at `position` (whitespace already skipped) and
    /// moves past it. `depth` is the number of containers open around it.
    mutating func skipValue(depth: Int) throws(JSONError) -> JSONValueKind {
        guard position < count else { throw unexpectedValue(at: position) }
        switch base[position] {
        case JSONByte.quote:
            _ = try skipString()
            return .string
        case JSONByte.openBrace:
            try skipContainer(depth: depth)
            return .object
        case JSONByte.openBracket:
            try skipContainer(depth: depth)
            return .array
        case JSONByte.minus, 0x30...0x39:
            _ = try number(classify: false)
            return .number
        case 0x74, 0x66, 0x6E:
            return try literal()
        default:
            throw unexpectedValue(at: position)
        }
    }

    /// Opens the container at `position`: checks the depth, records its
    /// kind and moves past the bracket.
    @inline(__always)
    mutating func open(_ depth: inout Int) throws(JSONError) {
        guard depth < maxDepth else { throw error("nesting deeper than \(maxDepth)", at: position) }
        stack[depth] = base[position] == JSONByte.openBrace ? 1 : 0
        depth += 1
        position += 1
    }

    /// Expects an object key at `position` (whitespace skipped), validates
    /// it and the colon after it, and skips the whitespace that follows.
    @inline(__always)
    mutating func skipKey(afterComma: Bool) throws(JSONError) {
        guard position < count, base[position] == JSONByte.quote else {
            throw expected(afterComma ? "expected a string key after ','" : "expected a string key or '}'",
                           at: position)
        }
        _ = try skipString()
        try colon()
    }

    /// Expects `:` after a key (whitespace skipped before and after).
    @inline(__always)
    mutating func colon() throws(JSONError) {
        skipWhitespace()
        guard position < count, base[position] == JSONByte.colon else {
            throw expected("expected ':' after an object key", at: position)
        }
        position += 1
        skipWhitespace()
    }

    /// Validates the object or array at `position` and everything nested
    /// in it, iteratively (no recursion, whatever the depth), and moves
    /// past its closing bracket. `outer` containers are open around it.
    mutating func skipContainer(depth outer: Int) throws(JSONError) {
        var depth = outer
        try open(&depth)
        var justOpened = true
        while true {
            skipWhitespace()
            let isObject = stack[depth - 1] == 1
            if justOpened {
                if position < count, base[position] == (isObject ? JSONByte.closeBrace : JSONByte.closeBracket) {
                    position += 1
                    depth -= 1
                    if depth == outer { return }
                    justOpened = false
                    continue
                }
                if isObject { try skipKey(afterComma: false) }
            } else {
                guard position < count else {
                    throw expected(isObject ? "expected ',' or '}' after an object member"
                        : "expected ',' or ']' after an array element", at: position)
                }
                let byte = base[position]
                if byte == JSONByte.comma {
                    position += 1
                    skipWhitespace()
                    if isObject { try skipKey(afterComma: true) }
                } else if byte == (isObject ? JSONByte.closeBrace : JSONByte.closeBracket) {
                    position += 1
                    depth -= 1
                    if depth == outer { return }
                    continue
                } else {
                    throw error(isObject ? "expected ',' or '}' after an object member"
                        : "expected ',' or ']' after an array element", at: position)
                }
            }
            // A value.
            guard position < count else { throw unexpectedValue(at: position) }
            switch base[position] {
            case JSONByte.openBrace, JSONByte.openBracket:
                try open(&depth)
                justOpened = true
                continue
            case JSONByte.quote:
                _ = try skipString()
            case JSONByte.minus, 0x30...0x39:
                _ = try number(classify: false)
            case 0x74, 0x66, 0x6E:
                _ = try literal()
            default:
                throw unexpectedValue(at: position)
            }
            justOpened = false
        }
    }

    /// Validates a whole document holding any value; returns its kind.
    mutating func validateDocument() throws(JSONError) -> JSONValueKind {
        skipWhitespace()
        guard position < count else { throw error("the document is empty", at: position) }
        let kind = try skipValue(depth: 0)
        try expectEnd()
        return kind
    }

    /// For a document that does not start with `{`: validates it as any
    /// value and throws ``JSONError/Kind/notAnObject(found:)`` if it is
    /// valid, or the syntax error if it is not.
    mutating func refuseNonObject() throws(JSONError) -> Never {
        guard position < count else { throw error("the document is empty", at: position) }
        let start = position
        let kind = try skipValue(depth: 0)
        try expectEnd()
        throw notAnObject(kind, at: start)
    }
}

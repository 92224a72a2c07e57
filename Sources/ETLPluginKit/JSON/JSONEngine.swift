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

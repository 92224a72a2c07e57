extension JSONValue {
    /// Parses one JSON document strictly (RFC 8259) with the kit's
    /// scanner: the same syntax and messages as ``JSONObjectScanner``,
    /// without Foundation. Meant for configs, catalogs, states and API
    /// responses, not for millions of records (use the scanner for those).
    ///
    /// Numbers without fraction or exponent that fit become
    /// ``JSONValue/integer(_:)``, all others ``JSONValue/number(_:)``
    /// (big integers approximated); a number beyond the range of a double
    /// (`1E400`) is refused, since a ``JSONValue`` cannot hold it. A
    /// duplicate key keeps its last value.
    ///
    /// ```swift
    /// let state = try JSONValue(jsonText: #"{"cursor": "2024-05-01", "page": 3}"#)
    /// state["page"]            // .integer(3)
    /// ```
    ///
    /// - Parameter maxDepth: the deepest nesting accepted.
    /// - Throws: ``JSONError`` with the line and column of the problem.
    public init(jsonText text: String, maxDepth: Int = JSONObjectScanner.defaultMaxDepth) throws(JSONError) {
        var text = text
        let result = text.withUTF8 { bytes in
            Result { () throws(JSONError) in
                try JSONValue(jsonBytes: UnsafeRawBufferPointer(bytes), maxDepth: maxDepth)
            }
        }
        self = try result.get()
    }

    /// Parses one JSON document from its UTF-8 bytes; see
    /// ``init(jsonText:maxDepth:)``.
    public init(jsonBytes bytes: UnsafeRawBufferPointer,
                maxDepth: Int = JSONObjectScanner.defaultMaxDepth) throws(JSONError) {
        let depth = max(1, maxDepth)
        let stack = UnsafeMutablePointer<UInt8>.allocate(capacity: depth)
        defer { stack.deallocate() }
        var engine = JSONEngine(bytes, maxDepth: depth, stack: stack, scratch: JSONScratch(capacity: 64))
        defer { engine.scratch.free() }
        self = try JSONValueBuilder.parse(&engine)
    }
}

/// Builds a ``JSONValue`` from the engine's tokens, iteratively (explicit
/// stacks), so that deep documents cannot overflow the thread's stack.
enum JSONValueBuilder {
    static func parse(_ engine: inout JSONEngine) throws(JSONError) -> JSONValue {
        engine.skipWhitespace()
        guard engine.position < engine.count else { throw engine.error("the document is empty", at: engine.position) }
        // One entry per open container: true for an object.
        var isObjectStack: [Bool] = []
        var arrays: [[JSONValue]] = []
        var objects: [[String: JSONValue]] = []
        var keys: [String] = []
        var value: JSONValue
        parsing: while true {
            // A value starts at `position`.
            guard engine.position < engine.count else { throw engine.unexpectedValue(at: engine.position) }
            let start = engine.position
            switch engine.base[start] {
            case JSONByte.openBrace, JSONByte.openBracket:
                guard isObjectStack.count < engine.maxDepth else {
                    throw engine.error("nesting deeper than \(engine.maxDepth)", at: start)
                }
                let isObject = engine.base[start] == JSONByte.openBrace
                engine.position += 1
                engine.skipWhitespace()
                if engine.position < engine.count,
                   engine.base[engine.position] == (isObject ? JSONByte.closeBrace : JSONByte.closeBracket) {
                    engine.position += 1
                    value = isObject ? .object([:]) : .array([])
                } else {
                    isObjectStack.append(isObject)
                    if isObject {
                        objects.append([:])
                        keys.append(try key(&engine, afterComma: false))
                    } else {
                        arrays.append([])
                    }
                    continue parsing
                }
            case JSONByte.quote:
                value = .string(try string(&engine))
            case JSONByte.minus, 0x30...0x39:
                let (kind, integer) = try engine.number(classify: true)
                let text = UnsafeRawBufferPointer(start: engine.base + start, count: engine.position - start)
                switch kind {
                case .int64: value = .integer(integer)
                case .double, .bigInteger: value = .number(JSONNumberParser.double(text))
                case .outOfRange: throw engine.error("number too large for a 64-bit float", at: start)
                }
            case 0x74, 0x66, 0x6E:
                switch try engine.literal() {
                case .true: value = .bool(true)
                case .false: value = .bool(false)
                default: value = .null
                }
            default:
                throw engine.unexpectedValue(at: start)
            }
            // `value` is complete: add it to its container, closing those
            // that end here.
            while true {
                guard let isObject = isObjectStack.last else {
                    try engine.expectEnd()
                    return value
                }
                if isObject {
                    objects[objects.count - 1][keys.removeLast()] = value
                } else {
                    arrays[arrays.count - 1].append(value)
                }
                engine.skipWhitespace()
                let message = isObject ? "expected ',' or '}' after an object member"
                    : "expected ',' or ']' after an array element"
                guard engine.position < engine.count else { throw engine.expected(message, at: engine.position) }
                let byte = engine.base[engine.position]
                if byte == JSONByte.comma {
                    engine.position += 1
                    engine.skipWhitespace()
                    if isObject { keys.append(try key(&engine, afterComma: true)) }
                    continue parsing
                }
                guard byte == (isObject ? JSONByte.closeBrace : JSONByte.closeBracket) else {
                    throw engine.error(message, at: engine.position)
                }
                engine.position += 1
                isObjectStack.removeLast()
                value = isObject ? .object(objects.removeLast()) : .array(arrays.removeLast())
            }
        }
    }

    /// Reads a key and its colon (whitespace before the key skipped).
    private static func key(_ engine: inout JSONEngine, afterComma: Bool) throws(JSONError) -> String {
        guard engine.position < engine.count, engine.base[engine.position] == JSONByte.quote else {
            throw engine.expected(afterComma ? "expected a string key after ','" : "expected a string key or '}'",
                                  at: engine.position)
        }
        let key = try string(&engine)
        try engine.colon()
        return key
    }

    /// Reads a string into a `String`, emptying the scratch buffer again.
    private static func string(_ engine: inout JSONEngine) throws(JSONError) -> String {
        let scanned = try engine.readString()
        let base = scanned.inScratch ? UnsafePointer(engine.scratch.base) : engine.base
        let text = String(decoding: UnsafeBufferPointer(start: base + scanned.start, count: scanned.end - scanned.start),
                          as: UTF8.self)
        engine.scratch.count = 0
        return text
    }
}

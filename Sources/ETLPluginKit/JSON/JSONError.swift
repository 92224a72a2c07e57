/// Why a JSON document was refused, and where: the byte offset, and the
/// line and column computed from it.
///
/// Messages are fixed texts that never quote the document's values
/// (which may be secrets or personal data), at most a syntax character:
///
/// - `"expected ',' or '}' after an object member"`
/// - `"expected ',' or ']' after an array element"`
/// - `"expected a string key or '}'"`, `"expected a string key after ','"`,
///   `"expected ':' after an object key"`, `"expected a value"`
/// - `"invalid literal; expected true, false or null"`
/// - `"unterminated string"` (at the opening quote), `"invalid escape \x"`,
///   `"invalid \u escape: expected 4 hex digits"`,
///   `"invalid \u escape: high surrogate \uD83D is not followed by a low
///   surrogate"`, `"invalid \u escape: low surrogate \uDC00 without a high
///   surrogate before it"`, `"unescaped control character U+000A in a
///   string"`, `"invalid UTF-8"`
/// - `"invalid number: leading zeros are not allowed"`, `"invalid number:
///   expected a digit after '-'"` (and after the decimal point, in the
///   exponent), `"invalid number: unexpected 'x'"`
/// - `"trailing characters after the document"`, `"nesting deeper than
///   512"`, `"the document is empty"`, `"duplicate key"` (only with
///   ``JSONObjectScanner/DuplicateKeyPolicy/reject``)
/// - `"expected a JSON object, found an array"` (``Kind/notAnObject(found:)``:
///   the document is valid JSON, but not an object)
/// - from ``JSONObjectScanner/stringContent(_:)``: `"expected a JSON string"`,
///   `"expected the end of the value after the string"`
///
/// When the document ends where more was expected, the message ends with
/// `", found the end of the document"`.
///
/// ```swift
/// do {
///     _ = try scanner.scan(line)
/// } catch {
///     print("events.jsonl line 12, column \(error.column): \(error.message)")
/// }
/// ```
public struct JSONError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of refusal this is.
    public enum Kind: Sendable, Hashable {
        /// The text is not valid JSON (RFC 8259), or breaks a limit
        /// (nesting depth) or a policy (duplicate keys).
        case syntax
        /// The text is a valid JSON document, but not the object that was
        /// required; ``JSONError/offset`` is where the value starts.
        case notAnObject(found: JSONValueKind)
    }

    /// What kind of refusal this is.
    public let kind: Kind
    /// What is wrong, e.g. `"expected ':' after an object key"`.
    public let message: String
    /// The 0-based byte offset in the document where the problem is.
    public let offset: Int
    /// The 1-based line of ``offset`` (lines end with LF).
    public let line: Int
    /// The 1-based column of ``offset``, counted in Unicode characters
    /// (scalars) from the start of its line; one past the last character
    /// when the document ended early.
    public let column: Int

    /// Creates an error at `offset` of `document`, computing its line and
    /// column. The bytes before `offset` must be valid UTF-8 (the scanner
    /// stops at the first invalid byte).
    init(_ kind: Kind, _ message: String, offset: Int, in document: UnsafeRawBufferPointer) {
        self.kind = kind
        self.message = message
        self.offset = offset
        var line = 1
        var lineStart = 0
        var column = 1
        let end = min(offset, document.count)
        for index in 0..<end {
            let byte = document[index]
            if byte == 0x0A {
                line += 1
                lineStart = index + 1
            }
        }
        for index in lineStart..<end where document[index] & 0xC0 != 0x80 {
            column += 1
        }
        self.line = line
        self.column = column
    }

    /// Creates an error with its position given (tests, conversions).
    public init(_ kind: Kind = .syntax, _ message: String, offset: Int, line: Int, column: Int) {
        self.kind = kind
        self.message = message
        self.offset = offset
        self.line = line
        self.column = column
    }

    /// `"line 3, column 7: <message>"`.
    public var description: String { "line \(line), column \(column): \(message)" }

    /// The error as a ``PluginError/Code/data`` error about `source` (a
    /// file name, `"the config"`): `"<source> line 3, column 7: <message>"`.
    public func pluginError(in source: String) -> PluginError {
        PluginError.data("\(source) line \(line), column \(column): \(message)")
    }
}

import ETLPluginKit
#if canImport(Glibc)
import Glibc
#endif

/// Reads the values of a member column (`etl.member = 1`, ABI 1.4): a utf8
/// column whose values are one top-level member of the stream's records
/// each, as JSON text byte for byte (the JSON Lines plugin's batches). A
/// value's kind is its JSON kind, the one ``RecordFlattener`` gives the
/// same member: `"..."` a string (its content, escapes undone),
/// `true`/`false` a boolean, `{...}`/`[...]` nested JSON (the text as it
/// is), `null` missing, a number its text.
///
/// The plugin validated each value when it scanned the record; the checks
/// here are the cheap ones (the first and last byte, the literals, a
/// string's escapes when it has any). A value that fails them is the
/// extractor's bug, reported as such (``Failure/error(plugin:stream:column:row:)``:
/// `.pluginFailed`, exit 2) with the row and column, never the value;
/// `etl-host plugins test` checks every value of a member column fully.
///
/// The hot path holds no reference and takes no closure (no retain per
/// cell): the caller owns the scanner that undoes escapes and names the
/// place of a failure.
///
/// ```swift
/// let strings = JSONObjectScanner()
/// guard let (kind, bytes) = MemberToken.cell(value, strings: strings) else {
///     throw MemberToken.failure(of: value, strings: strings).error(stream: "events", column: "n", row: 12)
/// }
/// if kind != .null { inference.observe(kind, bytes) }
/// ```
enum MemberToken {
    /// Why a value is not the JSON text of a member.
    struct Failure: Error {
        /// What the value is instead, e.g. "a string without its closing quote".
        let what: String

        /// The host's error for the value in `row` (1-based) of `column`,
        /// sent by `plugin` when known.
        func error(plugin: String? = nil, stream: String, column: String, row: Int) -> HostError {
            let location = "row \(row), column '\(column)'"
            return HostError(.pluginFailed, (plugin.map { "plugin '\($0)': " } ?? "") + "stream '\(stream)' \(location): the member "
                + "column (etl.member) holds \(what), not the JSON text of a member; this is a bug of the extractor (`etl-host "
                + "plugins test` checks every value)", plugin: plugin, stream: stream, location: location)
        }
    }

    /// The cell of `token`: its kind and bytes, or `nil` when the token is
    /// not JSON text (``failure(of:strings:)`` says why). The bytes are
    /// `token` or a part of it, except for a string with escapes, whose
    /// content is in the scratch buffer of `strings` until its next use.
    @inline(__always)
    static func cell(_ token: UnsafeRawBufferPointer, strings: JSONObjectScanner)
        -> (kind: CellKind, bytes: UnsafeRawBufferPointer)? {
        let count = token.count
        guard count > 0 else { return nil }
        let last = token[count - 1]
        switch token[0] {
        case UInt8(ascii: "\""):
            guard count >= 2, last == UInt8(ascii: "\"") else { return nil }
            let content = UnsafeRawBufferPointer(rebasing: token[1 ..< count - 1])
            if !hasBackslash(content) { return (.string, content) }
            return unescaped(token, strings: strings).map { (.string, $0) }
        case UInt8(ascii: "t"):
            return equals(token, "true") ? (.boolean, token) : nil
        case UInt8(ascii: "f"):
            return equals(token, "false") ? (.boolean, token) : nil
        case UInt8(ascii: "n"):
            return equals(token, "null") ? (.null, UnsafeRawBufferPointer(start: nil, count: 0)) : nil
        case UInt8(ascii: "{"):
            return last == UInt8(ascii: "}") ? (.json, token) : nil
        case UInt8(ascii: "["):
            return last == UInt8(ascii: "]") ? (.json, token) : nil
        case UInt8(ascii: "-"), UInt8(ascii: "0") ... UInt8(ascii: "9"):
            return last >= UInt8(ascii: "0") && last <= UInt8(ascii: "9") ? (.number, token) : nil
        default:
            return nil
        }
    }

    /// Why ``cell(_:strings:)`` refused `token` (the cold path).
    @inline(never)
    static func failure(of token: UnsafeRawBufferPointer, strings: JSONObjectScanner) -> Failure {
        guard let first = token.first else { return Failure(what: "an empty value") }
        let last = token[token.count - 1]
        switch first {
        case UInt8(ascii: "\""):
            guard token.count >= 2, last == UInt8(ascii: "\"") else { return Failure(what: "a string without its closing quote") }
            do {
                _ = try strings.stringContent(token)
                return Failure(what: "a string that is not valid JSON")
            } catch {
                return Failure(what: "a string that is not valid JSON (\(error.message))")
            }
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            return Failure(what: "a word that is not true, false or null")
        case UInt8(ascii: "{"):
            return Failure(what: "an object without its closing brace")
        case UInt8(ascii: "["):
            return Failure(what: "an array without its closing bracket")
        case UInt8(ascii: "-"), UInt8(ascii: "0") ... UInt8(ascii: "9"):
            return Failure(what: "a number that does not end in a digit")
        default:
            return Failure(what: "a value that does not start as a JSON value does")
        }
    }

    /// The content of an escaped string (the slow path: a `\` in it), or
    /// `nil` when it is not a valid JSON string.
    @inline(never)
    private static func unescaped(_ token: UnsafeRawBufferPointer, strings: JSONObjectScanner) -> UnsafeRawBufferPointer? {
        try? strings.stringContent(token)
    }

    /// Whether `bytes` hold a `\`: a loop for short strings (most
    /// values), where a call to memchr costs more than the search.
    @inline(__always)
    private static func hasBackslash(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 32 else {
            for byte in bytes where byte == 0x5C { return true }
            return false
        }
        return memchr(bytes.baseAddress!, 0x5C, bytes.count) != nil
    }

    @inline(__always)
    private static func equals(_ token: UnsafeRawBufferPointer, _ word: StaticString) -> Bool {
        token.count == word.utf8CodeUnitCount && memcmp(token.baseAddress!, word.utf8Start, token.count) == 0
    }
}

import ETLPluginKit
#if canImport(Glibc)
import Glibc
#endif

/// PROTOTYPE (bench/ONE_SCAN_PLAN.md): the cells of a member column
/// (`etl.member = 1`): a utf8 column whose values are one top-level member
/// of a stream's records each, as JSON text byte for byte (the JSON Lines
/// plugin's one-scan batches). A value's kind is its JSON kind, as
/// ``RecordFlattener`` gives it for the same member: `"..."` a string
/// (its content with escapes undone), `true`/`false` a boolean, `{`/`[`
/// nested JSON (the text), `null` missing, anything else a number (the text).
struct MemberToken {
    /// The field metadata key of a member column.
    static let metadataKey = "etl.member"

    /// Whether `field` is a member column.
    static func isMember(_ field: ArrowField) -> Bool {
        field.type == .utf8 && field.metadata[metadataKey] == "1"
    }

    /// Holds an escaped string's content while it is read.
    private var scratch: [UInt8] = []

    /// Calls `body` with the cell of `token`: its kind and bytes (valid
    /// during the call only).
    ///
    /// - Throws: `.badData` for a value that is not JSON (a plugin's bug).
    @inline(__always)
    mutating func cell<R>(_ token: UnsafeRawBufferPointer, stream: String,
                          _ body: (CellKind, UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard let first = token.first else { throw Self.notJSON(stream: stream) }
        switch first {
        case UInt8(ascii: "\""):
            guard token.count >= 2, token[token.count - 1] == UInt8(ascii: "\"") else { throw Self.notJSON(stream: stream) }
            let content = UnsafeRawBufferPointer(rebasing: token[1 ..< token.count - 1])
            if content.isEmpty || memchr(content.baseAddress!, 0x5C, content.count) == nil {
                return try body(.string, content)
            }
            guard case .string(let text)? = try? JSONValue(jsonBytes: token) else { throw Self.notJSON(stream: stream) }
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: text.utf8)
            return try scratch.withUnsafeBytes { try body(.string, $0) }
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            return try body(.boolean, token)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            return try body(.json, token)
        case UInt8(ascii: "n"):
            return try body(.null, UnsafeRawBufferPointer(start: nil, count: 0))
        default:
            return try body(.number, token)
        }
    }

    private static func notJSON(stream: String) -> HostError {
        HostError(.badData, "stream '\(stream)': a member column (etl.member) holds a value that is not JSON text")
    }
}

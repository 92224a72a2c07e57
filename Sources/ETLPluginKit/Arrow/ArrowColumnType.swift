/// The column types of ABI v1, with their Arrow format strings.
///
/// ```swift
/// ArrowColumnType.int64.format                  // "l"
/// ArrowColumnType(format: "tsu:UTC")            // .timestampMicrosecondsUTC
/// ```
public enum ArrowColumnType: Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// `"b"`: booleans, bit-packed.
    case bool
    /// `"l"`: signed 64-bit integers.
    case int64
    /// `"g"`: IEEE 754 doubles.
    case float64
    /// `"u"`: UTF-8 text with int32 offsets.
    case utf8
    /// `"z"`: bytes with int32 offsets.
    case binary
    /// `"tdD"`: days since 1970-01-01, int32.
    case date32
    /// `"tsu:UTC"`: microseconds since the Unix epoch, UTC, int64.
    case timestampMicrosecondsUTC
    /// `"n"`: every value missing; no buffers.
    case null

    /// The Arrow C Data Interface format string.
    public var format: String {
        switch self {
        case .bool: "b"
        case .int64: "l"
        case .float64: "g"
        case .utf8: "u"
        case .binary: "z"
        case .date32: "tdD"
        case .timestampMicrosecondsUTC: "tsu:UTC"
        case .null: "n"
        }
    }

    /// The type for a v1 format string, or `nil` for any other format.
    public init?(format: String) {
        guard let type = ArrowColumnType.allCases.first(where: { $0.format == format }) else {
            return nil
        }
        self = type
    }

    /// The format strings of ABI v1, for error messages.
    public static let formatList: String = allCases.map { "\"\($0.format)\"" }.joined(separator: ", ")

    /// The number of buffers an array of this type has (`n_buffers`).
    public var bufferCount: Int {
        switch self {
        case .null: 0
        case .utf8, .binary: 3
        default: 2
        }
    }

    /// The width in bytes of one value for fixed-width types, `nil` for
    /// booleans (bits), variable-width and null types.
    public var valueWidth: Int? {
        switch self {
        case .int64, .float64, .timestampMicrosecondsUTC: 8
        case .date32: 4
        case .bool, .utf8, .binary, .null: nil
        }
    }

    /// A readable name, e.g. `"utf8"`, `"timestamp[us, UTC]"`.
    public var description: String {
        switch self {
        case .bool: "bool"
        case .int64: "int64"
        case .float64: "float64"
        case .utf8: "utf8"
        case .binary: "binary"
        case .date32: "date32"
        case .timestampMicrosecondsUTC: "timestamp[us, UTC]"
        case .null: "null"
        }
    }
}

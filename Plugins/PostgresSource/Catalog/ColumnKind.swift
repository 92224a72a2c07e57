import ETLPluginKit
import ETLPostgresShared

/// How one column of a PostgreSQL result is read from the binary COPY and
/// what it becomes in the batches (see README.md, "Type mapping").
enum ColumnKind: Equatable {
    /// `boolean` -> bool.
    case boolean
    /// `smallint`, `integer`, `bigint`, `oid` (2, 4 or 8 bytes; `oid` is
    /// unsigned) -> int64.
    case integer(bytes: Int, unsigned: Bool)
    /// `double precision` -> float64. `real` is selected as
    /// `::text::float8`, so 1.1 stays 1.1 (not 1.100000023841858).
    case double
    /// `numeric(p,s)` -> utf8 with `etl.decimal = p,s`; unconstrained
    /// `numeric` (no scale to keep) -> utf8 text.
    case numeric(precision: Int, scale: Int)
    /// `numeric` without a precision -> utf8 text, exact.
    case unconstrainedNumeric
    /// `text`, `varchar`, `char`, `name` and everything selected `::text`
    /// (time, interval, enums, ranges, xml, ...) -> utf8.
    case text
    /// `json` -> utf8 with `arrow.json`.
    case json
    /// `jsonb` (a version byte, then the text) -> utf8 with `arrow.json`.
    case jsonb
    /// Arrays, selected as `array_to_json(...)::text` -> utf8 with
    /// `arrow.json` (`{}` becomes `[]`).
    case array
    /// `date` -> date32.
    case date
    /// `timestamp` (read as UTC) and `timestamptz` -> timestamp[us, UTC].
    case timestamp
    /// `uuid` -> utf8, `8-4-4-4-12` lowercase hex.
    case uuid
    /// `bytea` -> binary.
    case bytea

    /// The kind for a result column of type `oid` with modifier
    /// `modifier`; `isArray` when the type's category is `A`.
    init(typeOID oid: UInt32, modifier: Int32, isArray: Bool) {
        switch oid {
        case 16: self = .boolean
        case 21: self = .integer(bytes: 2, unsigned: false)
        case 23: self = .integer(bytes: 4, unsigned: false)
        case 20: self = .integer(bytes: 8, unsigned: false)
        case 26: self = .integer(bytes: 4, unsigned: true)
        case 700, 701: self = .double
        case 1700:
            let packed = modifier - 4
            let precision = Int((packed >> 16) & 0xFFFF)
            let scale = Int(packed & 0x7FF)
            self = modifier >= 4 && precision > 0 && scale <= precision
                ? .numeric(precision: precision, scale: scale) : .unconstrainedNumeric
        case 114: self = .json
        case 3802: self = .jsonb
        case 1082: self = .date
        case 1114, 1184: self = .timestamp
        case 2950: self = .uuid
        case 17: self = .bytea
        default: self = isArray ? .array : .text
        }
    }

    /// The select-list expression that reads column `quotedName` in the
    /// form ``append(_:to:)`` decodes.
    func selectExpression(_ quotedName: String, sourceOID oid: UInt32) -> String {
        switch self {
        case .double where oid == 700: "(\(quotedName))::text::float8"
        case .array: "array_to_json(\(quotedName))::text"
        case .text where ![25, 1043, 1042, 19].contains(oid): "(\(quotedName))::text"
        default: quotedName
        }
    }

    /// The Arrow field the column becomes.
    func field(named name: String) -> ArrowField {
        switch self {
        case .boolean: ArrowField(name, .bool)
        case .integer: ArrowField(name, .int64)
        case .double: ArrowField(name, .float64)
        case .numeric(let precision, let scale): ArrowField(name, .utf8, annotation: .decimal(precision: precision, scale: scale))
        case .unconstrainedNumeric, .text, .uuid: ArrowField(name, .utf8)
        case .json, .jsonb, .array: ArrowField(name, .utf8, annotation: .json)
        case .date: ArrowField(name, .date32)
        case .timestamp: ArrowField(name, .timestampMicrosecondsUTC)
        case .bytea: ArrowField(name, .binary)
        }
    }

    /// The catalog's type hint for the column.
    var hint: FieldTypeHint {
        switch self {
        case .boolean: .boolean
        case .integer: .integer
        case .double: .number
        case .numeric: .decimal
        case .unconstrainedNumeric, .text, .uuid: .string
        case .json, .jsonb, .array: .json
        case .date: .date
        case .timestamp: .timestamp
        case .bytea: .binary
        }
    }
}

import ETLPluginKit

/// How a query's result column reaches the host: the v1 Arrow type its
/// PostgreSQL type maps to, and how its text values (the server's output
/// with `DateStyle = ISO`, `TimeZone = UTC`, `extra_float_digits = 1`,
/// `bytea_output = hex`) become Arrow values.
///
/// | PostgreSQL (type OID)                          | Arrow                                   |
/// |------------------------------------------------|-----------------------------------------|
/// | `smallint`, `integer`, `bigint`                | `int64`                                 |
/// | `real`, `double precision`                     | `float64` (a `real` widened exactly)    |
/// | `numeric`, `numeric(p,s)`                      | `utf8` + `etl.decimal` (p,s; else 38,9) |
/// | `boolean`                                      | `bool`                                  |
/// | `text`, `varchar`, `char(n)`, `name`           | `utf8`                                  |
/// | `bytea`                                        | `binary`                                |
/// | `date`                                         | `date32`                                |
/// | `timestamp with time zone`                     | `timestamp[us, UTC]`                    |
/// | `timestamp` (without time zone)                | `timestamp[us, UTC]` (the wall clock read as UTC, as `table_schema` maps it) |
/// | `json`, `jsonb`                                | `utf8` + `arrow.json`                   |
/// | anything else (uuid, interval, arrays, ...)    | `utf8` (PostgreSQL's text) + `etl.source_type` |
///
/// Values no Arrow value holds are refused, never approximated: the dates
/// and timestamps `infinity` and `-infinity`, and timestamps beyond what
/// microseconds since 1970 in 64 bits hold (after 294247 AD).
///
/// Related PostgreSQL source: src/include/catalog/pg_type.dat (the OIDs).
enum QueryColumn: Equatable {
    case integer
    case double
    /// `real`: parsed as a 32-bit float, so that the double is the stored
    /// value exactly (`1.1` is 1.100000023841858).
    case float
    case decimal(precision: Int, scale: Int)
    case boolean
    case text
    case bytea
    case date
    case timestamp
    case json
    /// A type without a v1 Arrow type, delivered as text and named by
    /// `format_type()`, e.g. `uuid`, `integer[]`.
    case other(typeName: String)

    /// The column for a result column of type `oid` with type modifier
    /// `modifier` (`PQftype`, `PQfmod`), or `nil` when the type has no v1
    /// Arrow type (the caller then asks the server for its name).
    init?(oid: UInt32, modifier: Int32) {
        switch oid {
        case 20, 21, 23: self = .integer
        case 700: self = .float
        case 701: self = .double
        case 1700: self = Self.numeric(modifier: modifier)
        case 16: self = .boolean
        case 19, 25, 1042, 1043: self = .text
        case 17: self = .bytea
        case 1082: self = .date
        case 1114, 1184: self = .timestamp
        case 114, 3802: self = .json
        default: return nil
        }
    }

    /// A `numeric` column's precision and scale from its type modifier
    /// (`((p << 16) | s) + 4`; -1 without one); the host's nominal 38,9
    /// for plain `numeric`, and for a scale the annotation cannot state
    /// (negative, or beyond the precision, as PostgreSQL 15 allows).
    static func numeric(modifier: Int32) -> QueryColumn {
        guard modifier >= 4 else { return .decimal(precision: PGType.nominalPrecision, scale: PGType.nominalScale) }
        let packed = Int(modifier) - 4
        let precision = (packed >> 16) & 0xFFFF
        let scale = ((packed & 0x7FF) ^ 1024) - 1024
        guard precision > 0, scale >= 0, scale <= precision else {
            return .decimal(precision: PGType.nominalPrecision, scale: PGType.nominalScale)
        }
        return .decimal(precision: precision, scale: scale)
    }

    /// The Arrow field of a column called `name`.
    func arrowField(named name: String) -> ArrowField {
        switch self {
        case .integer: ArrowField(name, .int64)
        case .double, .float: ArrowField(name, .float64)
        case .decimal(let precision, let scale):
            ArrowField(name, .utf8, annotation: .decimal(precision: precision, scale: scale))
        case .boolean: ArrowField(name, .bool)
        case .text: ArrowField(name, .utf8)
        case .bytea: ArrowField(name, .binary)
        case .date: ArrowField(name, .date32)
        case .timestamp: ArrowField(name, .timestampMicrosecondsUTC)
        case .json: ArrowField(name, .utf8, annotation: .json)
        case .other(let typeName): ArrowField(name, .utf8, metadata: [Self.sourceTypeKey: typeName])
        }
    }

    /// The field metadata key naming the warehouse type of a column
    /// returned as text (`ETL_METADATA_SOURCE_TYPE` in etl_plugin.h).
    static let sourceTypeKey = "etl.source_type"

    /// Appends the server's text `value` of this column to `builder`.
    ///
    /// - Throws: a description of why the value has no Arrow value (the
    ///   caller names the row and column); the text itself is never quoted
    ///   unless it is one of PostgreSQL's special values.
    func append(_ value: UnsafeRawBufferPointer, to builder: ArrowBatchBuilder) throws(QueryValueFailure) {
        switch self {
        case .integer:
            guard let number = PGText.integer(value) else { throw .unreadable("an integer") }
            builder.append(number)
        case .double:
            guard let number = Double(PGText.string(value)) else { throw .unreadable("a double") }
            builder.append(number)
        case .float:
            guard let number = Float(PGText.string(value)) else { throw .unreadable("a real") }
            builder.append(Double(number))
        case .boolean:
            guard value.count == 1, value[0] == UInt8(ascii: "t") || value[0] == UInt8(ascii: "f") else {
                throw .unreadable("a boolean")
            }
            builder.append(value[0] == UInt8(ascii: "t"))
        case .bytea:
            guard let bytes = PGText.hexBytes(value) else { throw .unreadable("bytea in hex") }
            builder.appendBinary(bytes)
        case .date:
            builder.appendDate32(daysSinceEpoch: try PGText.date(value))
        case .timestamp:
            builder.appendTimestamp(microsecondsSinceEpoch: try PGText.timestamp(value))
        case .decimal, .text, .json, .other:
            builder.appendUTF8(value)
        }
    }
}

/// Why a value of a query's result has no Arrow value of its column's type.
enum QueryValueFailure: Error, Equatable {
    /// `infinity` or `-infinity`, which no date32 or timestamp holds.
    case infinite(String)
    /// A timestamp beyond what microseconds since 1970 in 64 bits hold.
    case outOfRange
    /// Text that is not what the type's output looks like (a server
    /// setting the plugin does not expect).
    case unreadable(String)

    /// The reason, for a message that names the row and column.
    var reason: String {
        switch self {
        case .infinite(let special):
            "'\(special)' has no value in the column's Arrow type; CAST the column AS text to read it"
        case .outOfRange:
            "the timestamp is beyond what the Arrow type holds (microseconds since 1970 in 64 bits: up to "
                + "294247-01-10); CAST the column AS text to read it"
        case .unreadable(let type):
            "the server's text is not \(type) as the plugin reads it"
        }
    }
}

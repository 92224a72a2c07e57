import ETLPluginKit

/// The column types the plugin creates, and the lattice along which it
/// widens them: the bridge between the Arrow columns the host sends and
/// PostgreSQL's types.
///
/// | Arrow (field)                    | PostgreSQL                 |
/// |----------------------------------|----------------------------|
/// | `bool`                           | `boolean`                  |
/// | `int64`                          | `bigint`                   |
/// | `float64`                        | `double precision`         |
/// | `utf8` (plain, untyped, record)  | `text`                     |
/// | `utf8` + `arrow.json`            | `jsonb`                    |
/// | `utf8` + `etl.decimal = p,s`     | `numeric` (no typmod)      |
/// | `date32`                         | `date`                     |
/// | `timestamp[us, UTC]`             | `timestamp with time zone` |
/// | `binary`                         | `bytea`                    |
/// | `null` (every value missing)     | `text`                     |
///
/// Decimals become `numeric` without a precision and scale: PostgreSQL
/// would round a value with more fraction digits than a declared scale,
/// and the host's `38,9` is nominal, not a promise about the values.
///
/// Related PostgreSQL documentation:
/// https://www.postgresql.org/docs/current/datatype.html
enum PGType: Hashable, CustomStringConvertible {
    case boolean
    case bigint
    case double
    case numeric
    case text
    case date
    case timestamptz
    case jsonb
    case bytea

    /// The type a new column gets for an incoming Arrow field.
    init(_ field: ArrowField) {
        switch field.type {
        case .null: self = .text
        case .bool: self = .boolean
        case .int64: self = .bigint
        case .float64: self = .double
        case .binary: self = .bytea
        case .date32: self = .date
        case .timestampMicrosecondsUTC: self = .timestamptz
        case .utf8:
            switch field.annotation {
            case .json?: self = .jsonb
            case .decimal?: self = .numeric
            case .untyped?, .record?, .member?, nil: self = .text
            }
        }
    }

    /// The type as `CREATE TABLE` takes it, and as `format_type()` prints
    /// it.
    var declaration: String {
        switch self {
        case .boolean: "boolean"
        case .bigint: "bigint"
        case .double: "double precision"
        case .numeric: "numeric"
        case .text: "text"
        case .date: "date"
        case .timestamptz: "timestamp with time zone"
        case .jsonb: "jsonb"
        case .bytea: "bytea"
        }
    }

    var description: String { declaration }

    /// Rank on the chain boolean < bigint < double precision < numeric,
    /// or `nil`.
    private var numericRank: Int? {
        switch self {
        case .boolean: 0
        case .bigint: 1
        case .double: 2
        case .numeric: 3
        default: nil
        }
    }

    /// The narrowest type that holds every value of `self` (a column's
    /// type) and of `other` (incoming values) without losing one, following
    /// the host's type lattice (docs/TYPES.md):
    ///
    /// - boolean < bigint < double precision < numeric (the host's
    ///   `decimal`, for numbers no double holds exactly);
    /// - date < timestamp with time zone;
    /// - jsonb with anything: jsonb (scalars become JSON values);
    /// - bytea with anything but jsonb: bytea (text as its UTF-8 bytes);
    /// - anything else: text.
    ///
    /// `nil` for bytea with jsonb, which have no common type.
    func widened(toHold other: PGType) -> PGType? {
        if self == other { return self }
        if self == .jsonb || other == .jsonb {
            return self == .bytea || other == .bytea ? nil : .jsonb
        }
        if self == .bytea || other == .bytea { return .bytea }
        if let mine = numericRank, let theirs = other.numericRank { return mine >= theirs ? self : other }
        switch (self, other) {
        case (.date, .timestamptz), (.timestamptz, .date): return .timestamptz
        default: return .text
        }
    }

    /// The SQL expression that converts `column` (quoted), of declared type
    /// `from` whose family is `self`, into `to` without losing a value.
    /// Runs with the load's `TimeZone = UTC`, `DateStyle = ISO` and
    /// `extra_float_digits = 1` (doubles print in their shortest exact
    /// form, which numeric then holds: `0.1`, not `0.1000000000000000055...`).
    /// Into jsonb, every value becomes the JSON value the host would have
    /// sent: timestamps as `"YYYY-MM-DDTHH:MM:SS.ffffffZ"` strings.
    func conversion(of column: String, to target: PGType) -> String {
        switch (self, target) {
        case (.double, .numeric):
            "\(column)::pg_catalog.text::pg_catalog.numeric"
        case (.timestamptz, .jsonb):
            "pg_catalog.to_jsonb(\(Self.timestampText(column)))"
        case (.boolean, .bigint), (.boolean, .double), (.boolean, .numeric):
            "\(column)::pg_catalog.int4::\(target.declaration)"
        case (.date, .timestamptz):
            "(\(column)::pg_catalog.timestamp AT TIME ZONE 'UTC')"
        case (.timestamptz, .text):
            Self.timestampText(column)
        case (_, .jsonb):
            "pg_catalog.to_jsonb(\(column))"
        case (_, .bytea):
            "pg_catalog.convert_to(\(column)::pg_catalog.text, 'UTF8')"
        default:
            "\(column)::\(target.declaration)"
        }
    }

    /// The host's text of a timestamptz column's values:
    /// `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
    static func timestampText(_ column: String) -> String {
        "pg_catalog.to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
    }

    /// The Arrow field that describes a column of this type (table_schema).
    func arrowField(named name: String, decimal: (precision: Int, scale: Int)? = nil) -> ArrowField {
        switch self {
        case .boolean: ArrowField(name, .bool)
        case .bigint: ArrowField(name, .int64)
        case .double: ArrowField(name, .float64)
        case .numeric:
            if let decimal, decimal.precision > 0, decimal.scale >= 0, decimal.scale <= decimal.precision {
                ArrowField(name, .utf8, annotation: .decimal(precision: decimal.precision, scale: decimal.scale))
            } else {
                ArrowField(name, .utf8, annotation: .decimal(precision: Self.nominalPrecision, scale: Self.nominalScale))
            }
        case .text: ArrowField(name, .utf8)
        case .date: ArrowField(name, .date32)
        case .timestamptz: ArrowField(name, .timestampMicrosecondsUTC)
        case .jsonb: ArrowField(name, .utf8, annotation: .json)
        case .bytea: ArrowField(name, .binary)
        }
    }

    /// The precision and scale table_schema reports for `numeric` without
    /// a typmod: the host's own for decimals.
    static let nominalPrecision = 38
    static let nominalScale = 9
}

/// A column of an existing table: its declared type and the family of the
/// plugin's types it belongs to.
struct ColumnInfo: Hashable {
    /// The name as the table spells it.
    var name: String
    /// The type as `format_type()` prints it, e.g. `character varying(20)`.
    var declared: String
    /// The plugin type whose values it holds (`integer` is a bigint,
    /// `varchar(20)` a text), `nil` for any other type (uuid, arrays,
    /// enums, ...), which is loaded from text.
    var family: PGType?
    /// Whether the column is exactly of its family's type: then rows are
    /// copied into it directly; otherwise through a cast.
    var isExact: Bool
    /// The precision and scale of a `numeric(p,s)` column.
    var decimal: (precision: Int, scale: Int)?

    static func == (lhs: ColumnInfo, rhs: ColumnInfo) -> Bool {
        lhs.name == rhs.name && lhs.declared == rhs.declared
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(declared)
    }

    init(name: String, declared: String) {
        self.name = name
        self.declared = declared
        (family, isExact, decimal) = Self.family(of: declared)
    }

    /// The family of a declared type, whether it is exact, and a numeric's
    /// precision and scale.
    static func family(of declared: String) -> (PGType?, Bool, (precision: Int, scale: Int)?) {
        if let exact = [PGType.boolean, .bigint, .double, .numeric, .text, .date, .timestamptz, .jsonb, .bytea]
            .first(where: { $0.declaration == declared }) {
            return (exact, true, nil)
        }
        switch declared {
        case "integer", "smallint": return (.bigint, false, nil)
        case "real": return (.double, false, nil)
        case "json": return (.jsonb, false, nil)
        case "character varying", "character", "name", "citext": return (.text, false, nil)
        case "timestamp without time zone": return (.timestamptz, false, nil)
        default: break
        }
        if declared.hasPrefix("character varying(") || declared.hasPrefix("character(") {
            return (.text, false, nil)
        }
        if declared.hasPrefix("timestamp("), declared.hasSuffix(" time zone") {
            return (.timestamptz, false, nil)
        }
        if declared.hasPrefix("numeric("), declared.hasSuffix(")") {
            let inner = declared.dropFirst("numeric(".count).dropLast()
            let parts = inner.split(separator: ",").compactMap { Int($0) }
            if parts.count == 2 { return (.numeric, false, (parts[0], parts[1])) }
            if parts.count == 1 { return (.numeric, false, (parts[0], 0)) }
        }
        return (nil, false, nil)
    }

    /// Whether rows reach the column as text and a cast from it: for types
    /// outside the plugin's families, and for `json`, whose text the cast
    /// keeps as written (going through jsonb would normalize it).
    var loadsFromText: Bool { family == nil || declared == "json" }

    /// The type rows have on their way into the column, in a temporary
    /// table: the family's own type, or text for what loads from text.
    var wireType: PGType { loadsFromText ? .text : family ?? .text }

    /// The Arrow field for table_schema: by family; other types as text.
    var arrowField: ArrowField {
        guard let family else { return ArrowField(name, .utf8) }
        return family.arrowField(named: name, decimal: decimal)
    }
}

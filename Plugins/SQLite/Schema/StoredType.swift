import ETLPluginKit

/// How a column is declared in a SQLite table, and so how its values are
/// stored: the bridge between Arrow column types and SQLite's declared
/// types and affinities.
///
/// | Arrow (field)                    | declared type        | affinity | stored as                        |
/// |----------------------------------|----------------------|----------|----------------------------------|
/// | `null` (every value missing)     | (none)               | BLOB     | NULL                             |
/// | `bool`                           | `BOOLEAN`            | NUMERIC  | integer 0 / 1                    |
/// | `int64`                          | `INTEGER`            | INTEGER  | integer                          |
/// | `float64`                        | `REAL`               | REAL     | real (NaN refused: no NaN)       |
/// | `utf8` (plain, untyped, record)  | `TEXT`               | TEXT     | text, byte for byte              |
/// | `utf8` + `arrow.json`            | `JSON_TEXT`          | TEXT     | text, byte for byte              |
/// | `utf8` + `etl.decimal = p,s`     | `DECIMAL_TEXT(p,s)`  | TEXT     | text, byte for byte              |
/// | `date32`                         | `DATE_TEXT`          | TEXT     | `YYYY-MM-DD`                     |
/// | `timestamp[us, UTC]`             | `TIMESTAMP_TEXT`     | TEXT     | `YYYY-MM-DDTHH:MM:SS.ffffffZ`    |
/// | `binary`                         | `BLOB`               | BLOB     | blob                             |
///
/// JSON, decimals, dates and timestamps are declared with names that
/// contain `TEXT` so that their affinity is TEXT: a declared `JSON` or
/// `DECIMAL` would get NUMERIC affinity and turn the JSON text `5` or the
/// decimal `1.50` into numbers.
///
/// Related SQLite documentation: https://www.sqlite.org/datatype3.html
enum StoredType: Hashable, CustomStringConvertible {
    /// A column whose values were all missing when it was created.
    case untyped
    case boolean
    case integer
    case real
    case text
    case json
    case decimal(precision: Int, scale: Int)
    case date
    case timestamp
    case blob

    /// The stored type for an incoming Arrow field.
    init(_ field: ArrowField) {
        switch field.type {
        case .null: self = .untyped
        case .bool: self = .boolean
        case .int64: self = .integer
        case .float64: self = .real
        case .binary: self = .blob
        case .date32: self = .date
        case .timestampMicrosecondsUTC: self = .timestamp
        case .utf8:
            switch field.annotation {
            case .json?: self = .json
            case .decimal(let precision, let scale)?: self = .decimal(precision: precision, scale: scale)
            case .untyped?, .record?, .member?, nil: self = .text
            }
        }
    }

    /// The stored type of a column declared as `declared` (as
    /// `PRAGMA table_info` reports it). The plugin's own names map back
    /// exactly; any other declaration maps by SQLite's affinity rules
    /// (`VARCHAR(20)` is text, `BIGINT` integer, `DOUBLE` real, NUMERIC
    /// affinity real, no type untyped).
    init(declared: String) {
        let upper = declared.uppercased().trimmingSpaces()
        switch upper {
        case "": self = .untyped
        case "BOOLEAN": self = .boolean
        case "INTEGER": self = .integer
        case "REAL": self = .real
        case "TEXT": self = .text
        case "JSON_TEXT": self = .json
        case "DATE_TEXT": self = .date
        case "TIMESTAMP_TEXT": self = .timestamp
        case "BLOB": self = .blob
        default:
            if let decimal = Self.decimal(upper) {
                self = decimal
            } else if upper.contains("INT") {
                self = .integer
            } else if upper.contains("CHAR") || upper.contains("CLOB") || upper.contains("TEXT") {
                self = .text
            } else if upper.contains("BLOB") {
                self = .blob
            } else {
                self = .real
            }
        }
    }

    /// `DECIMAL_TEXT(p,s)` parsed, or `nil`.
    private static func decimal(_ upper: String) -> StoredType? {
        guard upper.hasPrefix("DECIMAL_TEXT(") && upper.hasSuffix(")") else { return nil }
        let inner = upper.dropFirst("DECIMAL_TEXT(".count).dropLast()
        let parts = inner.split(separator: ",").map { $0.trimmingSpaces() }
        guard parts.count == 2, let precision = Int(parts[0]), let scale = Int(parts[1]) else { return nil }
        return .decimal(precision: precision, scale: scale)
    }

    /// The declared type to write in `CREATE TABLE` (empty for ``untyped``).
    var declaration: String {
        switch self {
        case .untyped: ""
        case .boolean: "BOOLEAN"
        case .integer: "INTEGER"
        case .real: "REAL"
        case .text: "TEXT"
        case .json: "JSON_TEXT"
        case .decimal(let precision, let scale): "DECIMAL_TEXT(\(precision),\(scale))"
        case .date: "DATE_TEXT"
        case .timestamp: "TIMESTAMP_TEXT"
        case .blob: "BLOB"
        }
    }

    /// The declared type for messages: `no type` for ``untyped``.
    var description: String { self == .untyped ? "no type" : declaration }

    /// The Arrow field that describes a column of this type (table_schema).
    func arrowField(named name: String) -> ArrowField {
        switch self {
        case .untyped: ArrowField(name, .null)
        case .boolean: ArrowField(name, .bool)
        case .integer: ArrowField(name, .int64)
        case .real: ArrowField(name, .float64)
        case .text: ArrowField(name, .utf8)
        case .json: ArrowField(name, .utf8, annotation: .json)
        case .decimal(let precision, let scale): ArrowField(name, .utf8, annotation: .decimal(precision: precision, scale: scale))
        case .date: ArrowField(name, .date32)
        case .timestamp: ArrowField(name, .timestampMicrosecondsUTC)
        case .blob: ArrowField(name, .binary)
        }
    }

    /// Rank on the numeric chain BOOLEAN < INTEGER < REAL < DECIMAL_TEXT,
    /// or `nil`.
    private var numericRank: Int? {
        switch self {
        case .boolean: 0
        case .integer: 1
        case .real: 2
        case .decimal: 3
        default: nil
        }
    }

    /// The narrowest type that holds every value of both `self` (a column's
    /// type) and `other` (incoming values) without losing any:
    ///
    /// - equal types, or one ``untyped``: the other;
    /// - BOOLEAN < INTEGER < REAL < DECIMAL_TEXT: the wider (the host's
    ///   `decimal` holds the numbers no double holds exactly);
    /// - DATE_TEXT < TIMESTAMP_TEXT: the timestamp (dates become midnight UTC);
    /// - two decimals: one with room for both integer parts and scales;
    /// - anything with incoming JSON: JSON_TEXT (stored values become the
    ///   JSON text the host would send, see ``JSONText``);
    /// - anything else: TEXT, which keeps numbers as their exact text and
    ///   blobs as blobs.
    func widened(toHold other: StoredType) -> StoredType {
        if self == other || other == .untyped { return self }
        if self == .untyped { return other }
        switch (self, other) {
        case (.decimal(let p1, let s1), .decimal(let p2, let s2)):
            let scale = max(s1, s2)
            return .decimal(precision: max(p1 - s1, p2 - s2) + scale, scale: scale)
        case (_, .json):
            // The host sends JSON for a column it typed json: what the
            // table holds becomes JSON text (``JSONText``). Plain values
            // into a JSON_TEXT column make it TEXT, as before.
            return .json
        default:
            break
        }
        if let mine = numericRank, let theirs = other.numericRank { return mine >= theirs ? self : other }
        switch (self, other) {
        case (.date, .timestamp), (.timestamp, .date):
            return .timestamp
        default:
            return .text
        }
    }
}

extension StringProtocol {
    /// The string without leading and trailing spaces.
    func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}

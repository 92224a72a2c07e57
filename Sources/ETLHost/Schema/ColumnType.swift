import ETLPluginKit

/// The type of a warehouse column, as the host resolves it.
///
/// Types form a lattice that inference climbs as it sees values:
///
///     null < boolean < integer < number < decimal < text
///     null < date < timestamp < text
///     null < json
///
/// ``joined(with:)`` returns the least type that holds both operands
/// without losing a value: `integer ⊔ number = number`, `number ⊔ decimal
/// = decimal`, `date ⊔ integer = text`, `json ⊔ anything = json` (scalars
/// are stored as JSON text). Whether a double holds the integers of an
/// `integer ⊔ number` column is a question about values, not types:
/// ``ColumnInference`` answers it (``DoubleExactness``).
public enum ColumnType: String, Codable, Sendable, CaseIterable {
    /// No value seen yet (every value missing).
    case null
    /// true / false.
    case boolean
    /// A signed 64-bit integer.
    case integer
    /// An IEEE 754 double.
    case number
    /// UTF-8 text.
    case text
    /// A calendar date.
    case date
    /// An instant, microseconds, UTC.
    case timestamp
    /// A JSON document (nested objects and arrays).
    case json
    /// An exact decimal: PostgreSQL `numeric`, text in SQLite. Declared by
    /// a source, or inferred for numbers no double holds exactly.
    case decimal
    /// Raw bytes.
    case binary

    /// The least type holding every value of `self` and of `other`.
    public func joined(with other: ColumnType) -> ColumnType {
        if self == other { return self }
        switch (self, other) {
        case (.null, _): return other
        case (_, .null): return self
        case (.json, _), (_, .json): return .json
        case (.binary, _), (_, .binary): return .binary
        case let (left, right) where left.numericRank != nil && right.numericRank != nil:
            return left.numericRank! >= right.numericRank! ? left : right
        case (.date, .timestamp), (.timestamp, .date): return .timestamp
        default: return .text
        }
    }

    /// The place on the chain boolean < integer < number < decimal, or nil.
    var numericRank: Int? {
        switch self {
        case .boolean: 0
        case .integer: 1
        case .number: 2
        case .decimal: 3
        default: nil
        }
    }

    /// The Arrow type a batch carries for this column, and its annotation.
    public var arrowField: (type: ArrowColumnType, annotation: ArrowFieldAnnotation?) {
        switch self {
        case .null: (.utf8, nil)
        case .boolean: (.bool, nil)
        case .integer: (.int64, nil)
        case .number: (.float64, nil)
        case .text: (.utf8, nil)
        case .date: (.date32, nil)
        case .timestamp: (.timestampMicrosecondsUTC, nil)
        case .json: (.utf8, .json)
        case .decimal: (.utf8, .decimal(precision: 38, scale: 9))
        case .binary: (.binary, nil)
        }
    }

    /// The type of a typed Arrow column from a source.
    public init(arrow type: ArrowColumnType, annotation: ArrowFieldAnnotation?) {
        switch (type, annotation) {
        case (.utf8, .json?): self = .json
        case (.utf8, .decimal?): self = .decimal
        case (.bool, _): self = .boolean
        case (.int64, _): self = .integer
        case (.float64, _): self = .number
        case (.date32, _): self = .date
        case (.timestampMicrosecondsUTC, _): self = .timestamp
        case (.binary, _): self = .binary
        case (.null, _): self = .null
        default: self = .text
        }
    }

    /// The type a catalog's hint names (its aliases read as the hint).
    public init(hint: FieldTypeHint) {
        switch hint {
        case .null: self = .null
        case .boolean: self = .boolean
        case .integer: self = .integer
        case .number: self = .number
        case .string: self = .text
        case .date: self = .date
        case .timestamp: self = .timestamp
        case .json: self = .json
        case .decimal: self = .decimal
        case .binary: self = .binary
        }
    }
}

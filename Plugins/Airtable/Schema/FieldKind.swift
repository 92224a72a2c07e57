import ETLPluginKit

/// How the values of one Airtable field load: the column type chosen from
/// the field's type in the base schema (see docs/AIRTABLE.md for the table).
enum FieldKind: Equatable, CustomStringConvertible {
    /// `true`/`false` (also `1`/`0`, as some formulas give). For a checkbox
    /// field an omitted cell is `false` (Airtable omits unchecked boxes);
    /// for a formula with a checkbox result it is NULL.
    case boolean(omittedIsFalse: Bool)
    /// Whole numbers (a JSON number without a fraction, or with `.0`).
    case integer
    /// Floating-point numbers.
    case number
    /// Text (a JSON string).
    case string
    /// `YYYY-MM-DD`.
    case date
    /// An ISO 8601 date and time, stored in UTC.
    case timestamp
    /// The value's JSON text, byte for byte.
    case json

    /// The kind of a field of Airtable type `type` with its `options`.
    ///
    /// - Parameter computed: whether the field is the result of a formula
    ///   or rollup; its numbers are always `number` (a display precision
    ///   of 0 does not make a computed value whole).
    static func of(type: String, options: JSONValue?, computed: Bool = false) -> FieldKind {
        switch type {
        case "checkbox":
            return .boolean(omittedIsFalse: !computed)
        case "number", "currency":
            guard !computed, case .integer(0)? = options?["precision"] else { return .number }
            return .integer
        case "percent", "duration":
            // A percent is a fraction (50% is 0.5) whatever its display
            // precision; a duration is seconds, possibly fractional.
            return .number
        case "rating", "autoNumber", "count":
            return computed ? .number : .integer
        case "date":
            return .date
        case "dateTime", "createdTime", "lastModifiedTime":
            return .timestamp
        case "formula", "rollup":
            guard !computed, case .string(let resultType)? = options?["result"]?["type"] else { return .json }
            return of(type: resultType, options: options?["result"]?["options"], computed: true)
        case "singleLineText", "multilineText", "email", "url", "phoneNumber", "richText", "singleSelect":
            // A single select's value is its option's name: text, queried
            // without json_extract.
            return .string
        default:
            // Multiple selects, links, lookups (always arrays), attachments,
            // collaborators, barcode, button, AI text, sync sources and
            // any type Airtable adds later: lossless JSON.
            return .json
        }
    }

    /// The catalog's type hint.
    var hint: FieldTypeHint {
        switch self {
        case .boolean: .boolean
        case .integer: .integer
        case .number: .number
        case .string: .string
        case .date: .date
        case .timestamp: .timestamp
        case .json: .json
        }
    }

    /// The Arrow column the values go into.
    func arrowField(named name: String) -> ArrowField {
        switch self {
        case .boolean: ArrowField(name, .bool)
        case .integer: ArrowField(name, .int64)
        case .number: ArrowField(name, .float64)
        case .string: ArrowField(name, .utf8)
        case .date: ArrowField(name, .date32)
        case .timestamp: ArrowField(name, .timestampMicrosecondsUTC)
        case .json: ArrowField(name, .utf8, annotation: .json)
        }
    }

    /// `"an integer"`, `"a date (YYYY-MM-DD)"`: what a value should be, for messages.
    var expected: String {
        switch self {
        case .boolean: "true or false"
        case .integer: "a whole number"
        case .number: "a number"
        case .string: "a string"
        case .date: "a date (YYYY-MM-DD)"
        case .timestamp: "an ISO 8601 date and time"
        case .json: "JSON"
        }
    }

    var description: String { hint.rawValue }
}

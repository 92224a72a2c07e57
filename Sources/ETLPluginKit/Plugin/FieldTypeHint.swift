/// The type hints a catalog may give (they win over the host's inference).
///
/// The raw values are the names the catalog's JSON carries
/// (`{"name": "id", "type": "integer"}`); ``init(named:)`` also takes the
/// older spellings a host still understands (``aliases``).
public enum FieldTypeHint: String, Sendable, Hashable, Codable, CaseIterable {
    /// Always null.
    case null
    /// true / false.
    case boolean
    /// Whole numbers.
    case integer
    /// Floating-point numbers.
    case number
    /// Text.
    case string
    /// Calendar dates.
    case date
    /// Points in time.
    case timestamp
    /// Exact decimals.
    case decimal
    /// Nested JSON values.
    case json
    /// Raw bytes.
    case binary

    /// Names a host reads as a hint although the contract spells the hint
    /// otherwise: `text` (``string``), `date-time` (``timestamp``, as JSON
    /// Schema names it), `object` and `array` (``json``). A plugin never
    /// writes them: ``Catalog`` encodes the raw values.
    public static let aliases: [String: FieldTypeHint] = [
        "text": .string, "date-time": .timestamp, "object": .json, "array": .json,
    ]

    /// The hint called `name` in a catalog, aliases included; nil for a
    /// name that is no hint.
    ///
    /// ```swift
    /// FieldTypeHint(named: "date-time")   // .timestamp
    /// FieldTypeHint(named: "int")         // nil
    /// ```
    public init?(named name: String) {
        guard let hint = FieldTypeHint(rawValue: name) ?? Self.aliases[name] else { return nil }
        self = hint
    }
}

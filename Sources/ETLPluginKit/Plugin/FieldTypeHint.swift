/// The type hints a catalog may give (they win over the host's inference).
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
}

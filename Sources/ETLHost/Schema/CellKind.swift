/// What a spooled cell holds, so that inference and conversion know how its
/// bytes were meant: raw text to infer from, a JSON string, a JSON number, ...
public enum CellKind: UInt8, Sendable {
    /// Missing.
    case null = 0
    /// Untyped text from a schemaless source (CSV): the host infers its type.
    case untyped = 1
    /// A string (JSON string, typed utf8 column).
    case string = 2
    /// A JSON number, as written.
    case number = 3
    /// A boolean, spelled `true` or `false`.
    case boolean = 4
    /// A nested JSON object or array, as written.
    case json = 5
    /// A typed int64, in decimal.
    case integer = 6
    /// A typed double, shortest round-trip text.
    case double = 7
    /// A typed date, `YYYY-MM-DD`.
    case date = 8
    /// A typed timestamp, ISO 8601 UTC with microseconds.
    case timestamp = 9
    /// Raw bytes.
    case binary = 10
    /// An exact decimal, as text.
    case decimal = 11
}

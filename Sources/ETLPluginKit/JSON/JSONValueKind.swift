/// The kind of a JSON value, as the scanner reports it.
///
/// ```swift
/// let members = try scanner.scan(document)
/// if members[0].kind == .object { /* members[0].raw is its JSON text */ }
/// ```
public enum JSONValueKind: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// `null`.
    case null
    /// `false`.
    case `false`
    /// `true`.
    case `true`
    /// A number; see ``JSONNumberKind`` for what it fits in.
    case number
    /// A string.
    case string
    /// An object (`{...}`).
    case object
    /// An array (`[...]`).
    case array

    /// The JSON spelling or type name: `"null"`, `"true"`, `"false"`,
    /// `"number"`, `"string"`, `"object"`, `"array"`.
    public var description: String {
        switch self {
        case .null: "null"
        case .false: "false"
        case .true: "true"
        case .number: "number"
        case .string: "string"
        case .object: "object"
        case .array: "array"
        }
    }

    /// The kind as a message says it was found: `"an array"`,
    /// `"a string"`, `"a number"`, `"null"`, `"true"`, `"false"`.
    public var foundDescription: String {
        switch self {
        case .null, .false, .true: description
        case .number: "a number"
        case .string: "a string"
        case .object: "an object"
        case .array: "an array"
        }
    }
}

/// What a JSON number fits in. The scanner classifies every number of a
/// scanned object's members, without allocating; the value itself is read
/// on demand (``JSONMember/int64Value``, ``JSONMember/doubleValue``).
///
/// | text | kind |
/// | --- | --- |
/// | `1`, `-0`, `-9223372036854775808`, `9223372036854775807` | ``int64`` |
/// | `1.0`, `1e3`, `-0.5`, `1e-400` (rounds to 0) | ``double`` |
/// | `9223372036854775808`, `-9223372036854775809` | ``bigInteger`` |
/// | `1E400`, `-2e308` | ``outOfRange`` |
///
/// A number is ``int64`` only when it has neither fraction nor exponent
/// (`1.0` and `1e3` are ``double``s). Nothing is ever wrapped or
/// truncated: a number that fits neither an `Int64` exactly nor a finite
/// `Double` is reported as such, and its raw text is the value to keep.
public enum JSONNumberKind: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// An integer (no fraction, no exponent) within `Int64`'s range.
    case int64
    /// A number with a fraction or exponent whose value is a finite
    /// `Double` (rounded to the nearest; magnitudes below the smallest
    /// double round to zero).
    case double
    /// An integer (no fraction, no exponent) beyond `Int64`'s range. Keep
    /// its text; its `Double` is only an approximation.
    case bigInteger
    /// A number with a fraction or exponent too large in magnitude for a
    /// `Double` (it would be infinite), such as `1E400`. Valid JSON: keep
    /// its text.
    case outOfRange

    /// `"int64"`, `"double"`, `"big integer"` or `"out of range"`.
    public var description: String {
        switch self {
        case .int64: "int64"
        case .double: "double"
        case .bigInteger: "big integer"
        case .outOfRange: "out of range"
        }
    }
}

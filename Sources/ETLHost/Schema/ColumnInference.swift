/// Infers one column's type over every value of a stream, widening as it
/// goes (see ``ColumnType`` for the lattice and ``ValueParser`` for what
/// text counts as what). Constant memory; cheap once a column is text.
public struct ColumnInference: Sendable {
    /// The least type holding every value seen so far.
    public private(set) var type: ColumnType = .null
    /// Values seen (not missing).
    public private(set) var valueCount = 0

    /// A column with nothing seen.
    public init() {}

    /// Takes one cell into account.
    public mutating func observe(_ kind: CellKind, _ bytes: UnsafeRawBufferPointer) {
        switch kind {
        case .null:
            return
        case .untyped:
            // An empty unquoted/quoted CSV field says nothing about the type:
            // it loads as NULL in a typed column and as '' in a text one.
            if bytes.isEmpty { return }
            valueCount += 1
            if type == .text { return }
            type = type.joined(with: Self.classifyUntyped(bytes))
        case .string:
            valueCount += 1
            if type == .text { return }
            type = type.joined(with: Self.classifyString(bytes))
        case .number:
            valueCount += 1
            switch ValueParser.integer(bytes) {
            case .value: type = type.joined(with: .integer)
            case .outOfRange: type = type.joined(with: .text)
            case .notInteger: type = type.joined(with: ValueParser.anyNumber(bytes) == nil ? .text : .number)
            }
        case .boolean, .json, .integer, .double, .date, .timestamp, .binary, .decimal:
            valueCount += 1
            type = type.joined(with: Self.typedKinds[kind]!)
        }
    }

    /// The type of cells whose kind already says it (typed sources, JSON
    /// booleans and nested values).
    static let typedKinds: [CellKind: ColumnType] = [
        .boolean: .boolean, .json: .json, .integer: .integer, .double: .number,
        .date: .date, .timestamp: .timestamp, .binary: .binary, .decimal: .decimal,
    ]

    /// Forces a type (a source hint or a stored type) into the result.
    public mutating func widen(to other: ColumnType) {
        type = type.joined(with: other)
    }

    /// The type of one untyped text value, trying only the parsers its
    /// first byte allows.
    static func classifyUntyped(_ bytes: UnsafeRawBufferPointer) -> ColumnType {
        let first = bytes[0]
        let startsNumeric = (first >= 0x30 && first <= 0x39) || first == UInt8(ascii: "-")
        if startsNumeric {
            switch ValueParser.integer(bytes) {
            case .value: return .integer
            case .outOfRange: return .text
            case .notInteger: break
            }
            if ValueParser.number(bytes) != nil { return .number }
            if bytes.count >= 10, first != UInt8(ascii: "-") {
                if ValueParser.date(bytes) != nil { return .date }
                if ValueParser.timestamp(bytes) != nil { return .timestamp }
            }
            return .text
        }
        if ValueParser.bool(bytes) != nil { return .boolean }
        return .text
    }

    /// The type of a JSON string: a date or timestamp when it reads as one,
    /// text otherwise (numbers in strings stay text: the source said string).
    static func classifyString(_ bytes: UnsafeRawBufferPointer) -> ColumnType {
        guard bytes.count >= 10, bytes[0] >= 0x30, bytes[0] <= 0x39 else { return .text }
        if ValueParser.date(bytes) != nil { return .date }
        if ValueParser.timestamp(bytes) != nil { return .timestamp }
        return .text
    }
}

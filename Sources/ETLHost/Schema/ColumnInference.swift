/// Infers one column's type over every value of a stream, widening as it
/// goes (see ``ColumnType`` for the lattice and ``ValueParser`` for what
/// text counts as what). Constant memory; cheap once a column is text.
///
/// Numbers follow ``DoubleExactness``: a literal no double holds makes the
/// column `decimal`; integers are fine as integers, but a column that mixes
/// them with fractional numbers is `number` only if a double holds every
/// integer seen, else `decimal` (``type``).
public struct ColumnInference: Sendable {
    /// The least type holding every value seen so far, with every number
    /// exactly: ``latticeType``, made `decimal` when it is `number` and an
    /// integer seen is beyond what a double holds.
    public var type: ColumnType { Self.exact(latticeType, integersHeldByDouble: integersHeldByDouble) }
    /// The least type on the lattice of every value seen so far (before
    /// the exactness of integers is taken into account).
    public private(set) var latticeType: ColumnType = .null
    /// Whether a double holds every integer seen (true with none seen).
    public private(set) var integersHeldByDouble = true
    /// Values seen (not missing).
    public private(set) var valueCount = 0

    /// A column with nothing seen.
    public init() {}

    /// Takes into account `count` values that cannot change the type any
    /// more: any value once the column is json (the top of the lattice),
    /// a string, number or boolean once it is text. The caller has checked
    /// that (the member columns' fast path in ``BatchFlattener``).
    mutating func countSettled(_ count: Int) {
        valueCount += count
    }

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
            if latticeType == .text { return }
            latticeType = latticeType.joined(with: classifyUntyped(bytes))
        case .string:
            valueCount += 1
            if latticeType == .text { return }
            latticeType = latticeType.joined(with: Self.classifyString(bytes))
        case .number:
            valueCount += 1
            latticeType = latticeType.joined(with: classifyNumber(bytes))
        case .integer:
            valueCount += 1
            if case let .value(value) = ValueParser.integer(bytes), !DoubleExactness.isHeld(value) {
                integersHeldByDouble = false
            }
            latticeType = latticeType.joined(with: .integer)
        case .boolean, .json, .double, .date, .timestamp, .binary, .decimal:
            valueCount += 1
            latticeType = latticeType.joined(with: Self.typedKind(kind))
        }
    }

    /// The type that holds values of `latticeType` exactly: `number`
    /// becomes `decimal` when some integer among them is beyond a double.
    public static func exact(_ latticeType: ColumnType, integersHeldByDouble: Bool) -> ColumnType {
        latticeType == .number && !integersHeldByDouble ? .decimal : latticeType
    }

    /// The type of a column stored as `stored` that now also holds the
    /// values seen (a source's `declared` type, when given, stands for
    /// what was seen): the lattice join, made `decimal` when the result is
    /// `number` and an integer seen is beyond a double, unless the source
    /// declared `number` itself (then such an integer is the source's
    /// error, reported when it is converted).
    public func joined(withStored stored: ColumnType, declared: ColumnType? = nil) -> ColumnType {
        let seen = declared ?? latticeType
        return Self.exact(stored.joined(with: seen), integersHeldByDouble: declared == .number || integersHeldByDouble)
    }

    /// The type of a number literal (JSON grammar, checked by the
    /// scanner): integer (Int64), number (a double holds it), decimal
    /// (beyond Int64, or no double holds it).
    mutating func classifyNumber(_ bytes: UnsafeRawBufferPointer) -> ColumnType {
        switch ValueParser.integer(bytes) {
        case let .value(value):
            if !DoubleExactness.isHeld(value) { integersHeldByDouble = false }
            return .integer
        case .outOfRange:
            return .decimal
        case .notInteger:
            // The scanner checked JSON's grammar: a number no double holds
            // (or too long to parse) is a decimal.
            return DoubleExactness.isHeld(bytes) ? .number : .decimal
        }
    }

    /// The type of cells whose kind already says it (typed sources, JSON
    /// booleans and nested values): a switch, not a dictionary, since it
    /// runs per cell (a dictionary lookup hashes each time).
    @inline(__always)
    static func typedKind(_ kind: CellKind) -> ColumnType {
        switch kind {
        case .boolean: .boolean
        case .json: .json
        case .double: .number
        case .date: .date
        case .timestamp: .timestamp
        case .binary: .binary
        case .decimal: .decimal
        case .null: .null
        case .untyped, .string: .text
        case .number: .number
        case .integer: .integer
        }
    }

    /// Forces a type (a source hint or a stored type) into the result.
    public mutating func widen(to other: ColumnType) {
        latticeType = latticeType.joined(with: other)
    }

    /// The type of one untyped text value, trying only the parsers its
    /// first byte allows.
    mutating func classifyUntyped(_ bytes: UnsafeRawBufferPointer) -> ColumnType {
        let first = bytes[0]
        let startsNumeric = (first >= 0x30 && first <= 0x39) || first == UInt8(ascii: "-")
        if startsNumeric {
            switch ValueParser.integer(bytes) {
            case .value(let value):
                if !DoubleExactness.isHeld(value) { integersHeldByDouble = false }
                return .integer
            case .outOfRange: return .decimal
            case .notInteger: break
            }
            if ValueParser.isNumberSyntax(bytes) { return DoubleExactness.isHeld(bytes) ? .number : .decimal }
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

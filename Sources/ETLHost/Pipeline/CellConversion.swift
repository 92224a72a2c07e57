import ETLPluginKit

/// How one spooled cell becomes a value of its column's type in an Arrow
/// batch, exactly or not at all (docs/TYPES.md):
///
/// - boolean into integer, number, decimal: 1 / 0 (`true` / `false` from
///   JSON and from CSV alike: one lattice for every format);
/// - numbers into number only when a double holds them
///   (``DoubleExactness``); typed doubles as they are, NaN and ±Infinity
///   included;
/// - numbers into decimal as their text (`1e309`, `9007199254740993`),
///   booleans as `1` / `0`, typed doubles as their shortest text;
/// - anything into text as its text; into json as a JSON value (strings,
///   dates, timestamps quoted; numbers and booleans as they are written;
///   NaN and infinities refused: JSON has no spelling for them).
struct CellConversion {
    /// Why a cell did not convert.
    enum Failure: Error, Equatable {
        /// Not a value of the column's type at all.
        case notValid
        /// A number no double holds, going into a number column.
        case notHeldByDouble
        /// A NaN or infinite double going into a json column.
        case notFiniteForJSON
    }

    private var scratch: [UInt8] = []

    /// Appends one non-null cell to `builder` as `type`; the failure when
    /// it does not convert (nothing appended then).
    mutating func append(_ kind: CellKind, _ value: UnsafeRawBufferPointer, as type: ColumnType,
                         to builder: ArrowBatchBuilder) -> Failure? {
        let emptyUntyped = kind == .untyped && value.isEmpty
        if emptyUntyped, type != .text, type != .null {
            builder.appendNull()
            return nil
        }
        switch type {
        case .text, .null:
            builder.appendUTF8(value, validate: false)
        case .json:
            return appendJSON(kind, value, to: builder)
        case .decimal:
            return appendDecimal(kind, value, to: builder)
        case .integer:
            if let flag = Self.boolean(kind, value) {
                builder.append(Int64(flag ? 1 : 0))
                return nil
            }
            guard case let .value(number) = ValueParser.integer(value) else { return .notValid }
            builder.append(number)
        case .number:
            if let flag = Self.boolean(kind, value) {
                builder.append(flag ? 1.0 : 0.0)
                return nil
            }
            if kind == .double {
                guard let number = DoubleExactness.double(fromText: value) else { return .notValid }
                builder.append(number)
                return nil
            }
            switch ValueParser.integer(value) {
            case let .value(integer):
                guard DoubleExactness.isHeld(integer) else { return .notHeldByDouble }
                builder.append(Double(integer))
            case .outOfRange:
                return .notHeldByDouble
            case .notInteger:
                guard ValueParser.isNumberSyntax(value) else { return .notValid }
                guard let number = DoubleExactness.heldDouble(value) else { return .notHeldByDouble }
                builder.append(number)
            }
        case .boolean:
            guard let flag = ValueParser.bool(value) else { return .notValid }
            builder.append(flag)
        case .date:
            guard let days = ValueParser.date(value) else { return .notValid }
            builder.appendDate32(daysSinceEpoch: days)
        case .timestamp:
            if let micros = ValueParser.timestamp(value) {
                builder.appendTimestamp(microsecondsSinceEpoch: micros)
            } else if let days = ValueParser.date(value) {
                builder.appendTimestamp(microsecondsSinceEpoch: Int64(days) * 86_400_000_000)
            } else {
                return .notValid
            }
        case .binary:
            builder.appendBinary(value)
        }
        return nil
    }

    /// A boolean cell: a JSON or typed boolean, or untyped `true` / `false`.
    private static func boolean(_ kind: CellKind, _ value: UnsafeRawBufferPointer) -> Bool? {
        switch kind {
        case .boolean: value.count == 4
        case .untyped: ValueParser.bool(value)
        default: nil
        }
    }

    /// Whether `value` is a number in JSON's grammar (any size).
    static func isNumberText(_ value: UnsafeRawBufferPointer) -> Bool {
        ValueParser.integer(value) != .notInteger || ValueParser.isNumberSyntax(value)
    }

    private mutating func appendDecimal(_ kind: CellKind, _ value: UnsafeRawBufferPointer,
                                        to builder: ArrowBatchBuilder) -> Failure? {
        if let flag = Self.boolean(kind, value) {
            builder.appendText(flag ? "1" : "0")
            return nil
        }
        switch kind {
        case .decimal, .integer, .double:
            // Declared decimals as the source wrote them; typed integers
            // and doubles (Infinity, NaN included) as their text.
            builder.appendUTF8(value, validate: false)
        case .number, .untyped, .string:
            guard Self.isNumberText(value) else { return .notValid }
            builder.appendUTF8(value, validate: false)
        default:
            return .notValid
        }
        return nil
    }

    private mutating func appendJSON(_ kind: CellKind, _ value: UnsafeRawBufferPointer,
                                     to builder: ArrowBatchBuilder) -> Failure? {
        switch kind {
        case .json, .number, .boolean, .integer:
            builder.appendUTF8(value, validate: false)
            return nil
        case .double:
            guard let number = DoubleExactness.double(fromText: value), number.isFinite else { return .notFiniteForJSON }
            builder.appendUTF8(value, validate: false)
            return nil
        case .decimal where Self.isNumberText(value):
            builder.appendUTF8(value, validate: false)
            return nil
        default:
            scratch.removeAll(keepingCapacity: true)
            JSONStringWriter.append(value, to: &scratch)
            scratch.withUnsafeBytes { builder.appendUTF8($0, validate: false) }
            return nil
        }
    }
}

import ETLPluginKit

/// One value of a query's result, in the form `etl-host query` prints it:
/// exact, never rounded.
///
/// | Arrow column | value |
/// | --- | --- |
/// | int64 | ``number(_:)``, its digits |
/// | float64 | ``number(_:)``, the shortest text that reads back as the same double; NaN and ±Infinity ``text(_:)`` `NaN`, `Infinity`, `-Infinity` |
/// | utf8 decimal (`etl.decimal`) | ``number(_:)``, the warehouse's text (`12.50`); a text that is no JSON number (`NaN`) is ``text(_:)`` |
/// | utf8 JSON (`arrow.json`) | ``json(_:)``, the document as the warehouse gives it |
/// | bool | ``bool(_:)`` |
/// | date32 | ``text(_:)`` `2026-12-06` |
/// | timestamp | ``text(_:)`` `2026-12-06T09:00:00.000000Z` (ISO 8601, UTC, microseconds) |
/// | binary | ``text(_:)`` `\x` and two lowercase hex digits per byte (PostgreSQL's bytea form) |
/// | utf8, null | ``text(_:)``; ``null`` for NULL |
///
/// ```swift
/// QueryValue(batch, row: 0, column: 2, field: schema.fields[2])   // .number("12.50")
/// ```
public enum QueryValue: Sendable, Equatable {
    /// SQL NULL.
    case null
    /// A number, as exact text that is also a JSON number.
    case number(String)
    /// A boolean.
    case bool(Bool)
    /// Text (also dates, timestamps, bytes and numbers JSON cannot spell).
    case text(String)
    /// A JSON document.
    case json(String)

    /// The value at `row`, `column` of `batch`, whose column is `field`.
    public init(_ batch: ImportedBatch, row: Int, column: Int, field: ArrowField) {
        if batch.isNull(row: row, column: column) {
            self = .null
            return
        }
        switch field.type {
        case .null: self = .null
        case .int64: self = .number(String(batch.int64(row: row, column: column)!))
        case .float64:
            let value = batch.double(row: row, column: column)!
            self = value.isFinite ? .number(DoubleExactness.text(of: value)) : .text(DoubleExactness.text(of: value))
        case .bool: self = .bool(batch.bool(row: row, column: column)!)
        case .date32: self = .text(ValueFormatter.date(batch.date32(row: row, column: column)!))
        case .timestampMicrosecondsUTC: self = .text(ValueFormatter.timestamp(batch.timestamp(row: row, column: column)!))
        case .binary: self = .text(Self.hex(batch.binary(row: row, column: column)!))
        case .utf8:
            let text = batch.string(row: row, column: column)!
            switch field.annotation {
            case .decimal: self = Self.isJSONNumber(text) ? .number(text) : .text(text)
            case .json: self = .json(text)
            default: self = .text(text)
            }
        }
    }

    /// `\x` and two lowercase hex digits per byte.
    static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = [UInt8(ascii: "\\"), UInt8(ascii: "x")]
        out.reserveCapacity(2 + bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether `text` follows JSON's number grammar (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`).
    static func isJSONNumber(_ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        func digits() -> Int {
            let count = bytes.prefix { (0x30...0x39).contains($0) }.count
            bytes = bytes.dropFirst(count)
            return count
        }
        if bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        if bytes.first == UInt8(ascii: "0") {
            bytes = bytes.dropFirst()
        } else if digits() == 0 {
            return false
        }
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            guard digits() > 0 else { return false }
        }
        if bytes.first == UInt8(ascii: "e") || bytes.first == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if bytes.first == UInt8(ascii: "+") || bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return bytes.isEmpty
    }
}

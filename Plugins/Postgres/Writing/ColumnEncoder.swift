import ETLPluginKit

/// How one Arrow column becomes fields of a binary COPY, chosen once per
/// load from the column's Arrow type and the type of the table column it
/// goes into (which may be wider, see ``PGType/widened(toHold:)``).
///
/// Values are written in the binary form of the table column's family
/// (``wire``): a bigint as 8 bytes, a date as days since 2000-01-01, a
/// timestamp as microseconds since 2000-01-01, jsonb as a version byte and
/// the JSON text, numeric as base-10000 digits. A value the column cannot
/// hold exactly (an integer beyond 2^53 going into double precision, a date
/// outside PostgreSQL's range) fails the load with the column and row.
struct ColumnEncoder {
    enum Kind {
        /// Every value NULL.
        case null
        case boolean
        case booleanAsBigint
        case booleanAsDouble
        case booleanAsNumeric
        /// `true` / `false`, as text or as jsonb.
        case booleanAsText(json: Bool)
        case bigint
        /// Refused when a double cannot hold the value exactly.
        case bigintAsDouble
        case bigintAsNumeric
        /// Decimal digits, as text or as jsonb.
        case bigintAsText(json: Bool)
        case double
        /// Into numeric: the shortest text that reads back as the same
        /// double (`0.1`, not its 55 exact digits), NaN and ±Infinity too.
        case doubleAsNumeric
        /// The shortest text that reads back as the same double; as jsonb,
        /// NaN and infinities are refused (JSON has no form for them).
        case doubleAsText(json: Bool)
        /// The UTF-8 bytes as they are (text into text, JSON into text,
        /// decimal into text, text into bytea).
        case bytes
        /// Binary into bytea.
        case binary
        /// A JSON document into jsonb: a version byte and the text.
        case json
        /// Text into jsonb: as a JSON string.
        case textAsJSONString
        /// Decimal text into numeric, refused beyond a `numeric(p,s)`.
        case decimal(limit: (precision: Int, scale: Int)?)
        /// Decimal text into jsonb: as a JSON number.
        case decimalAsJSON
        case date
        case dateAsTimestamp
        /// `YYYY-MM-DD`, as text or as a JSON string.
        case dateAsText(json: Bool)
        case timestamp
        /// `YYYY-MM-DDTHH:MM:SS.ffffffZ`, as text or as a JSON string.
        case timestampAsText(json: Bool)
    }

    /// The column's index in the batch.
    let column: Int
    let kind: Kind

    /// The encoder for a column of Arrow field `field` going into values of
    /// type `target` (see ``ColumnInfo/wireType``), or `nil` when that
    /// conversion does not exist.
    init?(column: Int, field: ArrowField, target: PGType, limit: (precision: Int, scale: Int)? = nil) {
        self.column = column
        let incoming = PGType(field)
        guard let kind = Self.kind(field.type, incoming: incoming, target: target, limit: limit) else { return nil }
        self.kind = kind
    }

    private static func kind(_ type: ArrowColumnType, incoming: PGType, target: PGType,
                             limit: (precision: Int, scale: Int)?) -> Kind? {
        switch (type, target) {
        case (.null, _): return .null
        case (.bool, .boolean): return .boolean
        case (.bool, .bigint): return .booleanAsBigint
        case (.bool, .double): return .booleanAsDouble
        case (.bool, .numeric): return .booleanAsNumeric
        case (.bool, .text): return .booleanAsText(json: false)
        case (.bool, .jsonb): return .booleanAsText(json: true)
        case (.int64, .bigint): return .bigint
        case (.int64, .double): return .bigintAsDouble
        case (.int64, .numeric): return .bigintAsNumeric
        case (.int64, .text): return .bigintAsText(json: false)
        case (.int64, .jsonb): return .bigintAsText(json: true)
        case (.float64, .double): return .double
        case (.float64, .numeric) where limit == nil: return .doubleAsNumeric
        case (.float64, .text): return .doubleAsText(json: false)
        case (.float64, .jsonb): return .doubleAsText(json: true)
        case (.utf8, _):
            switch (incoming, target) {
            case (.jsonb, .jsonb): return .json
            case (.numeric, .numeric): return .decimal(limit: limit)
            case (.numeric, .jsonb): return .decimalAsJSON
            case (.text, .jsonb): return .textAsJSONString
            case (_, .text), (_, .bytea): return .bytes
            default: return nil
            }
        case (.binary, .bytea): return .binary
        case (.date32, .date): return .date
        case (.date32, .timestamptz): return .dateAsTimestamp
        case (.date32, .text): return .dateAsText(json: false)
        case (.date32, .jsonb): return .dateAsText(json: true)
        case (.timestampMicrosecondsUTC, .timestamptz): return .timestamp
        case (.timestampMicrosecondsUTC, .text): return .timestampAsText(json: false)
        case (.timestampMicrosecondsUTC, .jsonb): return .timestampAsText(json: true)
        default: return nil
        }
    }

    /// Why a value cannot be stored, for the writer's message.
    enum Refusal: Error {
        case inexactDouble
        case dateOutOfRange
        case timestampOutOfRange
        case notJSONNumber
        case decimal(NumericBinary.Failure)
    }

    /// Days from 1970-01-01 to 2000-01-01, PostgreSQL's epoch.
    static let epochDays: Int64 = 10_957
    /// Microseconds from 1970-01-01 to 2000-01-01.
    static let epochMicroseconds: Int64 = 946_684_800_000_000
    /// PostgreSQL's dates: Julian day 0 (4714-11-24 BC) up to, not
    /// including, 5874898-01-01, in days since 2000-01-01.
    static let dates: Range<Int64> = -2_451_545 ..< 2_145_031_949
    /// PostgreSQL's timestamps: 4714-11-24 BC up to, not including,
    /// 294277-01-01, in microseconds since 2000-01-01.
    static let timestamps: Range<Int64> = -211_813_488_000_000_000 ..< 9_223_371_331_200_000_000

    /// Appends the field for `row` of `batch`.
    @inline(__always)
    func encode(_ batch: ImportedBatch, row: Int, into buffer: CopyBuffer,
                scratch: UnsafeMutablePointer<UInt8>) throws(Refusal) {
        if batch.isNull(row: row, column: column) {
            buffer.appendNull()
            return
        }
        switch kind {
        case .null:
            buffer.appendNull()
        case .boolean:
            buffer.append(Int32(1))
            buffer.append(byte: batch.bool(row: row, column: column)! ? 1 : 0)
        case .booleanAsBigint:
            buffer.append(Int32(8))
            buffer.append(Int64(batch.bool(row: row, column: column)! ? 1 : 0))
        case .booleanAsDouble:
            buffer.append(Int32(8))
            buffer.append(Int64(bitPattern: (batch.bool(row: row, column: column)! ? 1.0 : 0.0).bitPattern))
        case .booleanAsNumeric:
            NumericBinary.append(batch.bool(row: row, column: column)! ? 1 : 0, to: buffer)
        case .booleanAsText(let json):
            appendText(batch.bool(row: row, column: column)! ? "true" : "false", json: json, to: buffer)
        case .bigint:
            buffer.append(Int32(8))
            buffer.append(batch.int64(row: row, column: column)!)
        case .bigintAsDouble:
            guard let exact = Double(exactly: batch.int64(row: row, column: column)!) else { throw .inexactDouble }
            buffer.append(Int32(8))
            buffer.append(Int64(bitPattern: exact.bitPattern))
        case .bigintAsNumeric:
            NumericBinary.append(batch.int64(row: row, column: column)!, to: buffer)
        case .bigintAsText(let json):
            appendText(String(batch.int64(row: row, column: column)!), json: json, to: buffer)
        case .double:
            buffer.append(Int32(8))
            buffer.append(Int64(bitPattern: batch.double(row: row, column: column)!.bitPattern))
        case .doubleAsNumeric:
            var text = Self.text(of: batch.double(row: row, column: column)!)
            do {
                try text.withUTF8 { try NumericBinary.append(UnsafeRawBufferPointer($0), to: buffer, limit: nil) }
            } catch let failure as NumericBinary.Failure {
                throw .decimal(failure)
            } catch {
                throw .decimal(.malformed)
            }
        case .doubleAsText(let json):
            let value = batch.double(row: row, column: column)!
            if json, !value.isFinite { throw .notJSONNumber }
            appendText(Self.text(of: value), json: json, to: buffer)
        case .bytes:
            let bytes = batch.utf8(row: row, column: column)!
            buffer.append(Int32(bytes.count))
            buffer.append(bytes)
        case .binary:
            let bytes = batch.binary(row: row, column: column)!
            buffer.append(Int32(bytes.count))
            buffer.append(bytes)
        case .json:
            let bytes = batch.utf8(row: row, column: column)!
            buffer.append(Int32(bytes.count + 1))
            buffer.append(byte: 1)
            buffer.append(bytes)
        case .textAsJSONString:
            let bytes = batch.utf8(row: row, column: column)!
            var quoted: [UInt8] = [1]
            quoted.reserveCapacity(bytes.count + 8)
            JSONStringWriter.append(bytes, to: &quoted)
            buffer.append(Int32(quoted.count))
            quoted.withUnsafeBytes { buffer.append($0) }
        case .decimal(let limit):
            do {
                try NumericBinary.append(batch.utf8(row: row, column: column)!, to: buffer, limit: limit)
            } catch {
                throw .decimal(error)
            }
        case .decimalAsJSON:
            let bytes = batch.utf8(row: row, column: column)!
            guard JSONNumberSyntax.matches(bytes) else { throw .notJSONNumber }
            buffer.append(Int32(bytes.count + 1))
            buffer.append(byte: 1)
            buffer.append(bytes)
        case .date:
            let days = Int64(batch.date32(row: row, column: column)!) - Self.epochDays
            guard Self.dates.contains(days) else { throw .dateOutOfRange }
            buffer.append(Int32(4))
            buffer.append(Int32(days))
        case .dateAsTimestamp:
            let days = Int64(batch.date32(row: row, column: column)!) - Self.epochDays
            let (micros, overflow) = days.multipliedReportingOverflow(by: 86_400_000_000)
            guard !overflow, Self.timestamps.contains(micros) else { throw .timestampOutOfRange }
            buffer.append(Int32(8))
            buffer.append(micros)
        case .dateAsText(let json):
            let count = DateText.writeDate(daysSinceEpoch: Int64(batch.date32(row: row, column: column)!),
                                           into: scratch)
            appendText(UnsafeRawBufferPointer(start: scratch, count: count), json: json, to: buffer)
        case .timestamp:
            let (micros, overflow) = batch.timestamp(row: row, column: column)!
                .subtractingReportingOverflow(Self.epochMicroseconds)
            guard !overflow, Self.timestamps.contains(micros) else { throw .timestampOutOfRange }
            buffer.append(Int32(8))
            buffer.append(micros)
        case .timestampAsText(let json):
            let count = DateText.writeTimestamp(microsecondsSinceEpoch: batch.timestamp(row: row, column: column)!,
                                                into: scratch)
            appendText(UnsafeRawBufferPointer(start: scratch, count: count), json: json, to: buffer)
        }
    }

    /// Appends ASCII `text` as a text field, or as a jsonb field (a JSON
    /// string when `json` and the text is a date or timestamp; a literal
    /// for numbers and booleans).
    @inline(__always)
    private func appendText(_ text: String, json: Bool, to buffer: CopyBuffer) {
        var text = text
        text.withUTF8 { bytes in
            appendJSONLiteral(UnsafeRawBufferPointer(bytes), json: json, quoted: false, to: buffer)
        }
    }

    @inline(__always)
    private func appendText(_ bytes: UnsafeRawBufferPointer, json: Bool, to buffer: CopyBuffer) {
        appendJSONLiteral(bytes, json: json, quoted: true, to: buffer)
    }

    @inline(__always)
    private func appendJSONLiteral(_ bytes: UnsafeRawBufferPointer, json: Bool, quoted: Bool, to buffer: CopyBuffer) {
        guard json else {
            buffer.append(Int32(bytes.count))
            buffer.append(bytes)
            return
        }
        let quotes = quoted ? 2 : 0
        buffer.append(Int32(bytes.count + 1 + quotes))
        buffer.append(byte: 1)
        if quoted { buffer.append(byte: UInt8(ascii: "\"")) }
        buffer.append(bytes)
        if quoted { buffer.append(byte: UInt8(ascii: "\"")) }
    }

    /// The shortest text that reads back as `value` in PostgreSQL's
    /// spelling: `5` (not `5.0`), `0.1`, `1e+100`, `NaN`, `Infinity`.
    static func text(of value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }
}

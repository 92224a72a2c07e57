import ETLPluginKit

/// How pass 2 reads one column of a spooled Arrow batch: a column that
/// arrived in its resolved type is copied value by value off its buffers
/// (``copy(row:column:type:of:to:)``), never spelled as text; any other is
/// seen as cells (``cell(row:column:field:of:_:)``) for ``CellConversion``
/// to cast: text as it is (no copy), typed values in the spelling inference
/// saw (integers in decimal, doubles in shortest round-trip text, dates
/// `YYYY-MM-DD`, timestamps ISO 8601 UTC with microseconds).
struct ArrowCast {
    private var scratch: [UInt8] = []

    /// Whether a column that arrived as `arrived` holds values of `type`
    /// as they are (no cast needed): int64 as integer, float64 as number,
    /// bool as boolean, date32, timestamp, binary, and any utf8 as text.
    static func arrives(as type: ColumnType, from arrived: ArrowColumnType) -> Bool {
        switch (arrived, type) {
        case (.int64, .integer), (.float64, .number), (.bool, .boolean), (.date32, .date),
             (.timestampMicrosecondsUTC, .timestamp), (.binary, .binary), (.utf8, .text):
            true
        default:
            false
        }
    }

    /// Appends the value in `row` of `column` (of `type`, which ``arrives(as:from:)``
    /// the column's type) to `builder` as it is; a negative zero as 0 (docs/TYPES.md).
    static func copy(row: Int, column: Int, type: ArrowColumnType, of batch: ImportedBatch, to builder: ArrowBatchBuilder) {
        if batch.isNull(row: row, column: column) {
            builder.appendNull()
            return
        }
        switch type {
        case .int64: builder.append(batch.int64(row: row, column: column)!)
        case .float64:
            let value = batch.double(row: row, column: column)!
            builder.append(value == 0 ? 0.0 : value)
        case .bool: builder.append(batch.bool(row: row, column: column)!)
        case .date32: builder.appendDate32(daysSinceEpoch: batch.date32(row: row, column: column)!)
        case .timestampMicrosecondsUTC: builder.appendTimestamp(microsecondsSinceEpoch: batch.timestamp(row: row, column: column)!)
        case .binary: builder.appendBinary(batch.binary(row: row, column: column)!)
        case .utf8: builder.appendUTF8(batch.utf8(row: row, column: column)!, validate: false)
        case .null: builder.appendNull()
        }
    }

    /// The kind of the cells of a column of `field`: utf8 text by its
    /// annotation (untyped CSV text, JSON, decimal, else a string), typed
    /// values by their type.
    static func cellKind(of field: ArrowField) -> CellKind {
        switch field.type {
        case .utf8:
            switch field.annotation {
            case .untyped?: .untyped
            case .json?: .json
            case .decimal?: .decimal
            default: .string
            }
        case .binary: .binary
        case .int64: .integer
        case .float64: .double
        case .bool: .boolean
        case .date32: .date
        case .timestampMicrosecondsUTC: .timestamp
        case .null: .null
        }
    }

    /// Calls `body` with the non-null value in `row` of `column` (of `type`)
    /// as a cell: `kind` (``cellKind(of:)``) and its bytes (valid during
    /// the call only).
    mutating func cell(row: Int, column: Int, type: ArrowColumnType, kind: CellKind, of batch: ImportedBatch,
                       _ body: (CellKind, UnsafeRawBufferPointer) -> Void) {
        switch type {
        case .utf8:
            body(kind, batch.utf8(row: row, column: column)!)
        case .binary:
            body(.binary, batch.binary(row: row, column: column)!)
        case .int64:
            spell(.integer, String(batch.int64(row: row, column: column)!), body)
        case .float64:
            // NaN and ±Infinity as words, a negative zero as 0 (DoubleExactness).
            spell(.double, DoubleExactness.text(of: batch.double(row: row, column: column)!), body)
        case .bool:
            spell(.boolean, batch.bool(row: row, column: column)! ? "true" : "false", body)
        case .date32:
            spell(.date, ValueFormatter.date(batch.date32(row: row, column: column)!), body)
        case .timestampMicrosecondsUTC:
            spell(.timestamp, ValueFormatter.timestamp(batch.timestamp(row: row, column: column)!), body)
        case .null:
            body(.null, UnsafeRawBufferPointer(start: nil, count: 0))
        }
    }

    private mutating func spell(_ kind: CellKind, _ text: String, _ body: (CellKind, UnsafeRawBufferPointer) -> Void) {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: text.utf8)
        scratch.withUnsafeBytes { body(kind, $0) }
    }
}

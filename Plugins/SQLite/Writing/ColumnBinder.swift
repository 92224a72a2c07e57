import CSQLite
import ETLPluginKit

/// How one Arrow column is bound to its INSERT parameter, chosen once per
/// load from the column's Arrow type and the type of the table column it
/// goes into (which may be wider, see ``StoredType/widened(toHold:)``).
struct ColumnBinder {
    enum Kind {
        /// A `null` column: always NULL.
        case null
        /// bool as integer 0 / 1.
        case boolean
        /// bool into TEXT: `true` / `false`.
        case booleanText
        /// int64 as an integer.
        case integer
        /// int64 into REAL: as a double, refused when not exact.
        case integerAsReal
        /// float64 as a double (±Infinity included); NaN is refused: SQLite
        /// has no NaN (it would read back as NULL).
        case real
        /// float64 into TEXT or DECIMAL_TEXT: its shortest round-trip text
        /// (`Infinity`, `-Infinity`, `NaN` as words).
        case realText
        /// utf8 as text, the Arrow bytes bound in place.
        case text
        /// binary as a blob, bound in place.
        case blob
        /// date32 as `YYYY-MM-DD`.
        case date
        /// date32 into a timestamp column: midnight UTC.
        case dateAsTimestamp
        /// timestamp as `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
        case timestamp
    }

    /// The column's index in the batch.
    let column: Int
    let kind: Kind

    /// The binder for a column of Arrow type `type` going into a column
    /// stored as `target`.
    init(column: Int, type: ArrowColumnType, target: StoredType) {
        self.column = column
        switch type {
        case .null: kind = .null
        case .bool: kind = target == .text ? .booleanText : .boolean
        case .int64: kind = target == .real ? .integerAsReal : .integer
        case .float64:
            switch target {
            case .text, .decimal: kind = .realText
            default: kind = .real
            }
        case .utf8: kind = .text
        case .binary: kind = .blob
        case .date32: kind = target == .timestamp ? .dateAsTimestamp : .date
        case .timestampMicrosecondsUTC: kind = .timestamp
        }
    }

    /// Binds the value at `row` of `values` (this binder's column of the
    /// batch, see ``ColumnValues``) to `parameter` (1-based) of
    /// `statement`; returns SQLite's status, or `nil` when the value cannot
    /// be stored exactly (an integer beyond 2^53 going into REAL, a NaN:
    /// see ``unstorable(_:row:)``).
    ///
    /// Text and blobs are bound with `SQLITE_STATIC`: SQLite reads them in
    /// place, so the batch must stay alive until the row is stepped and the
    /// bindings are cleared. So are dates and timestamps, formatted into
    /// `scratch` (``DateText/capacity`` bytes): each parameter needs a
    /// scratch of its own that stays unchanged until the statement is
    /// stepped (no copy, no allocation per value).
    @inline(__always)
    func bind(_ values: ColumnValues, row: Int, to statement: OpaquePointer, parameter: Int32,
              scratch: UnsafeMutablePointer<UInt8>) -> Int32? {
        if kind == .null || values.isNull(row) { return sqlite3_bind_null(statement, parameter) }
        switch kind {
        case .null:
            return sqlite3_bind_null(statement, parameter)
        case .boolean:
            return sqlite3_bind_int(statement, parameter, values.bool(row) ? 1 : 0)
        case .booleanText:
            return values.bool(row) ? sqlite3_bind_text(statement, parameter, "true", 4, sqliteTransient)
                : sqlite3_bind_text(statement, parameter, "false", 5, sqliteTransient)
        case .integer:
            return sqlite3_bind_int64(statement, parameter, values.eightBytes(row, as: Int64.self))
        case .integerAsReal:
            guard let exact = Double(exactly: values.eightBytes(row, as: Int64.self)) else { return nil }
            return sqlite3_bind_double(statement, parameter, exact)
        case .real:
            let value = values.eightBytes(row, as: Double.self)
            guard !value.isNaN else { return nil }
            return sqlite3_bind_double(statement, parameter, value)
        case .realText:
            return sqlite3_bind_text(statement, parameter, RealText.format(values.eightBytes(row, as: Double.self)), -1,
                                     sqliteTransient)
        case .text:
            let bytes = values.variableWidth(row)
            let start = bytes.baseAddress?.assumingMemoryBound(to: CChar.self) ?? emptyBytes
            return sqlite3_bind_text(statement, parameter, start, Int32(bytes.count), nil)
        case .blob:
            let bytes = values.variableWidth(row)
            return sqlite3_bind_blob(statement, parameter, bytes.baseAddress ?? UnsafeRawPointer(emptyBytes),
                                     Int32(bytes.count), nil)
        case .date:
            let count = DateText.writeDate(daysSinceEpoch: Int64(values.date32(row)), into: scratch)
            return bindScratch(scratch, count: count, to: statement, parameter: parameter)
        case .dateAsTimestamp:
            let count = DateText.writeTimestamp(microsecondsSinceEpoch: Int64(values.date32(row)) * 86_400_000_000, into: scratch)
            return bindScratch(scratch, count: count, to: statement, parameter: parameter)
        case .timestamp:
            let count = DateText.writeTimestamp(microsecondsSinceEpoch: values.eightBytes(row, as: Int64.self), into: scratch)
            return bindScratch(scratch, count: count, to: statement, parameter: parameter)
        }
    }

    @inline(__always)
    private func bindScratch(_ scratch: UnsafeMutablePointer<UInt8>, count: Int, to statement: OpaquePointer,
                             parameter: Int32) -> Int32 {
        scratch.withMemoryRebound(to: CChar.self, capacity: count) { text in
            sqlite3_bind_text(statement, parameter, text, Int32(count), nil)
        }
    }

    /// Why the value at `row` could not be bound (``bind`` returned nil),
    /// and what to do.
    func unstorable(_ batch: ImportedBatch, row: Int) -> String {
        if kind == .real { return "\(Self.nanReason); the row is refused" }
        return "\(Self.inexactReason); load the column as text instead"
    }

    static let nanReason = "holds NaN, which SQLite cannot store (a REAL NaN reads back as NULL)"
    static let inexactReason = "holds an integer that REAL cannot represent exactly (beyond 2^53)"

    /// Whether some values of this column may be ones SQLite cannot store
    /// (``unstorableValue(_:row:)``): float64 into REAL, int64 into REAL.
    var mayRefuse: Bool { kind == .real || kind == .integerAsReal }

    /// The value at `row` as text, and why SQLite cannot store it, when it
    /// cannot (NaN into REAL, an integer beyond 2^53 into REAL); nil when
    /// it can.
    func unstorableValue(_ batch: ImportedBatch, row: Int) -> (text: String, reason: String)? {
        switch kind {
        case .real:
            guard let value = batch.double(row: row, column: column), value.isNaN else { return nil }
            return ("NaN", Self.nanReason)
        case .integerAsReal:
            guard let value = batch.int64(row: row, column: column), Double(exactly: value) == nil else { return nil }
            return (String(value), Self.inexactReason)
        default:
            return nil
        }
    }
}

import CSQLite
import ETLPluginKit

/// The rows of one read-only query, served batch by batch (at most
/// ``batchRows`` rows each, so memory stays flat) from a statement that
/// SQLite steps as the host reads.
///
/// Column types (README.md, "Queries"): a column read from a table takes
/// its declared type (``StoredType``: `INTEGER` int64, `REAL` float64,
/// `TEXT` utf8, `BLOB` binary, `BOOLEAN` bool, `DATE_TEXT` date32,
/// `TIMESTAMP_TEXT` timestamp, `JSON_TEXT` utf8 JSON, `DECIMAL_TEXT(p,s)`
/// utf8 decimal; other declarations by SQLite's affinity rules); an
/// expression takes the storage class of its values in the first batch
/// (integers and reals together: float64; all NULL: utf8). A column whose
/// first-batch values do not all fit that type (text in an INTEGER column,
/// mixed storage classes) is utf8, numbers as their text (reals in the
/// shortest form that reads back exactly, as ``RealText``).
/// A later value that does not fit its column's type fails the stream as
/// bad data, naming the column and row: `CAST(x AS TEXT)` avoids that.
final class SQLiteQuerySource: BatchSource {
    /// Rows per batch.
    static let batchRows = 1024

    let schema: ArrowBatchSchema
    private let statement: SQLiteStatement
    private let types: [StoredType]
    /// The first batch's rows, read to decide the column types.
    private var firstRows: [[SQLiteValue]]
    private var finished: Bool
    private var rowNumber = 0

    /// Prepares and starts `sql` (one read-only statement returning
    /// columns) on `db`.
    init(sql: String, db: SQLiteConnection) throws {
        let statement = try SQLiteStatementText.prepare(sql, on: db)
        let handle = statement.handle
        let count = sqlite3_column_count(handle)
        guard count > 0 else {
            throw PluginError.invalidArgument("the statement returns no columns; run it with execute")
        }
        guard sqlite3_stmt_readonly(handle) != 0 else {
            throw PluginError.invalidArgument("the statement writes to the database; a query is read-only (run "
                + "it with execute)")
        }
        var rows: [[SQLiteValue]] = []
        var done = false
        while rows.count < Self.batchRows {
            let status = sqlite3_step(handle)
            if status == SQLITE_DONE { done = true; break }
            guard status == SQLITE_ROW else { throw SQLiteStatementText.statementFailure(status, on: db) }
            rows.append((0..<count).map { SQLiteValue(column: $0, of: handle) })
        }
        var fields: [ArrowField] = []
        var types: [StoredType] = []
        for column in 0..<Int(count) {
            let name = sqlite3_column_name(handle, Int32(column)).map { String(cString: $0) } ?? "column\(column + 1)"
            let declared = sqlite3_column_decltype(handle, Int32(column)).map { StoredType(declared: String(cString: $0)) }
            let values = rows.map { $0[column] }
            let type = Self.columnType(declared: declared, values: values)
            types.append(type)
            fields.append(type.arrowField(named: name))
        }
        self.statement = statement
        self.types = types
        schema = ArrowBatchSchema(fields)
        firstRows = rows
        finished = done
    }

    /// The type of a column declared as `declared` (nil: an expression)
    /// whose first-batch values are `values`.
    static func columnType(declared: StoredType?, values: [SQLiteValue]) -> StoredType {
        if let declared, declared != .untyped {
            return values.allSatisfy { fits($0, declared) } ? declared : .text
        }
        var seen = Set<StoredType>()
        for value in values {
            switch value {
            case .null: continue
            case .integer: seen.insert(.integer)
            case .real: seen.insert(.real)
            case .text: seen.insert(.text)
            case .blob: seen.insert(.blob)
            }
        }
        if seen == [.integer, .real] { return .real }
        return seen.count == 1 ? seen.first! : .text
    }

    /// Whether `value` can be delivered in a column of `type`.
    private static func fits(_ value: SQLiteValue, _ type: StoredType) -> Bool {
        switch (value, type) {
        case (.null, _): true
        case (.integer(let number), .boolean): number == 0 || number == 1
        case (.integer, .integer), (.integer, .real), (.real, .real): true
        case (.text, .text), (.text, .json), (.text, .decimal), (.integer, .text), (.real, .text): true
        case (.text(let text), .date): DateText.parseDate(bytes: text) != nil
        case (.text(let text), .timestamp): DateText.parseTimestamp(bytes: text) != nil
        case (.blob, .blob): true
        default: false
        }
    }

    func nextBatch(into builder: ArrowBatchBuilder) throws -> Bool {
        if !firstRows.isEmpty {
            let rows = firstRows
            firstRows = []
            for row in rows { try append(row, to: builder) }
            return true
        }
        guard !finished else { return false }
        let handle = statement.handle
        let count = Int32(types.count)
        for _ in 0..<Self.batchRows {
            let status = sqlite3_step(handle)
            if status == SQLITE_DONE { finished = true; return true }
            guard status == SQLITE_ROW else {
                throw SQLiteStatementText.statementFailure(status, on: statement.connection)
            }
            try append((0..<count).map { SQLiteValue(column: $0, of: handle) }, to: builder)
        }
        return true
    }

    private func append(_ row: [SQLiteValue], to builder: ArrowBatchBuilder) throws {
        rowNumber += 1
        for (column, value) in row.enumerated() {
            let type = types[column]
            guard Self.fits(value, type) else {
                throw PluginError.data("row \(rowNumber), column \"\(schema.fields[column].name)\": "
                    + "a \(value.storageClass) value does not fit the column's type \(type.description) (decided "
                    + "by the first \(Self.batchRows) rows); CAST the column AS TEXT")
            }
            switch (value, type) {
            case (.null, _): builder.appendNull()
            case (.integer(let number), .boolean): builder.append(number == 1)
            case (.integer(let number), .integer): builder.append(number)
            case (.integer(let number), .real): builder.append(Double(number))
            case (.real(let number), .real): builder.append(number)
            case (.integer(let number), _): builder.appendText(String(number))
            case (.real(let number), _): builder.appendText(RealText.format(number))
            case (.text(let text), .date): builder.appendDate32(daysSinceEpoch: DateText.parseDate(bytes: text))
            case (.text(let text), .timestamp):
                builder.appendTimestamp(microsecondsSinceEpoch: DateText.parseTimestamp(bytes: text))
            case (.text(let text), _): builder.appendText(text)
            case (.blob(let bytes), _): builder.appendBinary(bytes)
            }
        }
        try builder.endRow()
    }
}

extension SQLiteValue {
    /// SQLite's name for the value's storage class.
    var storageClass: String {
        switch self {
        case .null: "NULL"
        case .integer: "INTEGER"
        case .real: "REAL"
        case .text: "TEXT"
        case .blob: "BLOB"
        }
    }
}

extension DateText {
    /// ``parseDate(_:)`` of a string's UTF-8 bytes.
    static func parseDate(bytes text: String) -> Int32? {
        var copy = text
        return copy.withUTF8 { parseDate(UnsafeRawBufferPointer($0)) }
    }

    /// ``parseTimestamp(_:)`` of a string's UTF-8 bytes.
    static func parseTimestamp(bytes text: String) -> Int64? {
        var copy = text
        return copy.withUTF8 { parseTimestamp(UnsafeRawBufferPointer($0)) }
    }
}

import ETLPluginKit

/// Pass 2 of a sync: converts spooled batches into typed Arrow batches of
/// the resolved table schema. Columns that arrived in their resolved type
/// are copied as they are; the others, and record fields (cells), are cast.
///
/// Missing fields and empty untyped text in non-text columns load as NULL.
/// Inference saw every value, so conversions succeed, and they are exact
/// (``CellConversion``); a value can only fail when a source's type hint
/// was wrong, which is reported with the row and column (never the value)
/// and blames the source. Such a row is set aside instead while
/// ``rejectAllowance`` lasts (the user's `--max-bad-rows`).
final class BatchConverter {
    let schema: TableSchema
    let stream: String
    /// The types the source declared, by source field (catalog hints).
    let declared: [String: ColumnType]
    /// Rows that may still be set aside instead of failing the stream.
    var rejectAllowance = 0
    /// The rows set aside so far, for `_etl_rejects`.
    private(set) var rejected: [PluginContext.Reject] = []
    private let builder: ArrowBatchBuilder
    private var conversion = CellConversion()
    private var cast = ArrowCast()
    /// Undoes the escapes of member columns' strings (``MemberToken``).
    private let strings = JSONObjectScanner()

    init(schema: TableSchema, stream: String, declared: [String: ColumnType] = [:]) throws {
        self.schema = schema
        self.stream = stream
        self.declared = declared
        builder = try ArrowBatchBuilder(schema: schema.arrowSchema, capacity: 1 << 16)
    }

    /// Converts `batch` and exports it into `array` (the caller owns it);
    /// returns the number of rows exported (rows set aside are not).
    @discardableResult
    func convert(_ batch: CellBatch, into array: UnsafeMutablePointer<ArrowArray>) throws -> Int {
        var sourceIndex: [String: Int] = [:]
        for (index, column) in batch.columns.enumerated() where sourceIndex[column.name] == nil {
            sourceIndex[column.name] = index
        }
        let inputs: [ColumnInput?] = schema.columns.map { column in sourceIndex[column.source].map { .cells(batch.columns[$0].cells) } }
        return try convert(rows: batch.rowCount, firstRow: batch.firstRow, inputs: inputs, arrow: nil, into: array)
    }

    /// Converts a batch read back from the spool and exports it into
    /// `array` (the caller owns it); returns the number of rows exported.
    ///
    /// A column whose resolved type is the type it arrived in is copied
    /// off the Arrow buffers as it is (a double keeps its bits, NaN
    /// payloads included; -0.0 loads as 0); only the others are cast, by
    /// the rules of ``CellConversion`` (CSV text parsed, integers widened
    /// to number or decimal, anything widened to text or json).
    @discardableResult
    func convert(_ batch: SpooledBatch, into array: UnsafeMutablePointer<ArrowArray>) throws -> Int {
        var own: [String: SpooledBatch.OwnColumn] = [:]
        for column in batch.ownColumns where own[column.source] == nil {
            own[column.source] = column
        }
        var cells: [String: CellBatch.Column] = [:]
        for column in batch.records?.batch.columns ?? [] where cells[column.name] == nil {
            cells[column.name] = column
        }
        let inputs: [ColumnInput?] = schema.columns.map { column in
            guard let arrived = own[column.source] else { return cells[column.source].map { .cells($0.cells) } }
            let type = arrived.field.type
            if arrived.field.annotation == .member, let arrow = batch.arrow {
                // The rows whose record came whole (the record column) have the field's cells there.
                return .member(TextColumnReader(arrow, column: arrived.index), cells[column.source]?.cells)
            }
            if type == .utf8, let arrow = batch.arrow {
                // Text (CSV's untyped cells above all) is read off its buffers inline.
                let text = TextColumnReader(arrow, column: arrived.index)
                return ArrowCast.arrives(as: column.type, from: type) ? .arrivedText(text) : .text(text, ArrowCast.cellKind(of: arrived.field))
            }
            return ArrowCast.arrives(as: column.type, from: type)
                ? .arrived(arrived.index, type) : .arrow(arrived.index, type, ArrowCast.cellKind(of: arrived.field))
        }
        return try withExtendedLifetime(batch) {
            try convert(rows: batch.rowCount, firstRow: batch.firstRow, inputs: inputs, arrow: batch.arrow, into: array)
        }
    }

    /// Where a table column's values come from in one batch.
    private enum ColumnInput {
        /// Cells (kind, bytes), converted by ``CellConversion``.
        case cells(CellBatch.Cells)
        /// An Arrow column of a type other than the resolved one, and the
        /// kind of its cells: cast.
        case arrow(Int, ArrowColumnType, CellKind)
        /// An Arrow column already of the resolved type: copied as it is.
        case arrived(Int, ArrowColumnType)
        /// A utf8 Arrow column going into a text column: copied as it is.
        case arrivedText(TextColumnReader)
        /// A utf8 Arrow column of another resolved type, and the kind of
        /// its cells: cast.
        case text(TextColumnReader, CellKind)
        /// A member column (`etl.member`, typed value by value by
        /// ``MemberToken``), and the cells of the same field from the rows
        /// that came as whole records.
        case member(TextColumnReader, CellBatch.Cells?)
    }

    private func convert(rows rowCount: Int, firstRow: Int, inputs: [ColumnInput?], arrow: ImportedBatch?,
                         into array: UnsafeMutablePointer<ArrowArray>) throws -> Int {
        var exported = 0
        let types = schema.columns.map(\.type)
        // Local copies: a class's stored property mutated per cell costs a
        // dynamic exclusivity check each time.
        var conversion = self.conversion
        var cast = self.cast
        let strings = self.strings
        defer {
            self.conversion = conversion
            self.cast = cast
        }
        rows: for row in 0 ..< rowCount {
            for (position, input) in inputs.enumerated() {
                var failure: CellConversion.Failure?
                var raw: [UInt8] = []
                switch input {
                case nil:
                    builder.appendNull()
                case .cells(let cells):
                    let kind = cells.kind(row)
                    if kind == .null {
                        builder.appendNull()
                        continue
                    }
                    failure = conversion.append(kind, cells.value(row), as: types[position], to: builder)
                    if failure != nil { raw = Array(cells.value(row)) }
                case .arrived(let column, let type):
                    ArrowCast.copy(row: row, column: column, type: type, of: arrow!, to: builder)
                case .arrivedText(let text):
                    if let value = text.value(row) { builder.appendUTF8(value, validate: false) } else { builder.appendNull() }
                case .text(let text, let kind):
                    guard let value = text.value(row) else {
                        builder.appendNull()
                        continue
                    }
                    failure = conversion.append(kind, value, as: types[position], to: builder)
                    if failure != nil { raw = Array(value) }
                case .member(let text, let records):
                    guard let value = text.value(row) else {
                        if let records, case let kind = records.kind(row), kind != .null {
                            failure = conversion.append(kind, records.value(row), as: types[position], to: builder)
                            if failure != nil { raw = Array(records.value(row)) }
                        } else {
                            builder.appendNull()
                        }
                        break
                    }
                    guard let cell = MemberToken.cell(value, strings: strings) else {
                        throw MemberToken.failure(of: value, strings: strings)
                            .error(stream: stream, column: schema.columns[position].source, row: firstRow + row + 1)
                    }
                    if cell.kind == .null {
                        builder.appendNull()
                        continue
                    }
                    failure = conversion.append(cell.kind, cell.bytes, as: types[position], to: builder)
                    if failure != nil { raw = Array(cell.bytes) }
                case .arrow(let column, let type, let kind):
                    if type == .null || arrow!.isNull(row: row, column: column) {
                        builder.appendNull()
                        continue
                    }
                    cast.cell(row: row, column: column, type: type, kind: kind, of: arrow!) { kind, value in
                        failure = conversion.append(kind, value, as: types[position], to: builder)
                        if failure != nil { raw = Array(value) }
                    }
                }
                if let failure {
                    builder.discardRow()
                    let column = schema.columns[position]
                    let message = message(failure, row: firstRow + row + 1, column: column)
                    guard rejectAllowance > 0 else {
                        throw HostError(.badData, message, stream: stream, location: "row \(firstRow + row + 1), column '\(column.name)'")
                    }
                    rejectAllowance -= 1
                    rejected.append(PluginContext.Reject(
                        stream: stream, location: "stream '\(stream)' row \(firstRow + row + 1), column '\(column.name)'",
                        reason: message, raw: raw))
                    continue rows
                }
            }
            do { try builder.endRow() } catch {
                throw HostError(.badData, "stream '\(stream)' row \(firstRow + row + 1): \(error.message)", stream: stream,
                                location: "row \(firstRow + row + 1)")
            }
            exported += 1
        }
        do { try builder.finish(into: array) } catch {
            throw HostError(.badData, "stream '\(stream)': \(error.message)")
        }
        return exported
    }

    /// The message for a value that did not convert: what is wrong with it,
    /// and whose type it did not fit (the source's declaration, or the
    /// host's inference, which saw the value and so should never fail).
    func message(_ failure: CellConversion.Failure, row: Int, column: TableSchema.Column) -> String {
        let place = "stream '\(stream)' row \(row), column '\(column.name)' (source field '\(column.source)')"
        let what: String = switch failure {
        case .notValid: "the value is not a valid \(column.type.rawValue)"
        case .notHeldByDouble: "the value is a number that a double cannot hold exactly (it would be stored as a nearby number)"
        case .notFiniteForJSON: "the value is a NaN or infinite double, which a JSON column cannot hold"
        }
        if let hint = declared[column.source] {
            return "\(place): \(what), and the source declared \(hint.rawValue) for this field; the source's type hint is wrong"
        }
        if failure == .notFiniteForJSON {
            return "\(place): \(what) (the column is json because of other values or the stored table); load NaN and infinities into a number column"
        }
        return "\(place): \(what), though the host inferred \(column.type.rawValue) from every value of the stream and the stored table: a bug in etl-host, please report it"
    }
}

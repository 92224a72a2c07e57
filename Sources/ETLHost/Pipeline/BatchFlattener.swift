import ETLPluginKit

/// The stream's fields and their inference, and the cells of a batch.
///
/// Pass 1 of a sync calls ``infer(_:)`` on each extracted Arrow batch: every
/// value goes to the stream's type inference, read off the Arrow buffers.
/// Pass 2 calls ``recordCells(_:)`` on each batch read back from the spool:
/// a record column's fields as (kind, bytes) cells for ``BatchConverter``
/// (the batch's own columns it reads off their Arrow buffers).
/// ``flatten(_:)`` makes cells of every column (the reference that
/// ``infer(_:)`` infers the same as).
///
/// Typed columns keep their type (as a kind); untyped text (CSV) and JSON
/// records are classified value by value. A record column (`etl.record`)
/// is flattened: each top-level key becomes a field, nested objects and
/// arrays are kept as JSON text. A member column (`etl.member`: one
/// top-level member's JSON text per row, ``MemberToken``) is typed value by
/// value the same way; its field may also arrive in the record column, in
/// the rows the extractor sent whole, and both feed the one field.
struct BatchFlattener {
    /// Per source field, in first-seen order.
    private(set) var fieldOrder: [String] = []
    private(set) var inference: [String: ColumnInference] = [:]
    /// Rows seen so far.
    private(set) var rowCount = 0
    /// The stream being read, for messages.
    let stream: String
    /// The extractor that sends it, for messages (nil when unknown).
    let plugin: String?
    private var records = RecordFlattener()
    /// The source name of each field of the registered schema.
    private var sourceNames: [String] = []
    private var repeated = RepeatedFieldNames()

    init(stream: String, plugin: String? = nil) {
        self.stream = stream
        self.plugin = plugin
    }

    /// Registers the stream's own columns (in schema order) so that fields
    /// exist even when the stream has no rows. Record columns register
    /// their keys as they are seen instead. A field name that repeats gets
    /// a source name of its own (`name#2`, see ``RepeatedFieldNames``).
    ///
    /// - Throws: `.badData` when a repeat's source name is taken by another field.
    mutating func register(_ schema: ArrowBatchSchema) throws {
        sourceNames = try repeated.sourceNames(for: schema.fields.map(\.name), stream: stream)
        guard !schema.fields.contains(where: { $0.annotation == .record }) else { return }
        for source in sourceNames where inference[source] == nil {
            inference[source] = ColumnInference()
            fieldOrder.append(source)
        }
    }

    /// The name to normalize into a column name for the field `source`
    /// (the repeated name for `name#2`).
    func columnBase(of source: String) -> String {
        records.repeated.bases[source] ?? repeated.base(of: source)
    }

    /// Flattens one batch into spool columns, all `batch.rowCount` long.
    mutating func flatten(_ batch: ImportedBatch) throws -> [CellColumn] {
        let rows = batch.rowCount
        var columns: [CellColumn] = []
        let recordColumn = batch.schema.fields.firstIndex { $0.annotation == .record }
        for (index, field) in batch.schema.fields.enumerated() {
            if index == recordColumn || (recordColumn != nil && field.name == "_line") { continue }
            var column = CellColumn(name: index < sourceNames.count ? sourceNames[index] : field.name, reservingRows: rows)
            if field.annotation == .member {
                try fillMembers(&column, from: batch, column: index)
            } else {
                Self.fill(&column, from: batch, column: index, field: field)
            }
            columns.append(column)
        }
        if let recordColumn {
            let lines = batch.schema.fields.firstIndex { $0.name == "_line" && $0.type == .int64 }
            for cells in try records.flatten(batch, column: recordColumn, lineColumn: lines, stream: stream, firstRow: rowCount) {
                // A member column's field in the rows that came whole as records: one column of both.
                if let member = columns.firstIndex(where: { $0.name == cells.name }) {
                    columns[member] = columns[member].filling(cells)
                } else {
                    columns.append(cells)
                }
            }
        }
        for column in columns {
            if inference[column.name] == nil {
                inference[column.name] = ColumnInference()
                fieldOrder.append(column.name)
            }
            observe(column)
        }
        rowCount += rows
        return columns
    }

    /// The source name of the batch's own column `index` (not a record
    /// column): the registered one (`name#2` for a repeat), else the
    /// field's name.
    func sourceName(ofColumn index: Int, field: ArrowField) -> String {
        index < sourceNames.count ? sourceNames[index] : field.name
    }

    /// Pass 2: the cells of the batch's record column (`etl.record`), if
    /// any, flattened as ``flatten(_:)`` does; the batch's own columns are
    /// not made into cells (pass 2 reads their Arrow buffers). Counts the
    /// batch's rows either way.
    mutating func recordCells(_ batch: ImportedBatch) throws -> [CellColumn] {
        defer { rowCount += batch.rowCount }
        guard let recordColumn = batch.schema.fields.firstIndex(where: { $0.annotation == .record }) else { return [] }
        let lines = batch.schema.fields.firstIndex { $0.name == "_line" && $0.type == .int64 }
        return try records.flatten(batch, column: recordColumn, lineColumn: lines, stream: stream, firstRow: rowCount)
    }

    /// Pass 1: feeds every value of `batch` to inference without making
    /// cells of the batch's own columns: their values are read off the
    /// Arrow buffers (text as it is, integers as digits, other typed
    /// values by their kind alone). A record column (`etl.record`) is
    /// flattened as ``flatten(_:)`` does: its source gave JSON text.
    /// Infers exactly what ``flatten(_:)`` infers. Returns the record
    /// column's cells (what ``recordCells(_:)`` would return for the batch;
    /// empty without a record column), for the cell spool.
    @discardableResult
    mutating func infer(_ batch: ImportedBatch) throws -> [CellColumn] {
        let recordColumn = batch.schema.fields.firstIndex { $0.annotation == .record }
        for (index, field) in batch.schema.fields.enumerated() {
            if index == recordColumn || (recordColumn != nil && field.name == "_line") { continue }
            let name = index < sourceNames.count ? sourceNames[index] : field.name
            if inference[name] == nil {
                inference[name] = ColumnInference()
                fieldOrder.append(name)
            }
            if field.annotation == .member {
                try observeMembers(batch, column: index, name: name, into: &inference[name]!)
            } else {
                Self.observe(batch, column: index, field: field, into: &inference[name]!)
            }
        }
        var cells: [CellColumn] = []
        if let recordColumn {
            let lines = batch.schema.fields.firstIndex { $0.name == "_line" && $0.type == .int64 }
            cells = try records.flatten(batch, column: recordColumn, lineColumn: lines, stream: stream, firstRow: rowCount)
            for column in cells {
                if inference[column.name] == nil {
                    inference[column.name] = ColumnInference()
                    fieldOrder.append(column.name)
                }
                observe(column)
            }
        }
        rowCount += batch.rowCount
        return cells
    }

    /// Feeds a member column (`etl.member`, ``MemberToken``) to `state`,
    /// each value by its JSON kind, as ``RecordFlattener`` does for a
    /// record's member.
    private func observeMembers(_ batch: ImportedBatch, column index: Int, name: String,
                                into state: inout ColumnInference) throws {
        let strings = JSONObjectScanner()
        let text = TextColumnReader(batch, column: index)
        var settled = 0
        defer { state.countSettled(settled) }
        for row in 0 ..< batch.rowCount {
            guard let value = text.value(row) else { continue }
            // Once a column is json only counting is left, and once it is text only an object or array
            // changes it: those values are counted without being read (pass 2 still checks each one).
            let lattice = state.latticeType
            if lattice == .json || lattice == .text, let first = value.first {
                let nested = first == UInt8(ascii: "{") || first == UInt8(ascii: "[")
                if lattice == .json || !nested {
                    if first != UInt8(ascii: "n") { settled += 1 } // `null` is no value
                    continue
                }
            }
            guard let (kind, bytes) = MemberToken.cell(value, strings: strings) else {
                throw MemberToken.failure(of: value, strings: strings)
                    .error(plugin: plugin, stream: stream, column: name, row: rowCount + row + 1)
            }
            if kind != .null { state.observe(kind, bytes) }
        }
    }

    /// Copies a member column into cells (what ``observeMembers`` observes).
    private func fillMembers(_ column: inout CellColumn, from batch: ImportedBatch, column index: Int) throws {
        let strings = JSONObjectScanner()
        let text = TextColumnReader(batch, column: index)
        for row in 0 ..< batch.rowCount {
            guard let value = text.value(row) else {
                column.appendNull()
                continue
            }
            guard let (kind, bytes) = MemberToken.cell(value, strings: strings) else {
                throw MemberToken.failure(of: value, strings: strings)
                    .error(plugin: plugin, stream: stream, column: column.name, row: rowCount + row + 1)
            }
            if kind == .null { column.appendNull() } else { column.append(kind, bytes) }
        }
    }

    /// Feeds one Arrow column to `state`, as ``fill(_:from:column:field:)``
    /// would spell its cells.
    private static func observe(_ batch: ImportedBatch, column index: Int, field: ArrowField, into state: inout ColumnInference) {
        let rows = batch.rowCount
        let none = UnsafeRawBufferPointer(start: nil, count: 0)
        switch field.type {
        case .null:
            return
        case .utf8:
            let kind: CellKind = switch field.annotation {
            case .untyped?: .untyped
            case .json?: .json
            case .decimal?: .decimal
            default: .string
            }
            let text = TextColumnReader(batch, column: index)
            for row in 0 ..< rows {
                if let value = text.value(row) { state.observe(kind, value) }
            }
        case .int64:
            var digits = [UInt8](repeating: 0, count: 20)
            for row in 0 ..< rows {
                guard let value = batch.int64(row: row, column: index) else { continue }
                digits.withUnsafeMutableBytes { buffer in
                    var magnitude = value.magnitude
                    var start = buffer.count
                    repeat {
                        start -= 1
                        buffer[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                        magnitude /= 10
                    } while magnitude > 0
                    if value < 0 {
                        start -= 1
                        buffer[start] = UInt8(ascii: "-")
                    }
                    state.observe(.integer, UnsafeRawBufferPointer(rebasing: buffer[start...]))
                }
            }
        case .float64, .bool, .date32, .timestampMicrosecondsUTC, .binary:
            // The kind alone decides: the bytes of these cells are not read.
            let kind: CellKind = switch field.type {
            case .float64: .double
            case .bool: .boolean
            case .date32: .date
            case .timestampMicrosecondsUTC: .timestamp
            default: .binary
            }
            for row in 0 ..< rows where !batch.isNull(row: row, column: index) {
                state.observe(kind, none)
            }
        }
    }

    private mutating func observe(_ column: CellColumn) {
        var state = inference[column.name]!
        column.kinds.withUnsafeBufferPointer { kinds in
            column.offsets.withUnsafeBufferPointer { offsets in
                column.bytes.withUnsafeBytes { bytes in
                    for row in 0 ..< kinds.count {
                        let kind = CellKind(rawValue: kinds[row]) ?? .null
                        if kind == .null { continue }
                        let start = Int(offsets[row])
                        let value = UnsafeRawBufferPointer(rebasing: bytes[start ..< Int(offsets[row + 1])])
                        state.observe(kind, value)
                    }
                }
            }
        }
        inference[column.name] = state
    }

    /// Copies one Arrow column into cells.
    private static func fill(_ column: inout CellColumn, from batch: ImportedBatch, column index: Int, field: ArrowField) {
        let rows = batch.rowCount
        let textKind: CellKind = switch field.annotation {
        case .untyped?: .untyped
        case .json?: .json
        case .decimal?: .decimal
        default: .string
        }
        for row in 0 ..< rows {
            if batch.isNull(row: row, column: index) {
                column.appendNull()
                continue
            }
            switch field.type {
            case .utf8:
                column.append(textKind, batch.utf8(row: row, column: index)!)
            case .binary:
                column.append(.binary, batch.binary(row: row, column: index)!)
            case .int64:
                column.append(.integer, String(batch.int64(row: row, column: index)!))
            case .float64:
                // Every double, NaN and ±Infinity included, goes on as it is
                // (the warehouse stores it or the row is refused), a
                // negative zero as 0 (DoubleExactness).
                column.append(.double, DoubleExactness.text(of: batch.double(row: row, column: index)!))
            case .bool:
                column.append(.boolean, batch.bool(row: row, column: index)! ? "true" : "false")
            case .date32:
                column.append(.date, ValueFormatter.date(batch.date32(row: row, column: index)!))
            case .timestampMicrosecondsUTC:
                column.append(.timestamp, ValueFormatter.timestamp(batch.timestamp(row: row, column: index)!))
            case .null:
                column.appendNull()
            }
        }
    }
}

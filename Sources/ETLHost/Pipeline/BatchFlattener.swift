import ETLPluginKit

/// Pass 1 of a sync: turns each extracted Arrow batch into spool columns of
/// (kind, bytes) cells, one per source field, and feeds every cell to the
/// stream's type inference.
///
/// Typed columns keep their type (as a kind); untyped text (CSV) and JSON
/// records are classified value by value. A record column (`etl.record`)
/// is flattened: each top-level key becomes a field, nested objects and
/// arrays are kept as JSON text.
struct BatchFlattener {
    /// Per source field, in first-seen order.
    private(set) var fieldOrder: [String] = []
    private(set) var inference: [String: ColumnInference] = [:]
    /// Rows seen so far.
    private(set) var rowCount = 0
    /// The stream being read, for messages.
    let stream: String
    private var records = RecordFlattener()
    /// The source name of each field of the registered schema.
    private var sourceNames: [String] = []
    private var repeated = RepeatedFieldNames()

    /// Whether ``flatten(_:)`` feeds the cells to inference (pass 1) or
    /// only returns them (pass 2, which reads the spool again).
    let infers: Bool

    init(stream: String, infers: Bool = true) {
        self.stream = stream
        self.infers = infers
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
            Self.fill(&column, from: batch, column: index, field: field)
            columns.append(column)
        }
        if let recordColumn {
            let lines = batch.schema.fields.firstIndex { $0.name == "_line" && $0.type == .int64 }
            columns += try records.flatten(batch, column: recordColumn, lineColumn: lines, stream: stream, firstRow: rowCount)
        }
        for column in columns {
            if inference[column.name] == nil {
                inference[column.name] = ColumnInference()
                fieldOrder.append(column.name)
            }
            if infers { observe(column) }
        }
        rowCount += rows
        return columns
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

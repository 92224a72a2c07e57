import ETLPluginKit

/// Copies the rows of a query's batch into a builder of the same schema,
/// value by value in their own types (no text round trip), so a `sql`
/// step can hand them to a warehouse writer.
enum BatchCopier {
    /// Appends every row of `batch` to `builder` (whose schema is the
    /// batch's) and ends each row.
    static func append(_ batch: ImportedBatch, to builder: ArrowBatchBuilder) throws(PluginError) {
        let types = batch.schema.fields.map(\.type)
        for row in 0..<batch.rowCount {
            for (column, type) in types.enumerated() {
                copy(row: row, column: column, type: type, of: batch, to: builder)
            }
            try builder.endRow()
        }
    }

    private static func copy(row: Int, column: Int, type: ArrowColumnType, of batch: ImportedBatch,
                             to builder: ArrowBatchBuilder) {
        if batch.isNull(row: row, column: column) {
            builder.appendNull()
            return
        }
        switch type {
        case .int64: builder.append(batch.int64(row: row, column: column)!)
        case .float64: builder.append(batch.double(row: row, column: column)!)
        case .bool: builder.append(batch.bool(row: row, column: column)!)
        case .date32: builder.appendDate32(daysSinceEpoch: batch.date32(row: row, column: column)!)
        case .timestampMicrosecondsUTC:
            builder.appendTimestamp(microsecondsSinceEpoch: batch.timestamp(row: row, column: column)!)
        case .binary: builder.appendBinary(batch.binary(row: row, column: column)!)
        case .utf8: builder.appendUTF8(batch.utf8(row: row, column: column)!, validate: false)
        case .null: builder.appendNull()
        }
    }
}

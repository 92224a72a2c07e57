import ETLHost
import ETLPluginKit

/// One cell of a test row, typed as the Arrow column it comes from or
/// goes into (what warehouse tests write and what `query` returns).
public enum Cell: Hashable, Sendable {
    /// SQL NULL.
    case null
    /// A bool column's value.
    case bool(Bool)
    /// An int64 column's value.
    case int(Int64)
    /// A float64 column's value.
    case real(Double)
    /// A utf8 column's value.
    case text(String)
    /// A binary column's value.
    case bytes([UInt8])
    /// A date32 column's value: days since 1970-01-01.
    case date(Int32)
    /// A timestamp[us, UTC] column's value: microseconds since 1970-01-01.
    case timestamp(Int64)
}

/// What a warehouse's `query` returned: the result's fields, every row as
/// cells typed by the result's Arrow schema, and the size of each batch.
public struct QueryRows: Sendable {
    /// The fields of the result schema, as `ArrowField.description` spells them.
    public var fields: [String]
    /// Every row, in the order the batches carried them.
    public var rows: [[Cell]]
    /// The number of rows of each batch, in order.
    public var batchSizes: [Int]
}

/// Every row of `sql` through `instance`'s `query` (ABI 1.2), as cells
/// typed by the result's Arrow schema, with the size of each batch.
///
/// ```swift
/// #expect(try queryRows(warehouse.instance, "SELECT 2 AS two").rows == [[.int(2)]])
/// ```
public func queryRows(_ instance: PluginInstance, _ sql: String) throws -> QueryRows {
    let stream = try instance.query(sql: sql)
    var rows: [[Cell]] = []
    var sizes: [Int] = []
    while let batch = try stream.next() {
        sizes.append(batch.rowCount)
        for row in 0 ..< batch.rowCount {
            rows.append(batch.schema.fields.indices.map { column -> Cell in
                if batch.isNull(row: row, column: column) { return .null }
                switch batch.schema.fields[column].type {
                case .bool: return .bool(batch.bool(row: row, column: column)!)
                case .int64: return .int(batch.int64(row: row, column: column)!)
                case .float64: return .real(batch.double(row: row, column: column)!)
                case .utf8: return .text(batch.string(row: row, column: column)!)
                case .binary: return .bytes(Array(batch.binary(row: row, column: column)!))
                case .date32: return .date(batch.date32(row: row, column: column)!)
                case .timestampMicrosecondsUTC: return .timestamp(batch.timestamp(row: row, column: column)!)
                case .null: return .null
                }
            })
        }
    }
    return QueryRows(fields: stream.schema.fields.map(\.description), rows: rows, batchSizes: sizes)
}

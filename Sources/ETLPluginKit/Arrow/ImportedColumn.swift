/// One column of an ``ImportedBatch``. It keeps the batch alive, so its
/// values stay readable for as long as the column is.
///
/// ```swift
/// let prices = batch.column(2)
/// for row in 0..<prices.count where !prices.isNull(row) {
///     total += prices.double(row)!
/// }
/// ```
public struct ImportedColumn: Sendable {
    /// The batch the column belongs to.
    public let batch: ImportedBatch
    /// The column's 0-based index in the batch.
    public let index: Int

    /// The field: name, type, metadata.
    public var field: ArrowField { batch.schema.fields[index] }
    /// The column name.
    public var name: String { field.name }
    /// The Arrow type.
    public var type: ArrowColumnType { field.type }
    /// The annotation from the field metadata, if any.
    public var annotation: ArrowFieldAnnotation? { field.annotation }
    /// The number of values (the batch's row count).
    public var count: Int { batch.rowCount }
    /// The number of nulls.
    public var nullCount: Int { batch.nullCount(column: index) }

    /// Whether the value at `row` is null.
    public func isNull(_ row: Int) -> Bool { batch.isNull(row: row, column: index) }
    /// See ``ImportedBatch/int64(row:column:)``.
    public func int64(_ row: Int) -> Int64? { batch.int64(row: row, column: index) }
    /// See ``ImportedBatch/double(row:column:)``.
    public func double(_ row: Int) -> Double? { batch.double(row: row, column: index) }
    /// See ``ImportedBatch/bool(row:column:)``.
    public func bool(_ row: Int) -> Bool? { batch.bool(row: row, column: index) }
    /// See ``ImportedBatch/date32(row:column:)``.
    public func date32(_ row: Int) -> Int32? { batch.date32(row: row, column: index) }
    /// See ``ImportedBatch/timestamp(row:column:)``.
    public func timestamp(_ row: Int) -> Int64? { batch.timestamp(row: row, column: index) }
    /// See ``ImportedBatch/string(row:column:)``.
    public func string(_ row: Int) -> String? { batch.string(row: row, column: index) }
    /// See ``ImportedBatch/utf8(row:column:)``.
    public func utf8(_ row: Int) -> UnsafeRawBufferPointer? { batch.utf8(row: row, column: index) }
    /// See ``ImportedBatch/binary(row:column:)``.
    public func binary(_ row: Int) -> UnsafeRawBufferPointer? { batch.binary(row: row, column: index) }
}

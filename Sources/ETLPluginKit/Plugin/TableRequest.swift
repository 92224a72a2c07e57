/// The arguments of begin(), copied out of `etl_table_request`.
public struct TableRequest: Sendable, Hashable {
    /// The destination table, already normalized by the host. Quote it.
    public var table: String
    /// The schema of every batch that write() will receive.
    public var schema: ArrowBatchSchema
    /// How to treat the existing table.
    public var mode: WriteMode
    /// The key columns for ``WriteMode/upsert`` (may be empty otherwise).
    public var keyColumns: [String]
    /// The host's run id, for the warehouse's own bookkeeping.
    public var runID: String

    /// Creates a request.
    public init(table: String, schema: ArrowBatchSchema, mode: WriteMode, keyColumns: [String] = [],
                runID: String = "") {
        self.table = table
        self.schema = schema
        self.mode = mode
        self.keyColumns = keyColumns
        self.runID = runID
    }
}

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
    /// What an upsert does with rows whose key the source no longer has
    /// (since ABI 1.1; always ``DeletionMode/keep`` for other modes).
    public var deletions: DeletionMode
    /// The table in which to keep the SCD2 history of ``table`` (since ABI
    /// 1.3; `etl_plugin.h`, HISTORY), or `nil` for none. Only with key
    /// columns and the replace or upsert mode, and only for warehouses with
    /// ``PluginCapabilities/history``.
    public var historyTable: String?

    /// Creates a request.
    public init(table: String, schema: ArrowBatchSchema, mode: WriteMode, keyColumns: [String] = [],
                runID: String = "", deletions: DeletionMode = .keep, historyTable: String? = nil) {
        self.table = table
        self.schema = schema
        self.mode = mode
        self.keyColumns = keyColumns
        self.runID = runID
        self.deletions = deletions
        self.historyTable = historyTable
    }

    /// The schema of the batches given to
    /// ``TableWriter/writePresentKeys(batch:)``: the key columns, in
    /// ``keyColumns`` order, as they are in ``schema``.
    public var keySchema: ArrowBatchSchema {
        ArrowBatchSchema(keyColumns.compactMap { key in schema.fields.first { $0.name == key } })
    }
}

/// The arguments of commit(), copied out of `etl_commit_request`: what a
/// warehouse stores in the same transaction as the table's data.
///
/// Every member is optional: `nil` leaves the stored value unchanged.
///
/// ```swift
/// func commit(_ request: CommitRequest) throws {
///     if let key = request.stateKey, let state = request.stateJSON {
///         try saveState(state, under: key)
///     }
///     if let schema = request.schemaJSON { try saveSchema(schema, of: table) }
/// }
/// ```
public struct CommitRequest: Sendable, Hashable {
    /// The key to store ``stateJSON`` under, e.g. `"csv/orders"`.
    public var stateKey: String?
    /// The extractor's state (a JSON value) to store under ``stateKey``;
    /// stored only when both are given.
    public var stateJSON: String?
    /// The run record, a JSON object written by the host.
    public var runJSON: String?
    /// The table's resolved schema, a JSON object written by the host, to
    /// give back from ``Warehouse/schemaGet(table:)`` on the next run.
    /// Always `nil` from a host whose `etl_commit_request` predates the
    /// field.
    public var schemaJSON: String?
    /// The instant of the load, ISO 8601 UTC with milliseconds
    /// (`2026-12-06T09:00:00.000Z`): the valid-from of the history versions
    /// the commit adds and the valid-to of those it closes (since ABI 1.3;
    /// set when the load has a ``TableRequest/historyTable``).
    public var loadInstant: String?

    /// Creates a request.
    public init(stateKey: String? = nil, stateJSON: String? = nil, runJSON: String? = nil,
                schemaJSON: String? = nil, loadInstant: String? = nil) {
        self.stateKey = stateKey
        self.stateJSON = stateJSON
        self.runJSON = runJSON
        self.schemaJSON = schemaJSON
        self.loadInstant = loadInstant
    }
}

/// The capability bits of `etl_plugin.capabilities` (`enum etl_capability`).
public struct PluginCapabilities: OptionSet, Sendable, Hashable {
    /// The bits.
    public let rawValue: UInt64

    /// Creates capabilities from bits.
    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    /// Extractor: read() honours a state and checkpoint() returns one.
    public static let incremental = PluginCapabilities(rawValue: UInt64(ETL_CAP_INCREMENTAL.rawValue))
    /// Extractor: emits typed columns or type hints in its catalog.
    public static let schemaHints = PluginCapabilities(rawValue: UInt64(ETL_CAP_SCHEMA_HINTS.rawValue))
    /// Both: separate instances may run concurrently.
    public static let parallelStreams = PluginCapabilities(rawValue: UInt64(ETL_CAP_PARALLEL_STREAMS.rawValue))
    /// Extractor (since ABI 1.1): ``Extractor/readKeys(stream:)`` lists the
    /// primary key of every record at the source.
    public static let keyListing = PluginCapabilities(rawValue: UInt64(ETL_CAP_KEY_LISTING.rawValue))
    /// Warehouse (since ABI 1.1): upsert removes or flags rows whose key is
    /// no longer present (``TableWriter/writePresentKeys(batch:)``).
    public static let deletions = PluginCapabilities(rawValue: UInt64(ETL_CAP_DELETIONS.rawValue))
    /// Warehouse: supports the replace mode.
    public static let modeReplace = PluginCapabilities(rawValue: UInt64(ETL_CAP_MODE_REPLACE.rawValue))
    /// Warehouse: supports the append mode.
    public static let modeAppend = PluginCapabilities(rawValue: UInt64(ETL_CAP_MODE_APPEND.rawValue))
    /// Warehouse: supports the upsert mode.
    public static let modeUpsert = PluginCapabilities(rawValue: UInt64(ETL_CAP_MODE_UPSERT.rawValue))
    /// Warehouse (since ABI 1.2): ``Warehouse/execute(sql:)`` runs SQL
    /// statements; the kit sets the C `execute` operation only then.
    public static let sqlExecute = PluginCapabilities(rawValue: UInt64(ETL_CAP_SQL_EXECUTE.rawValue))
    /// Warehouse (since ABI 1.2): ``Warehouse/query(sql:)`` answers queries
    /// as Arrow streams; the kit sets the C `query` operation only then.
    public static let sqlQuery = PluginCapabilities(rawValue: UInt64(ETL_CAP_SQL_QUERY.rawValue))
    /// Warehouse (since ABI 1.3): keeps the SCD2 history of a table given a
    /// ``TableRequest/historyTable`` (`etl_plugin.h`, HISTORY).
    public static let history = PluginCapabilities(rawValue: UInt64(ETL_CAP_HISTORY.rawValue))
    /// Warehouse: commit() stores state and run record with the data.
    public static let transactionalState = PluginCapabilities(rawValue: UInt64(ETL_CAP_TRANSACTIONAL_STATE.rawValue))
}

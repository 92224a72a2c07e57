import ETLPluginKit

/// A capability bit of `etl_capability`, by the name descriptors, the
/// registry and `plugins info` use (``PluginDescriptor/capabilities``).
public enum Capability: String, Sendable, CaseIterable {
    /// `ETL_CAP_INCREMENTAL`: the extractor reads from a saved state.
    case incremental
    /// `ETL_CAP_SCHEMA_HINTS`: the catalog carries field types.
    case schemaHints = "schema_hints"
    /// `ETL_CAP_PARALLEL_STREAMS`: instances may run streams at once.
    case parallelStreams = "parallel_streams"
    /// `ETL_CAP_KEY_LISTING`: the extractor lists every key (for deletions).
    case keyListing = "key_listing"
    /// `ETL_CAP_MODE_REPLACE`.
    case replace
    /// `ETL_CAP_MODE_APPEND`.
    case append
    /// `ETL_CAP_MODE_UPSERT`.
    case upsert
    /// `ETL_CAP_TRANSACTIONAL_STATE`: state commits with the data.
    case transactionalState = "transactional_state"
    /// `ETL_CAP_DELETIONS`: the warehouse removes or flags absent keys.
    case deletions
    /// `ETL_CAP_SQL_EXECUTE` (ABI 1.2).
    case sqlExecute = "sql_execute"
    /// `ETL_CAP_SQL_QUERY` (ABI 1.2).
    case sqlQuery = "sql_query"
    /// `ETL_CAP_HISTORY` (ABI 1.3): the warehouse keeps SCD2 history.
    case history

    /// The capability a warehouse must declare to load in `mode`.
    public init(_ mode: WriteMode) {
        switch mode {
        case .replace: self = .replace
        case .append: self = .append
        case .upsert: self = .upsert
        }
    }

    /// The write modes, in the order messages list them.
    public static let writeModes: [Capability] = [.replace, .append, .upsert]
}

/// An optional operation of the plugin's ops table (a NULL pointer: not
/// implemented), by the name ``PluginDescriptor/optionalOperations`` uses.
public enum OptionalOperation: String, Sendable, CaseIterable {
    /// `check`: try the config (credentials, paths) without reading.
    case check
    /// `cancel`: stop a call under way from another thread.
    case cancel
    /// `checkpoint`: the extractor's state after what it returned.
    case checkpoint
    /// `stream_error`: structured detail of a stream's failure.
    case streamError = "stream_error"
    /// `state_get`: the warehouse reads back a committed state.
    case stateGet = "state_get"
    /// `table_schema`: the warehouse describes an existing table.
    case tableSchema = "table_schema"
    /// `schema_get`: the warehouse returns the schema the host stored.
    case schemaGet = "schema_get"
    /// `execute`: one SQL statement (ABI 1.2).
    case execute
    /// `query`: SQL returning an Arrow stream (ABI 1.2).
    case query
    /// `error_detail`: structured error fields.
    case errorDetail = "error_detail"
}

extension PluginDescriptor {
    /// Whether the plugin declares `capability`.
    public func has(_ capability: Capability) -> Bool { capabilities.contains(capability.rawValue) }

    /// Whether the plugin implements `operation`.
    public func implements(_ operation: OptionalOperation) -> Bool { optionalOperations.contains(operation.rawValue) }
}

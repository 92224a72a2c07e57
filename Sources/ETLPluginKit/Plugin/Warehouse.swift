/// A destination of tables: what a Swift warehouse plugin implements.
/// ``PluginEntry`` turns it into the C operations of `etl_warehouse_ops`.
///
/// One instance is made per open(); it is never called concurrently except
/// ``cancel()``, which may come from any thread. Each ``begin(_:)`` returns
/// a ``TableWriter`` that receives validated batches and ends with exactly
/// one of commit or rollback.
///
/// ```swift
/// final class MemoryWarehouse: Warehouse {
///     static let info = PluginInfo(name: "memory", version: "1.0.0",
///         description: "Keeps tables in memory",
///         configSchema: #"{"type":"object"}"#,
///         capabilities: [.modeReplace, .modeAppend, .transactionalState])
///     var tables: [String: [ImportedBatch]] = [:]
///     var states: [String: String] = [:]
///     var schemas: [String: String] = [:]
///     init(config: PluginConfig, host: HostContext) throws {}
///     func begin(_ request: TableRequest) throws -> any TableWriter {
///         MemoryWriter(warehouse: self, request: request)
///     }
///     func stateGet(key: String) throws -> String? { states[key] }
///     func schemaGet(table: String) throws -> String? { schemas[table] }
///     func tableSchema(name: String) throws -> ArrowBatchSchema? {
///         tables[name]?.first?.schema
///     }
/// }
///
/// final class MemoryWriter: TableWriter {
///     let warehouse: MemoryWarehouse, request: TableRequest
///     var pending: [ImportedBatch] = []
///     init(warehouse: MemoryWarehouse, request: TableRequest) {
///         self.warehouse = warehouse; self.request = request
///     }
///     func write(batch: ImportedBatch) throws { pending.append(batch) }
///     func commit(_ commit: CommitRequest) throws {
///         let old = request.mode == .append ? warehouse.tables[request.table] ?? [] : []
///         warehouse.tables[request.table] = old + pending
///         if let key = commit.stateKey, let state = commit.stateJSON {
///             warehouse.states[key] = state
///         }
///         if let schema = commit.schemaJSON { warehouse.schemas[request.table] = schema }
///     }
///     func rollback() { pending = [] }
/// }
/// ```
public protocol Warehouse: AnyObject {
    /// The plugin's identity, config schema and capabilities. The write
    /// modes it lists (``PluginCapabilities/modeReplace``, ...) are the
    /// only ones the kit passes to ``begin(_:)``; others are refused with
    /// ``PluginError/Code/unsupported``.
    static var info: PluginInfo { get }

    /// Opens an instance with a config the host validated against
    /// ``PluginInfo/configSchema``.
    init(config: PluginConfig, host: HostContext) throws

    /// Verifies that the destination is reachable. The default does nothing.
    func check() throws

    /// Starts writing one table. The request (and its schema) are copies
    /// the writer may keep.
    func begin(_ request: TableRequest) throws -> any TableWriter

    /// The state last committed under `key`, or `nil` when there is none
    /// (reported as ``PluginError/Code/notFound``). The default throws
    /// ``PluginError/Code/unsupported``.
    func stateGet(key: String) throws -> String?

    /// The schema JSON last committed for `table` (see
    /// ``CommitRequest/schemaJSON``), or `nil` when none was (reported as
    /// ``PluginError/Code/notFound``). The default throws
    /// ``PluginError/Code/unsupported``.
    func schemaGet(table: String) throws -> String?

    /// The schema of an existing table, or `nil` when it does not exist
    /// (reported as ``PluginError/Code/notFound``). The default throws
    /// ``PluginError/Code/unsupported``.
    func tableSchema(name: String) throws -> ArrowBatchSchema?

    /// Executes one SQL statement in its own transaction and returns the
    /// number of rows it changed, or `nil` when the statement does not count
    /// rows (DDL). Only called when ``info`` has
    /// ``PluginCapabilities/sqlExecute`` (since ABI 1.2), never while a
    /// writer of this instance is open (the kit refuses that). Throw
    /// ``PluginError/Code/invalidArgument`` for a statement the warehouse
    /// rejects, naming where in the SQL when the database says. The default
    /// throws ``PluginError/Code/unsupported``.
    func execute(sql: String) throws -> Int64?

    /// Runs one read-only query and returns its rows as a source the kit
    /// serves as an ArrowArrayStream (v1 types; see "QUERY RESULT TYPES" in
    /// etl_plugin.h). Only called when ``info`` has
    /// ``PluginCapabilities/sqlQuery`` (since ABI 1.2), never while a writer
    /// of this instance is open. The default throws
    /// ``PluginError/Code/unsupported``.
    func query(sql: String) throws -> any BatchSource

    /// Called from any thread when the host asks the instance to stop; must
    /// not block. The kit has already raised ``HostContext/cancellation``.
    /// The default does nothing.
    func cancel()
}

extension Warehouse {
    /// Does nothing: the destination is assumed reachable.
    public func check() throws {}

    /// Throws ``PluginError/Code/unsupported``.
    public func stateGet(key: String) throws -> String? {
        throw PluginError(.unsupported, "\(Self.info.name) does not store extractor state")
    }

    /// Throws ``PluginError/Code/unsupported``.
    public func schemaGet(table: String) throws -> String? {
        throw PluginError(.unsupported, "\(Self.info.name) does not store table schemas")
    }

    /// Throws ``PluginError/Code/unsupported``.
    public func tableSchema(name: String) throws -> ArrowBatchSchema? {
        throw PluginError(.unsupported, "\(Self.info.name) cannot describe existing tables")
    }

    /// Throws ``PluginError/Code/unsupported``.
    public func execute(sql: String) throws -> Int64? {
        throw PluginError(.unsupported, "\(Self.info.name) does not execute SQL")
    }

    /// Throws ``PluginError/Code/unsupported``.
    public func query(sql: String) throws -> any BatchSource {
        throw PluginError(.unsupported, "\(Self.info.name) does not answer queries")
    }

    /// Does nothing.
    public func cancel() {}
}

import CETLPlugin
import ETLPluginKit
import Foundation

// The warehouse operations of an open instance (`etl_warehouse_ops`), typed:
// begin/write/commit/rollback through ``WarehouseWriter``, and the
// read-only operations state_get, schema_get and table_schema.
//
// ```swift
// let plugin = try PluginLoader().load(libraryAt: "libetl_sqlite.so")
// let warehouse = try PluginInstance(plugin: plugin, configJSON: #"{"path":"w.db"}"#)
// let writer = try warehouse.begin(table: "orders", schema: schema, mode: .replace, runID: "r1")
// var batch = ArrowArray()
// try builder.finish(into: &batch)
// try writer.write(&batch)                 // the plugin now owns the batch
// try writer.commit(stateKey: "csv/orders", stateJSON: #"{"line":42}"#)
// ```

extension PluginInstance {
    /// Starts writing `table` in `mode`: the plugin's `begin`.
    ///
    /// The schema is exported to a C `ArrowSchema` for the call and released
    /// after it (the plugin copies what it keeps).
    ///
    /// - Parameters:
    ///   - table: the destination table, already normalized by the host.
    ///   - schema: the schema of every batch that ``WarehouseWriter/write(_:)``
    ///     will pass.
    ///   - mode: replace, append or upsert; the plugin must declare it in its
    ///     capabilities.
    ///   - keyColumns: the key columns for ``WriteMode/upsert``; they must be
    ///     columns of `schema`.
    ///   - runID: the host's run id, for the warehouse's bookkeeping.
    ///   - deletions: with ``WriteMode/upsert``, what to do with rows whose
    ///     key the source no longer has (warehouses with the `deletions`
    ///     capability, ABI 1.1); see ``WarehouseWriter/writePresentKeys(_:)``.
    ///   - historyTable: the table in which the warehouse keeps the SCD2
    ///     history of `table` (warehouses with the `history` capability, ABI
    ///     1.3; needs `keyColumns` and replace or upsert); `nil`: none. Its
    ///     commit then needs a `loadInstant`.
    /// - Returns: a writer that ends with exactly one of
    ///   ``WarehouseWriter/commit(stateKey:stateJSON:runJSON:schemaJSON:loadInstant:)``
    ///   or ``WarehouseWriter/rollback()`` (its deinit rolls back otherwise).
    /// - Throws: `.invalidArgument` when the plugin is not a warehouse or the
    ///   instance is closed; `.operationFailed` with the plugin's message,
    ///   status and retryability when begin fails.
    public func begin(table: String, schema: ArrowBatchSchema, mode: WriteMode, keyColumns: [String] = [],
                      runID: String, deletions: DeletionMode = .keep,
                      historyTable: String? = nil) throws -> WarehouseWriter {
        let ops = try plugin.warehouse()
        let handle = try usableHandle(for: "begin of table '\(table)'")
        let cSchema = UnsafeMutablePointer<ArrowSchema>.allocate(capacity: 1)
        schema.export(to: cSchema)
        defer {
            if let release = cSchema.pointee.release { release(cSchema) }
            cSchema.deallocate()
        }
        let cKeys = keyColumns.map { UnsafePointer<CChar>(strdup($0)) }
        defer { cKeys.forEach { free(UnsafeMutableRawPointer(mutating: $0)) } }
        var writer: OpaquePointer?
        try table.withCString { name in
            try runID.withCString { run in
              try withOptionalCString(historyTable) { history in
                try cKeys.withUnsafeBufferPointer { keys in
                    var request = etl_table_request()
                    request.struct_size = UInt32(MemoryLayout<etl_table_request>.size)
                    request.table = name
                    request.schema = UnsafePointer(cSchema)
                    request.mode = mode.rawValue
                    request.key_column_count = Int32(keys.count)
                    request.key_columns = keys.isEmpty ? nil : keys.baseAddress
                    request.run_id = run
                    request.deletions = deletions.rawValue
                    request.history_table = history
                    try plugin.callWarehouse("begin \(mode) of table '\(table)'", table: table) { error in
                        ops.begin!(handle, &request, &writer, error)
                    }
                }
              }
            }
        }
        guard let writer else {
            throw HostError(.pluginFailed, "plugin '\(plugin.descriptor.name)': begin of table '\(table)' "
                + "returned ETL_OK without a writer")
        }
        return WarehouseWriter(handle: writer, ops: ops, instance: self, table: table, mode: mode,
                               keySchema: ArrowBatchSchema(keyColumns.compactMap { key in
                                   schema.fields.first { $0.name == key }
                               }))
    }

    /// The extractor state last committed under `key`, or `nil` when there
    /// is none (the plugin answered `ETL_ERR_NOT_FOUND`).
    ///
    /// - Throws: `.operationFailed` with the plugin's message, and with
    ///   status `ETL_ERR_NOT_IMPLEMENTED` when the plugin has no state_get.
    public func stateGet(key: String) throws -> String? {
        let ops = try plugin.warehouse()
        guard let stateGet = ops.state_get else { throw plugin.unsupported("state_get") }
        let handle = try usableHandle(for: "state_get")
        return try plugin.nilWhenNotFound {
            try key.withCString { cKey in
                try plugin.callReturningBuffer("state_get '\(key)'") { buffer, error in
                    stateGet(handle, cKey, buffer, error)
                }
            }
        }
    }

    /// The schema JSON last committed for `table` (see
    /// ``WarehouseWriter/commit(stateKey:stateJSON:runJSON:schemaJSON:loadInstant:)``),
    /// or `nil` when none was (`ETL_ERR_NOT_FOUND`).
    ///
    /// - Throws: `.operationFailed` with the plugin's message, and with
    ///   status `ETL_ERR_NOT_IMPLEMENTED` when the plugin has no schema_get.
    public func schemaGet(table: String) throws -> String? {
        let ops = try plugin.warehouse()
        guard let schemaGet = ops.schema_get else { throw plugin.unsupported("schema_get") }
        let handle = try usableHandle(for: "schema_get")
        return try plugin.nilWhenNotFound {
            try table.withCString { cTable in
                try plugin.callReturningBuffer("schema_get '\(table)'", table: table) { buffer, error in
                    schemaGet(handle, cTable, buffer, error)
                }
            }
        }
    }

    /// The columns of the existing table `name` as the warehouse describes
    /// them, or `nil` when the table does not exist (`ETL_ERR_NOT_FOUND`).
    ///
    /// - Throws: `.operationFailed` with the plugin's message (status
    ///   `ETL_ERR_NOT_IMPLEMENTED` when the plugin has no table_schema);
    ///   `.pluginFailed` when the schema it returns breaks the Arrow rules.
    public func tableSchema(name: String) throws -> ArrowBatchSchema? {
        let ops = try plugin.warehouse()
        guard let tableSchema = ops.table_schema else { throw plugin.unsupported("table_schema") }
        let handle = try usableHandle(for: "table_schema")
        let cSchema = UnsafeMutablePointer<ArrowSchema>.allocate(capacity: 1)
        cSchema.initialize(to: ArrowSchema())
        defer {
            if let release = cSchema.pointee.release { release(cSchema) }
            cSchema.deallocate()
        }
        let found = try plugin.nilWhenNotFound { () -> Bool in
            try name.withCString { cName in
                try plugin.call("table_schema '\(name)'", table: name) { error in tableSchema(handle, cName, cSchema, error) }
            }
            return true
        }
        guard found != nil else { return nil }
        do {
            return try ArrowBatchSchema(importing: cSchema)
        } catch {
            throw HostError(.pluginFailed, "plugin '\(plugin.descriptor.name)': table_schema '\(name)' "
                + "returned an invalid schema: \(error.message)")
        }
    }
}

/// One table being written into a warehouse, between
/// ``PluginInstance/begin(table:schema:mode:keyColumns:runID:)`` and exactly
/// one of ``commit(stateKey:stateJSON:runJSON:schemaJSON:loadInstant:)`` or
/// ``rollback()``.
///
/// ```swift
/// let writer = try warehouse.begin(table: "orders", schema: schema, mode: .append, runID: runID)
/// do {
///     while let batch = try next() { try writer.write(batch) }
///     try writer.commit(stateKey: "csv/orders", stateJSON: state, runJSON: run, schemaJSON: resolved)
/// } catch {
///     writer.rollback()      // the table is exactly as before
///     throw error
/// }
/// ```
///
/// A writer that is dropped without either ends with a rollback. It keeps
/// its ``PluginInstance`` alive; do not close the instance while a writer
/// of it is open (the contract frees writers before their instance).
/// Not thread-safe: one thread at a time, as the contract says.
public final class WarehouseWriter: @unchecked Sendable {
    // @unchecked: owned by one thread at a time (the contract allows no concurrent calls on a writer).
    /// The table being written.
    public let table: String
    /// How the table is written.
    public let mode: WriteMode
    /// The rows of every batch the plugin accepted so far.
    public private(set) var rowsWritten: Int64 = 0
    /// Whether the writer has ended (committed or rolled back).
    public var isFinished: Bool { handle == nil }

    /// The schema of the batches ``writePresentKeys(_:)`` takes.
    public let keySchema: ArrowBatchSchema

    private var handle: OpaquePointer?
    private let ops: etl_warehouse_ops
    private let instance: PluginInstance

    init(handle: OpaquePointer, ops: etl_warehouse_ops, instance: PluginInstance, table: String, mode: WriteMode,
         keySchema: ArrowBatchSchema) {
        self.handle = handle
        self.ops = ops
        self.instance = instance
        self.table = table
        self.mode = mode
        self.keySchema = keySchema
    }

    deinit { rollback() }

    private var pluginName: String { instance.plugin.descriptor.name }

    /// Writes one `"+s"` batch matching the schema given to begin.
    ///
    /// Ownership of `batch` moves to the plugin whatever the outcome: on
    /// return its `release` is `NULL` and the caller must not release it.
    /// A plugin that leaves `release` set breaks the contract: the batch is
    /// released here and `.pluginFailed` is thrown.
    ///
    /// - Throws: `.badData` when the warehouse refused a value
    ///   (`ETL_ERR_DATA`), else `.operationFailed`, with the plugin's
    ///   message, status and retryability (the writer then still needs a
    ///   rollback);
    ///   `.invalidArgument` when the writer has already ended (the batch is
    ///   released here).
    public func write(_ batch: UnsafeMutablePointer<ArrowArray>) throws {
        guard let handle else {
            if let release = batch.pointee.release { release(batch) }
            throw finished("write")
        }
        let rows = batch.pointee.length
        var failure: (any Error)?
        do {
            try instance.plugin.callWarehouse("write to table '\(table)'", table: table) { error in ops.write!(handle, batch, error) }
        } catch {
            failure = error
        }
        if let release = batch.pointee.release {
            release(batch)
            let outcome = failure.map { " (it also failed: \(String(describing: $0)))" } ?? ""
            throw HostError(.pluginFailed, "plugin '\(pluginName)': write to table '\(table)' returned "
                + "without taking ownership of the batch (its release callback is still set)\(outcome); "
                + "write must move the batch out and set batch->release to NULL whatever the outcome")
        }
        if let failure { throw Self.refusedValue(failure) }
        rowsWritten += rows
    }

    /// A write the warehouse refused with `ETL_ERR_DATA` (a value it cannot
    /// store: NaN in SQLite, a date outside PostgreSQL's range, a null key)
    /// is bad input data (exit 65), like a malformed row; other failures
    /// stay as they are.
    static func refusedValue(_ failure: any Error) -> any Error {
        guard let error = failure as? HostError, error.pluginStatus == Int32(PluginError.Code.data.rawValue) else { return failure }
        return error.changingKind(to: .badData)
    }

    /// Records keys still present at the source, for a writer begun with
    /// deletions: a `"+s"` batch of ``keySchema``. At commit the warehouse
    /// removes or flags every row whose key is neither among these nor
    /// written. Ownership moves to the plugin as in ``write(_:)``.
    ///
    /// - Throws: `.operationFailed` when the plugin fails or does not
    ///   implement `write_present_keys`; `.pluginFailed` when it does not
    ///   take ownership.
    public func writePresentKeys(_ batch: UnsafeMutablePointer<ArrowArray>) throws {
        guard let handle else {
            if let release = batch.pointee.release { release(batch) }
            throw finished("write_present_keys")
        }
        guard let writePresentKeys = ops.write_present_keys else {
            if let release = batch.pointee.release { release(batch) }
            throw instance.plugin.unsupported("write_present_keys (detecting deleted rows)")
        }
        var failure: (any Error)?
        do {
            try instance.plugin.callWarehouse("present keys of table '\(table)'", table: table) { error in
                writePresentKeys(handle, batch, error)
            }
        } catch {
            failure = error
        }
        if let release = batch.pointee.release {
            release(batch)
            throw HostError(.pluginFailed, "plugin '\(pluginName)': write_present_keys of table '\(table)' "
                + "returned without taking ownership of the batch (its release callback is still set)")
        }
        if let failure { throw failure }
    }

    /// Finishes `builder`'s current batch and records its keys (see
    /// ``writePresentKeys(_:)-(UnsafeMutablePointer<ArrowArray>)``).
    public func writePresentKeys(_ builder: ArrowBatchBuilder) throws {
        let batch = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
        defer { batch.deallocate() }
        try builder.finish(into: batch)
        try writePresentKeys(batch)
    }

    /// Finishes `builder`'s current batch and writes it (see ``write(_:)``).
    public func write(_ builder: ArrowBatchBuilder) throws {
        let batch = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
        defer { batch.deallocate() }
        try builder.finish(into: batch)
        try write(batch)
    }

    /// Makes every batch written visible, with the state, run record and
    /// schema, in one transaction; the writer then ends.
    ///
    /// - Parameters:
    ///   - stateKey: the key to store `stateJSON` under, e.g. `"csv/orders"`.
    ///   - stateJSON: the extractor's checkpoint; `nil` keeps the stored one.
    ///   - runJSON: the run record, a JSON object.
    ///   - schemaJSON: the table's resolved schema, a JSON object; `nil` keeps
    ///     the stored one. Read it back with ``PluginInstance/schemaGet(table:)``.
    ///   - loadInstant: the load's instant (ISO 8601 UTC with milliseconds),
    ///     for a load begun with a history table (ABI 1.3): the valid-from of
    ///     the versions the commit adds.
    /// - Throws: `.operationFailed` with the plugin's message; nothing is
    ///   visible then and the writer is still open: call ``rollback()``.
    public func commit(stateKey: String? = nil, stateJSON: String? = nil, runJSON: String? = nil,
                       schemaJSON: String? = nil, loadInstant: String? = nil) throws {
        guard let handle else { throw finished("commit") }
        try withOptionalCString(loadInstant) { instant in
        try withOptionalCString(stateKey) { key in
            try withOptionalCString(stateJSON) { state in
                try withOptionalCString(runJSON) { run in
                    try withOptionalCString(schemaJSON) { schema in
                        var request = etl_commit_request()
                        request.struct_size = UInt32(MemoryLayout<etl_commit_request>.size)
                        request.state_key = key
                        request.state_json = state
                        request.run_json = run
                        request.schema_json = schema
                        request.load_instant = instant
                        try instance.plugin.callWarehouse("commit of table '\(table)'", table: table) { error in
                            ops.commit!(handle, &request, error)
                        }
                    }
                }
            }
        }
        }
        self.handle = nil
    }

    /// Discards everything written since begin (the table is exactly as
    /// before) and ends the writer. Does nothing once the writer has ended,
    /// or when its instance was closed (the plugin has freed it then).
    public func rollback() {
        guard let handle else { return }
        self.handle = nil
        guard (try? instance.liveHandle()) != nil else { return }
        ops.rollback!(handle)
    }

    private func finished(_ operation: String) -> HostError {
        HostError(.invalidArgument, "plugin '\(pluginName)': \(operation) on table '\(table)' after the "
            + "writer was committed or rolled back; begin a new one")
    }
}

extension LoadedPlugin {
    /// The warehouse operations, or an error naming what the plugin is.
    func warehouse() throws -> etl_warehouse_ops {
        guard let ops = warehouseOps else { throw kindMismatch(needed: .warehouse) }
        return ops
    }

    /// Calls a warehouse operation that loads data (begin, write,
    /// write_present_keys, commit) as ``call(_:_:)`` does, except that a
    /// value the warehouse refuses (`ETL_ERR_DATA`: a text PostgreSQL
    /// cannot store, a number out of the column's range, a duplicate
    /// primary key in append mode) is `.badData`, which ends the command
    /// with exit code 65, as malformed source data does. The error keeps
    /// the plugin's message and status; it is never retried.
    func callWarehouse(_ operation: String, table: String? = nil,
                       _ body: (UnsafeMutablePointer<etl_error>) -> etl_status) throws {
        do {
            try call(operation, table: table, body)
        } catch let error as HostError where error.pluginStatus == Int32(ETL_ERR_DATA.rawValue) {
            throw error.changingKind(to: .badData)
        }
    }

    /// The error for an optional operation the plugin does not implement.
    func unsupported(_ operation: String) -> HostError {
        HostError(.operationFailed, "plugin '\(descriptor.name)' does not implement \(operation)",
                  pluginStatus: Int32(ETL_ERR_NOT_IMPLEMENTED.rawValue), plugin: descriptor.name)
    }

    /// Runs `body`, turning an `ETL_ERR_NOT_FOUND` answer into `nil`.
    func nilWhenNotFound<T>(_ body: () throws -> T) throws -> T? {
        do {
            return try body()
        } catch let error as HostError where error.pluginStatus == Int32(ETL_ERR_NOT_FOUND.rawValue) {
            return nil
        }
    }
}

import CETLPlugin
import ETLPluginKit

// The SQL operations of an open warehouse (`etl_warehouse_ops.execute` and
// `query`, since ABI 1.2): pipeline SQL steps and the conformance suite's
// read-back checks run SQL through the plugin, never behind its back.
//
// ```swift
// let warehouse = try PluginInstance(plugin: sqlite, configJSON: #"{"path":"w.db"}"#)
// let changed = try warehouse.execute(sql: "DELETE FROM orders WHERE total < 0")
// let rows = try warehouse.query(sql: "SELECT id, total FROM orders ORDER BY id")
// while let batch = try rows.next() { print(batch.rowCount) }
// ```

extension PluginInstance {
    /// Executes one SQL statement in its own transaction: the plugin's
    /// `execute`.
    ///
    /// - Returns: the number of rows the statement changed, or `nil` when
    ///   the statement does not count rows (DDL).
    /// - Throws: `.operationFailed` with status `ETL_ERR_NOT_IMPLEMENTED`
    ///   when the warehouse has no execute; `.operationFailed` with the
    ///   plugin's message and status when the statement fails (including
    ///   `ETL_ERR_INVALID_ARGUMENT` while a writer of this instance is
    ///   open); `.badData` for `ETL_ERR_DATA` (a constraint violation).
    public func execute(sql: String) throws -> Int64? {
        let ops = try plugin.warehouse()
        guard let execute = ops.execute else { throw plugin.unsupported("execute (running SQL)") }
        let handle = try usableHandle(for: "execute")
        var result = etl_execute_result()
        result.struct_size = UInt32(MemoryLayout<etl_execute_result>.size)
        result.rows_affected = -1
        try sql.withCString { text in
            try plugin.callWarehouse("execute") { error in execute(handle, text, &result, error) }
        }
        return result.rows_affected < 0 ? nil : result.rows_affected
    }

    /// Runs one read-only query: the plugin's `query`. Its stream is
    /// validated on import like an extractor's (schema, every batch).
    ///
    /// While the returned stream is alive (until it is closed or goes
    /// away), the contract allows no other call on this instance except
    /// ``cancel()``: begin, execute, query, state_get, schema_get and
    /// table_schema are refused with `.invalidArgument` meanwhile.
    ///
    /// - Throws: `.invalidArgument` while another QueryStream of this
    ///   instance is alive; `.operationFailed` with status `ETL_ERR_NOT_IMPLEMENTED`
    ///   when the warehouse has no query; `.operationFailed` with the
    ///   plugin's message and status when the query is refused;
    ///   `.pluginFailed` when the stream's schema breaks the Arrow rules.
    public func query(sql: String) throws -> QueryStream {
        let ops = try plugin.warehouse()
        guard let query = ops.query else { throw plugin.unsupported("query (answering SQL queries)") }
        let handle = try usableHandle(for: "query")
        let arrowStream = UnsafeMutablePointer<ArrowArrayStream>.allocate(capacity: 1)
        arrowStream.initialize(to: ArrowArrayStream())
        defer { arrowStream.deallocate() }  // the reader moves the stream out
        do {
            try sql.withCString { text in
                try plugin.call("query") { error in query(handle, text, arrowStream, error) }
            }
        } catch {
            if let release = arrowStream.pointee.release { release(arrowStream) }
            throw error
        }
        return try QueryStream(taking: arrowStream, instance: self)
    }
}

/// The rows of a warehouse's `query`: its ArrowArrayStream with the schema
/// and every batch validated on import (see `ArrowStreamReader`), and
/// failures turned into ``HostError``s that name the plugin.
public final class QueryStream: @unchecked Sendable {
    // @unchecked: owned by one thread at a time (the contract allows no concurrent calls on a stream).
    /// The result's columns, as the stream's get_schema returned them.
    public let schema: ArrowBatchSchema
    private var reader: ArrowStreamReader?
    private let pluginName: String
    private let instance: PluginInstance  // keeps the instance open while the rows are read

    init(taking stream: UnsafeMutablePointer<ArrowArrayStream>, instance: PluginInstance) throws {
        pluginName = instance.plugin.descriptor.name
        self.instance = instance
        let reader: ArrowStreamReader
        do { reader = try ArrowStreamReader(taking: stream) } catch {
            throw Self.hostError(error, plugin: pluginName)
        }
        self.reader = reader
        schema = reader.schema
        instance.queryStreamIsAlive = true
    }

    deinit { close() }

    /// The next batch of rows, or nil after the last one.
    ///
    /// - Throws: `.badData` when a value does not fit its column's type
    ///   (the plugin's EBADMSG), `.pluginFailed` when a batch breaks the
    ///   Arrow rules, `.operationFailed` otherwise; `.invalidArgument`
    ///   after ``close()``.
    public func next() throws -> ImportedBatch? {
        guard let reader else {
            throw HostError(.invalidArgument, "plugin '\(pluginName)': query: the stream is closed", plugin: pluginName)
        }
        do { return try reader.next() } catch { throw Self.hostError(error, plugin: pluginName) }
    }

    /// Releases the plugin's stream now (once; later calls do nothing):
    /// the instance takes other calls again. Going away closes it too.
    public func close() {
        guard reader != nil else { return }
        reader = nil
        instance.queryStreamIsAlive = false
    }

    private static func hostError(_ error: PluginError, plugin: String) -> HostError {
        let kind: HostError.Kind = switch error.code {
        case .data: .badData
        case .internal: .pluginFailed
        default: .operationFailed
        }
        return HostError(kind, "plugin '\(plugin)': query: \(error.message) [\(error.code)]",
                         pluginStatus: error.code.rawValue, retryable: error.retryable,
                         retryAfterSeconds: error.retryAfterSeconds, sqlstate: error.sqlstate, vendorCode: error.vendorCode,
                         plugin: plugin)
    }
}

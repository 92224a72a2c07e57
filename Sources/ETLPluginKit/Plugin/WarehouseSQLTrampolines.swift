/// The C functions of the SQL operations of `etl_warehouse_ops` (since ABI
/// 1.2), calling ``Warehouse/execute(sql:)`` and ``Warehouse/query(sql:)``.
/// Both are refused while a writer of the instance is open, as the header
/// says, before the warehouse sees the SQL.
enum WarehouseSQLTrampolines {
    /// `etl_warehouse_ops.execute`.
    static let execute: @convention(c) (
        OpaquePointer?, UnsafePointer<CChar>?, UnsafeMutablePointer<etl_execute_result>?,
        UnsafeMutablePointer<etl_error>?
    ) -> Int32 = { handle, sql, result, error in
        guarded(error) {
            let instance = try WarehouseTrampolines.instance(handle, "execute")
            guard let sql = string(from: sql), let result else {
                throw PluginError.invalidArgument("execute: sql and result must not be NULL")
            }
            try refuseWhileWriting(instance, "execute")
            try instance.host.checkCancelled("executing SQL")
            let changed = try instance.warehouse.execute(sql: sql)
            CStructField.write(changed ?? -1, to: \etl_execute_result.rows_affected, of: result)
        }
    }

    /// `etl_warehouse_ops.query`.
    static let query: @convention(c) (
        OpaquePointer?, UnsafePointer<CChar>?, UnsafeMutablePointer<ArrowArrayStream>?,
        UnsafeMutablePointer<etl_error>?
    ) -> Int32 = { handle, sql, out, error in
        guarded(error) {
            let instance = try WarehouseTrampolines.instance(handle, "query")
            guard let sql = string(from: sql), let out else {
                throw PluginError.invalidArgument("query: sql and out must not be NULL")
            }
            try refuseWhileWriting(instance, "query")
            try instance.host.checkCancelled("running a query")
            let source = try instance.warehouse.query(sql: sql)
            try ArrowStreamExporter.export(source, to: out, host: instance.host, streamName: "query",
                                           batchCapacity: 1024, keepAlive: instance)
        }
    }

    private static func refuseWhileWriting(_ instance: WarehouseInstance, _ operation: String) throws(PluginError) {
        guard instance.openWriters == 0 else {
            throw PluginError.invalidArgument("a writer is open on this instance (begin without commit or "
                + "rollback); run \(operation) on another instance")
        }
    }
}

/// The C functions of `etl_warehouse_ops`, calling the instance's
/// ``Warehouse`` and the writers it returns.
enum WarehouseTrampolines {
    /// The operation table; `execute` and `query` only with the
    /// ``PluginCapabilities/sqlExecute`` and ``PluginCapabilities/sqlQuery``
    /// capabilities.
    static func makeOps(capabilities: PluginCapabilities) -> etl_warehouse_ops {
        var ops = etl_warehouse_ops()
        ops.struct_size = UInt32(MemoryLayout<etl_warehouse_ops>.size)
        ops.begin = begin
        ops.write = write
        ops.commit = commit
        ops.rollback = rollback
        ops.state_get = stateGet
        ops.table_schema = tableSchema
        ops.schema_get = schemaGet
        ops.write_present_keys = writePresentKeys
        if capabilities.contains(.sqlExecute) { ops.execute = WarehouseSQLTrampolines.execute }
        if capabilities.contains(.sqlQuery) { ops.query = WarehouseSQLTrampolines.query }
        return ops
    }

    static func instance(_ handle: OpaquePointer?, _ operation: String) throws(PluginError) -> WarehouseInstance {
        guard let handle else {
            throw PluginError.invalidArgument("\(operation): the instance is NULL")
        }
        return Unmanaged<WarehouseInstance>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
    }

    /// Copies a borrowed `etl_table_request`.
    static func tableRequest(_ request: UnsafePointer<etl_table_request>,
                             capabilities: PluginCapabilities) throws(PluginError) -> TableRequest {
        guard let table = string(from: CStructField.read(\etl_table_request.table, from: request) ?? nil) else {
            throw PluginError.invalidArgument("begin: the table name is NULL")
        }
        guard let cSchema = CStructField.read(\etl_table_request.schema, from: request) ?? nil else {
            throw PluginError.invalidArgument("begin: the schema of table \"\(table)\" is NULL")
        }
        let schema: ArrowBatchSchema
        do {
            schema = try ArrowBatchSchema(importing: cSchema)
        } catch {
            throw PluginError.invalidArgument("begin: the schema of table \"\(table)\" is invalid: \(error.message)")
        }
        let rawMode = CStructField.read(\etl_table_request.mode, from: request) ?? 0
        guard let mode = WriteMode(rawValue: rawMode) else {
            throw PluginError.invalidArgument("begin: write mode \(rawMode) is not one of 1 (replace), "
                + "2 (append), 3 (upsert)")
        }
        guard capabilities.contains(mode.capability) else {
            let supported = WriteMode.allCases.filter { capabilities.contains($0.capability) }
            throw PluginError(.unsupported, "this warehouse does not support the \(mode) mode; it "
                + "supports \(supported.isEmpty ? "none" : supported.map(\.description).joined(separator: ", "))")
        }
        let keyCount = Int(CStructField.read(\etl_table_request.key_column_count, from: request) ?? 0)
        var keys: [String] = []
        if keyCount != 0 {
            guard keyCount > 0, let cKeys = CStructField.read(\etl_table_request.key_columns, from: request) ?? nil
            else {
                throw PluginError.invalidArgument("begin: key_column_count is \(keyCount) but key_columns "
                    + "is NULL or the count is negative")
            }
            for index in 0..<keyCount {
                guard let key = string(from: cKeys[index]) else {
                    throw PluginError.invalidArgument("begin: key column \(index + 1) is NULL")
                }
                guard schema.index(of: key) != nil else {
                    throw PluginError.invalidArgument("begin: key column \"\(key)\" is not a column of "
                        + "table \"\(table)\"; its columns are \(schema.fields.map(\.name).joined(separator: ", "))")
                }
                keys.append(key)
            }
        }
        if mode == .upsert, keys.isEmpty {
            throw PluginError.invalidArgument("begin: upsert into \"\(table)\" needs key columns "
                + "(the stream's primary key)")
        }
        let runID = string(from: CStructField.read(\etl_table_request.run_id, from: request) ?? nil) ?? ""
        let rawDeletions = CStructField.read(\etl_table_request.deletions, from: request) ?? 0
        guard let deletions = DeletionMode(rawValue: rawDeletions) else {
            throw PluginError.invalidArgument("begin: deletions \(rawDeletions) is not one of 0 (keep), 1 (remove), "
                + "2 (flag)")
        }
        if deletions != .keep {
            guard mode == .upsert else {
                throw PluginError.invalidArgument("begin: table \"\(table)\": deletions (\(deletions)) need the "
                    + "upsert mode, not \(mode)")
            }
            guard capabilities.contains(.deletions) else {
                throw PluginError(.unsupported, "this warehouse cannot detect deleted rows (no deletions capability)")
            }
            if deletions == .flag {
                guard let flag = schema.fields.first(where: { $0.name == DeletionMode.flagColumn }),
                      flag.type == .timestampMicrosecondsUTC else {
                    throw PluginError.invalidArgument("begin: table \"\(table)\": deletions (flag) need a "
                        + "\"\(DeletionMode.flagColumn)\" timestamp column in the schema")
                }
            }
        }
        let historyTable = string(from: CStructField.read(\etl_table_request.history_table, from: request) ?? nil)
        if let historyTable {
            guard capabilities.contains(.history) else {
                throw PluginError(.unsupported, "this warehouse cannot keep history (no history capability)")
            }
            guard !keys.isEmpty, mode != .append else {
                throw PluginError.invalidArgument("begin: table \"\(table)\": a history table (\"\(historyTable)\") "
                    + "needs key columns and the replace or upsert mode, not \(mode)"
                    + (keys.isEmpty ? " without keys" : ""))
            }
        }
        return TableRequest(table: table, schema: schema, mode: mode, keyColumns: keys, runID: runID,
                            deletions: deletions, historyTable: historyTable)
    }

    /// Copies a borrowed `etl_commit_request`. Fields beyond the host's
    /// `struct_size` (`schema_json` from a host that predates it) are `nil`.
    static func commitRequest(_ request: UnsafePointer<etl_commit_request>) -> CommitRequest {
        func text(_ field: KeyPath<etl_commit_request, UnsafePointer<CChar>?>) -> String? {
            string(from: CStructField.read(field, from: request) ?? nil)
        }
        return CommitRequest(stateKey: text(\.state_key), stateJSON: text(\.state_json),
                             runJSON: text(\.run_json), schemaJSON: text(\.schema_json),
                             loadInstant: text(\.load_instant))
    }
}

private let begin: @convention(c) (
    OpaquePointer?, UnsafePointer<etl_table_request>?, UnsafeMutablePointer<OpaquePointer?>?,
    UnsafeMutablePointer<etl_error>?
) -> Int32 = { handle, request, out, error in
    guarded(error) {
        let instance = try WarehouseTrampolines.instance(handle, "begin")
        guard let request, let out else { throw PluginError.invalidArgument("begin: request and out must not be NULL") }
        let tableRequest = try WarehouseTrampolines.tableRequest(request, capabilities: instance.capabilities)
        try instance.host.checkCancelled("writing table \"\(tableRequest.table)\"")
        let writer = try instance.warehouse.begin(tableRequest)
        let box = WriterBox(writer: writer, request: tableRequest, instance: instance)
        out.pointee = OpaquePointer(Unmanaged.passRetained(box).toOpaque())
    }
}

private let write: @convention(c) (
    OpaquePointer?, UnsafeMutablePointer<ArrowArray>?, UnsafeMutablePointer<etl_error>?
) -> Int32 = { handle, batch, error in
    guarded(error) {
        guard let batch else { throw PluginError.invalidArgument("write: the batch is NULL") }
        guard let box = WriterBox.from(handle) else {
            // Ownership was passed to us whatever the outcome.
            if let release = batch.pointee.release { release(batch) }
            throw PluginError.invalidArgument("write: the writer is NULL")
        }
        let imported: ImportedBatch
        do {
            imported = try ImportedBatch(taking: batch, schema: box.request.schema)
        } catch {
            throw PluginError.data("write to table \"\(box.request.table)\": \(PluginError.wrapping(error).message)")
        }
        try box.instance.host.checkCancelled("writing table \"\(box.request.table)\"")
        try box.writer.write(batch: imported)
    }
}

private let writePresentKeys: @convention(c) (
    OpaquePointer?, UnsafeMutablePointer<ArrowArray>?, UnsafeMutablePointer<etl_error>?
) -> Int32 = { handle, batch, error in
    guarded(error) {
        guard let batch else { throw PluginError.invalidArgument("write_present_keys: the batch is NULL") }
        guard let box = WriterBox.from(handle) else {
            if let release = batch.pointee.release { release(batch) }
            throw PluginError.invalidArgument("write_present_keys: the writer is NULL")
        }
        guard box.request.deletions != .keep else {
            if let release = batch.pointee.release { release(batch) }
            throw PluginError.invalidArgument("write_present_keys: table \"\(box.request.table)\" was begun "
                + "without deletions")
        }
        let imported: ImportedBatch
        do {
            imported = try ImportedBatch(taking: batch, schema: box.request.keySchema)
        } catch {
            throw PluginError.data("keys of table \"\(box.request.table)\": \(PluginError.wrapping(error).message)")
        }
        try box.instance.host.checkCancelled("writing table \"\(box.request.table)\"")
        try box.writer.writePresentKeys(batch: imported)
    }
}

private let commit: @convention(c) (
    OpaquePointer?, UnsafePointer<etl_commit_request>?, UnsafeMutablePointer<etl_error>?
) -> Int32 = { handle, request, error in
    guarded(error) {
        guard let handle, let box = WriterBox.from(handle) else {
            throw PluginError.invalidArgument("commit: the writer is NULL")
        }
        let commitRequest = request.map(WarehouseTrampolines.commitRequest) ?? CommitRequest()
        try box.writer.commit(commitRequest)
        WriterBox.release(handle)
    }
}

private let rollback: @convention(c) (OpaquePointer?) -> Void = { handle in
    guard let handle, let box = WriterBox.from(handle) else { return }
    box.writer.rollback()
    WriterBox.release(handle)
}

private let stateGet: @convention(c) (
    OpaquePointer?, UnsafePointer<CChar>?, UnsafeMutablePointer<etl_buffer>?, UnsafeMutablePointer<etl_error>?
) -> Int32 = { handle, key, state, error in
    guarded(error) {
        let instance = try WarehouseTrampolines.instance(handle, "state_get")
        guard let key = string(from: key), let state else {
            throw PluginError.invalidArgument("state_get: state_key and state must not be NULL")
        }
        guard let json = try instance.warehouse.stateGet(key: key) else {
            throw PluginError.notFound("no state is stored under key \"\(key)\"")
        }
        try ETLBuffer.fill(state, with: json)
    }
}

private let tableSchema: @convention(c) (
    OpaquePointer?, UnsafePointer<CChar>?, UnsafeMutablePointer<ArrowSchema>?, UnsafeMutablePointer<etl_error>?
) -> Int32 = { handle, table, out, error in
    guarded(error) {
        let instance = try WarehouseTrampolines.instance(handle, "table_schema")
        guard let table = string(from: table), let out else {
            throw PluginError.invalidArgument("table_schema: table and out must not be NULL")
        }
        guard let schema = try instance.warehouse.tableSchema(name: table) else {
            throw PluginError.notFound("table \"\(table)\" does not exist")
        }
        try schema.validate()
        schema.export(to: out)
    }
}

private let schemaGet: @convention(c) (
    OpaquePointer?, UnsafePointer<CChar>?, UnsafeMutablePointer<etl_buffer>?, UnsafeMutablePointer<etl_error>?
) -> Int32 = { handle, table, schema, error in
    guarded(error) {
        let instance = try WarehouseTrampolines.instance(handle, "schema_get")
        guard let table = string(from: table), let schema else {
            throw PluginError.invalidArgument("schema_get: table and schema must not be NULL")
        }
        guard let json = try instance.warehouse.schemaGet(table: table) else {
            throw PluginError.notFound("no schema is stored for table \"\(table)\"")
        }
        try ETLBuffer.fill(schema, with: json)
    }
}

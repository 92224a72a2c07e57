import CETLPlugin
import ETLHost
import ETLPluginKit
import Foundation

/// The operations of an open warehouse instance, called through the raw C
/// interface with every outcome kept (the host's ``WarehouseWriter`` would
/// turn them into errors and release what the checks count).
final class WarehouseDriver {
    /// The instance.
    let instance: OpenedInstance
    private let ops: etl_warehouse_ops

    init(_ instance: OpenedInstance) {
        self.instance = instance
        ops = instance.warehouse
    }

    /// The answer of an optional lookup (table_schema, state_get, schema_get).
    enum Lookup<Value> {
        /// The plugin answered.
        case found(Value)
        /// ETL_ERR_NOT_FOUND, with its error.
        case notFound(CallFailure)
        /// The operation is NULL.
        case unsupported
        /// Another failure, or an invalid answer.
        case failed(String)
    }

    /// begin(); `guarded` replaces the request with a 1.0-sized one.
    func begin(table: String, schema: ArrowBatchSchema, mode: WriteMode, keys: [String] = [], runID: String,
               guarded: GuardedMemory? = nil) -> Result<OpaquePointer, CallFailure> {
        begin(table: table, schema: schema, rawMode: mode.rawValue, keys: keys, runID: runID, guarded: guarded)
    }

    /// begin() with any mode number (the errors check passes invalid ones).
    func begin(table: String, schema: ArrowBatchSchema, rawMode: Int32, keys: [String] = [], runID: String,
               guarded: GuardedMemory? = nil) -> Result<OpaquePointer, CallFailure> {
        let cSchema = UnsafeMutablePointer<ArrowSchema>.allocate(capacity: 1)
        schema.export(to: cSchema)
        defer {
            if let release = cSchema.pointee.release { release(cSchema) }
            cSchema.deallocate()
        }
        let cKeys = keys.map { UnsafePointer<CChar>(strdup($0)) }
        defer { cKeys.forEach { free(UnsafeMutableRawPointer(mutating: $0)) } }
        let begin = ops.begin!
        let handle = instance.live
        var writer: OpaquePointer?
        let failure: CallFailure? = table.withCString { cTable in
            runID.withCString { cRun in
                cKeys.withUnsafeBufferPointer { keyList in
                    let keyPointer = keyList.isEmpty ? nil : keyList.baseAddress
                    if let guarded {
                        guarded.store(UInt32(guarded.size), at: \etl_table_request.struct_size)
                        guarded.store(Optional(cTable), at: \etl_table_request.table)
                        guarded.store(Optional(UnsafePointer(cSchema)), at: \etl_table_request.schema)
                        guarded.store(rawMode, at: \etl_table_request.mode)
                        guarded.store(Int32(keyList.count), at: \etl_table_request.key_column_count)
                        guarded.store(keyPointer, at: \etl_table_request.key_columns)
                        guarded.store(Optional(cRun), at: \etl_table_request.run_id)
                        return CallFailure.calling { begin(handle, guarded.typed(etl_table_request.self), &writer, $0) }
                    }
                    var request = etl_table_request()
                    request.struct_size = UInt32(MemoryLayout<etl_table_request>.size)
                    request.table = cTable
                    request.schema = UnsafePointer(cSchema)
                    request.mode = rawMode
                    request.key_column_count = Int32(keyList.count)
                    request.key_columns = keyPointer
                    request.run_id = cRun
                    return CallFailure.calling { begin(handle, &request, &writer, $0) }
                }
            }
        }
        if let failure { return .failure(failure) }
        guard let writer else {
            return .failure(CallFailure(status: 0, filledCode: nil, message: nil, releaseSet: false,
                                        extra: "begin of table '\(table)' returned ETL_OK without a writer"))
        }
        return .success(writer)
    }

    /// The outcome of write().
    struct WriteOutcome {
        /// The failure, when write failed.
        var failure: CallFailure?
        /// Whether the plugin left the batch's release set (it must move
        /// the batch out whatever the outcome); the batch was then
        /// released here.
        var notTaken: Bool
    }

    /// write(): ownership of `batch` passes to the plugin.
    func write(_ writer: OpaquePointer, _ batch: UnsafeMutablePointer<ArrowArray>) -> WriteOutcome {
        let write = ops.write!
        let failure = CallFailure.calling { write(writer, batch, $0) }
        var notTaken = false
        if let release = batch.pointee.release {
            notTaken = true
            release(batch)
        }
        return WriteOutcome(failure: failure, notTaken: notTaken)
    }

    /// commit().
    func commit(_ writer: OpaquePointer, stateKey: String?, stateJSON: String?, runJSON: String?,
                schemaJSON: String?) -> CallFailure? {
        let commit = ops.commit!
        return withOptionalCString(stateKey) { key in
            withOptionalCString(stateJSON) { state in
                withOptionalCString(runJSON) { run in
                    withOptionalCString(schemaJSON) { schema in
                        var request = etl_commit_request()
                        request.struct_size = UInt32(MemoryLayout<etl_commit_request>.size)
                        request.state_key = key
                        request.state_json = state
                        request.run_json = run
                        request.schema_json = schema
                        return CallFailure.calling { commit(writer, &request, $0) }
                    }
                }
            }
        }
    }

    /// rollback().
    func rollback(_ writer: OpaquePointer) {
        ops.rollback!(writer)
    }

    /// table_schema(): the columns, validated as a batch schema. Each
    /// field's release is counted (the schema's release must release them
    /// exactly once); problems go to `releaseProblems`.
    func tableSchema(_ table: String, audit: inout ArrowAudit, memory: inout MemoryMap,
                     releaseProblems: (String) -> Void = { _ in }) -> Lookup<ArrowBatchSchema> {
        guard let tableSchema = ops.table_schema else { return .unsupported }
        let handle = instance.live
        let cSchema = UnsafeMutablePointer<ArrowSchema>.allocate(capacity: 1)
        defer { cSchema.deallocate() }
        cSchema.initialize(to: ArrowSchema())
        let failure = table.withCString { name in CallFailure.calling { tableSchema(handle, name, cSchema, $0) } }
        if let failure {
            if let release = cSchema.pointee.release { release(cSchema) }
            return failure.status == ETL_ERR_NOT_FOUND.rawValue ? .notFound(failure) : .failed(failure.summary)
        }
        let result = audit.schema(cSchema)
        if cSchema.pointee.release == nil {
            releaseProblems("table_schema of '\(table)' returned a schema with no release callback")
        } else {
            let keys = ReleaseLedger.shared.interposeChildren(of: cSchema, label: "table_schema of '\(table)'", memory: &memory)
            cSchema.pointee.release(cSchema)
            if cSchema.pointee.release != nil {
                releaseProblems("table_schema of '\(table)': the schema's release did not mark it released")
            }
            for problem in ReleaseLedger.shared.settle(keys) { releaseProblems(problem) }
        }
        switch result {
        case .success(let schema): return .found(schema)
        case .failure(let problem): return .failed("table_schema of '\(table)' returned an invalid schema: \(problem)")
        }
    }

    /// query(): the rows of `sql`, read through the host's validating
    /// reader; nil when the warehouse has no query operation.
    func query(_ sql: String) -> Result<ArrowStreamReader, CallFailure>? {
        guard let query = ops.query else { return nil }
        let handle = instance.live
        let stream = UnsafeMutablePointer<ArrowArrayStream>.allocate(capacity: 1)
        stream.initialize(to: ArrowArrayStream())
        defer { stream.deallocate() }  // the reader moves the stream out
        if let failure = sql.withCString({ text in CallFailure.calling { query(handle, text, stream, $0) } }) {
            if let release = stream.pointee.release { release(stream) }
            return .failure(failure)
        }
        do {
            return .success(try ArrowStreamReader(taking: stream))
        } catch {
            return .failure(CallFailure(status: 0, filledCode: nil, message: nil, releaseSet: false,
                                        extra: "query returned ETL_OK with a stream the host cannot read: \(error.message)"))
        }
    }

    /// state_get().
    func stateGet(_ key: String, memory: inout MemoryMap, releaseProblems: (String) -> Void = { _ in }) -> Lookup<String> {
        guard let stateGet = ops.state_get else { return .unsupported }
        let handle = instance.live
        return key.withCString { cKey in
            lookup("state_get('\(key)')", memory: &memory, releaseProblems: releaseProblems) { stateGet(handle, cKey, $0, $1) }
        }
    }

    /// schema_get().
    func schemaGet(_ table: String, memory: inout MemoryMap, releaseProblems: (String) -> Void = { _ in }) -> Lookup<String> {
        guard let schemaGet = ops.schema_get else { return .unsupported }
        let handle = instance.live
        return table.withCString { cTable in
            lookup("schema_get('\(table)')", memory: &memory, releaseProblems: releaseProblems) { schemaGet(handle, cTable, $0, $1) }
        }
    }

    private func lookup(_ operation: String, memory: inout MemoryMap, releaseProblems: (String) -> Void,
                        _ body: (UnsafeMutablePointer<etl_buffer>, UnsafeMutablePointer<etl_error>) -> Int32) -> Lookup<String> {
        let answer = BufferAnswer.call(operation, memory: &memory, body)
        if let failure = answer.failure {
            return failure.status == ETL_ERR_NOT_FOUND.rawValue ? .notFound(failure) : .failed("\(operation) failed: \(failure.summary)")
        }
        if answer.releaseMissing { releaseProblems("\(operation) returned a buffer with no release callback") }
        guard let text = answer.text, answer.problems.isEmpty else {
            return .failed(answer.problems.first ?? "\(operation) returned no text")
        }
        return .found(text)
    }
}

import CETLPlugin
import ETLHost
import ETLPluginKit
import Foundation

/// `struct-size`: the plugin honours the struct_size of what the host
/// allocates. As a host of ABI 1.0 (same major, older minor) it gives init
/// a 1.0-sized descriptor, then read() or begin() a 1.0-sized request, each
/// placed against a guard page (see ``GuardedMemory``): a plugin that
/// writes past the descriptor, or reads a 1.1 field such as
/// `etl_read_request.keys_only` without `ETL_HAS_FIELD`, crashes, and the
/// crash is reported with the phase that names the struct.
enum StructSizeCheck {
    static func run(_ environment: WorkerEnvironment) throws {
        let recorder = environment.recorder
        let request = environment.request
        let initialize: etl_plugin_init_fn
        do {
            initialize = try RawInit.entryPoint(library: request.library, symbol: request.entry)
        } catch {
            recorder.fail("\(error)")
            throw StopCheck()
        }
        let host = HostABI.make(major: 1, minor: 0)
        let size = ETLABI.pluginSize1_0
        recorder.phase("init by a host of ABI 1.0 with a \(size)-byte descriptor against a guard page",
                       crashHint: "init wrote past the \(size) bytes of struct_size the host gave it")
        let outcome = RawInit.call(initialize, hostABI: host, descriptorSize: size)
        guard outcome.status == ETL_OK.rawValue else {
            recorder.fail("init refused a host of ABI 1.0 (the same major version, an older minor): "
                + (outcome.failure?.summary ?? PluginStatusCode.name(outcome.status)))
            throw StopCheck()
        }
        if outcome.reportedSize > size {
            recorder.fail("init reported struct_size \(outcome.reportedSize), more than the \(size) bytes the host "
                + "gave; it must report the size it filled, min(host's, its own)")
        } else if outcome.reportedSize < size {
            recorder.fail("init reported struct_size \(outcome.reportedSize), less than the \(size) bytes of an "
                + "ABI 1.0 descriptor")
        }
        let pluginABI = outcome.descriptor.abi_version
        let plugin: LoadedPlugin
        do {
            plugin = try LoadedPlugin(path: request.library, descriptor: outcome.descriptor,
                                      negotiatedABI: min(host, pluginABI), hostToolchain: ETLToolchain.current)
        } catch {
            recorder.fail("with a 1.0 host, init filled an invalid descriptor: \(error)")
            throw StopCheck()
        }
        var detail = "init wrote within a \(size)-byte descriptor"
        checkTables(plugin, recorder)
        guard let config = environment.options.configJSON else {
            recorder.note("the 1.0-sized read/begin request was not tried: "
                + (environment.options.configMissingReason ?? "needs a config"))
            recorder.passDetail = detail
            return
        }
        recorder.phase("open (with the 1.0 descriptor)")
        let instance: OpenedInstance
        switch OpenedInstance.open(plugin, configJSON: config) {
        case .success(let opened): instance = opened
        case .failure(let failure):
            recorder.fail("open failed after init by a 1.0 host: \(failure.summary)")
            throw StopCheck()
        }
        defer { instance.close() }
        if plugin.extractorOps != nil {
            detail += try readWithOldRequest(instance, environment)
        } else {
            detail += try beginWithOldRequest(instance, environment)
        }
        recorder.passDetail = detail
    }

    /// The operation tables: their struct_size must cover the required
    /// operations of ABI 1.0.
    private static func checkTables(_ plugin: LoadedPlugin, _ recorder: CheckRecorder) {
        if let table = plugin.raw.extractor {
            let declared = Int(table.pointee.struct_size)
            let needed = CStructField.end(of: \etl_extractor_ops.read)
            if declared < needed {
                recorder.fail("etl_extractor_ops.struct_size is \(declared), too small to hold discover and read (\(needed) bytes)")
            }
        }
        if let table = plugin.raw.warehouse {
            let declared = Int(table.pointee.struct_size)
            let needed = CStructField.end(of: \etl_warehouse_ops.rollback)
            if declared < needed {
                recorder.fail("etl_warehouse_ops.struct_size is \(declared), too small to hold begin to rollback (\(needed) bytes)")
            }
        }
    }

    /// read() of the first stream with a 1.0-sized etl_read_request, its
    /// etl_error and the catalog's etl_buffer all against guard pages.
    private static func readWithOldRequest(_ instance: OpenedInstance, _ environment: WorkerEnvironment) throws -> String {
        let recorder = environment.recorder
        var memory = MemoryMap()
        let names = try ExtractorChecks.streams(environment, instance, memory: &memory)
        let name = names[0]
        let size = ETLABI.readRequestSize1_0
        let request = GuardedMemory(size: size)
        let error = GuardedMemory(size: MemoryLayout<etl_error>.size)
        error.store(UInt32(MemoryLayout<etl_error>.size), at: \etl_error.struct_size)
        return try name.withCString { cName -> String in
            request.store(UInt32(size), at: \etl_read_request.struct_size)
            request.store(cName, at: \etl_read_request.stream)
            recorder.phase("read of stream '\(name)' with a \(size)-byte (ABI 1.0) etl_read_request against a guard page",
                           crashHint: "read() accessed etl_read_request past its struct_size (\(size) bytes): a field "
                               + "added in 1.1, such as keys_only, read without ETL_HAS_FIELD")
            let result = RawStream.read(instance, stream: name, request: UnsafePointer(request.typed(etl_read_request.self)),
                                        error: error.typed(etl_error.self))
            guard case .success(let stream) = result else {
                if case .failure(let failure) = result {
                    recorder.fail("read of stream '\(name)' with an ABI 1.0 request failed: \(failure.summary)")
                }
                throw StopCheck()
            }
            if stream.structureProblem == nil {
                recorder.phase("get_schema and the first batch of stream '\(name)' (ABI 1.0 request)")
                var schema = ArrowSchema()
                if stream.getSchema(&schema) == 0, let release = schema.release { release(&schema) }
                var array = ArrowArray()
                if stream.getNext(&array) == 0, let release = array.release { release(&array) }
            }
            recorder.phase("release of the stream of '\(name)'")
            stream.release()
            return "; read() of '\(name)' kept within a \(size)-byte etl_read_request"
        }
    }

    /// begin() with a 1.0-sized etl_table_request against a guard page,
    /// then rollback (the table is not created).
    private static func beginWithOldRequest(_ instance: OpenedInstance, _ environment: WorkerEnvironment) throws -> String {
        let recorder = environment.recorder
        let table = environment.options.tag + "_size"
        let sample = WarehouseSample.first
        let capabilities = instance.plugin.descriptor.capabilities
        let mode: WriteMode = capabilities.contains("append") ? .append : capabilities.contains("replace") ? .replace : .upsert
        let size = ETLABI.tableRequestSize1_0
        let request = GuardedMemory(size: size)
        let driver = WarehouseDriver(instance)
        recorder.phase("begin \(mode) of table '\(table)' with a \(size)-byte (ABI 1.0) etl_table_request against a guard page",
                       crashHint: "begin() accessed etl_table_request past its struct_size (\(size) bytes): a field "
                           + "added in 1.1, such as deletions, read without ETL_HAS_FIELD")
        let result = driver.begin(table: table, schema: sample.schema, mode: mode, keys: mode == .upsert ? ["id"] : [],
                                  runID: environment.options.tag, guarded: request)
        switch result {
        case .failure(let failure):
            recorder.fail("begin of table '\(table)' with an ABI 1.0 request failed: \(failure.summary)")
            throw StopCheck()
        case .success(let writer):
            recorder.phase("rollback of table '\(table)'")
            driver.rollback(writer)
        }
        return "; begin() kept within a \(size)-byte etl_table_request"
    }
}

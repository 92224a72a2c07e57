import ETLHost
@testable import ETLPluginKit
import Glibc
import Testing

// MARK: - Internals reached through @testable

@Suite("ArrowBatchBuilder limits")
struct ArrowBatchBuilderLimitTests {
    @Test("passing the int32 offset limit is an error, not corruption; the batch keeps the rows before")
    func offsetOverflow() throws {
        let builder = try ArrowBatchBuilder(schema: ArrowBatchSchema([ArrowField("s", .utf8), ArrowField("b", .binary)]),
                                            capacity: 4, dataLimit: 10)
        builder.appendText("12345")
        builder.appendBinary([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
        try builder.endRow()
        builder.appendText("123456")
        builder.appendBinary([])
        #expect(pluginError { try builder.endRow() } == PluginError.data(
            "column \"s\" passed 2 GiB of values in one batch at row 2, the limit of Arrow int32 offsets; "
                + "emit smaller batches"))
        builder.appendText("12345")
        builder.appendBinary([1])
        #expect(errorMessage { try builder.endRow() } == "column \"b\" passed 2 GiB of values in one batch at "
            + "row 2, the limit of Arrow int32 offsets; emit smaller batches")
        builder.appendText("")
        builder.appendBinary(nil)
        try builder.endRow()
        let batch = try roundTrip(builder)
        #expect(batch.rowCount == 2)
        #expect(batch.string(row: 0, column: 0) == "12345")
        #expect(batch.string(row: 1, column: 0) == "")
        #expect(batch.binary(row: 0, column: 1)?.count == 10)
        #expect(batch.binary(row: 1, column: 1) == nil)
    }
}

// MARK: - Test plugins

/// Counts from 1 to `count` in batches of `batch` rows; incremental on the
/// last number returned.
final class NumbersExtractor: Extractor {
    static let info = PluginInfo(
        name: "numbers", version: "2.1.0", description: "Counts",
        configSchema: #"{"type":"object","properties":{"count":{"type":"integer"}}}"#,
        capabilities: [.incremental])
    nonisolated(unsafe) static var cancelCalls = 0

    let count: Int64
    let batch: Int64
    let host: HostContext
    var last: Int64 = 0

    init(config: PluginConfig, host: HostContext) throws {
        try config.rejectUnknownKeys(allowed: ["count", "batch"])
        count = try config.integer("count") ?? 10
        batch = try config.integer("batch") ?? 4
        self.host = host
    }

    func discover() throws -> Catalog {
        Catalog(streams: [CatalogStream(name: "numbers", primaryKey: ["n"],
                                        fields: [CatalogField(name: "n", type: .integer)])])
    }

    func read(stream: String, state: String?) throws -> any BatchSource {
        guard stream == "numbers" else { throw PluginError.invalidArgument("unknown stream \"\(stream)\"") }
        if let state, case .integer(let from)? = try JSONValue(parsing: state)["last"] { last = from }
        host.log(.info, "counting from \(last + 1)")
        return ClosureBatchSource(schema: ArrowBatchSchema([ArrowField("n", .int64)])) { builder in
            while self.last < self.count, builder.rowCount < Int(self.batch) {
                self.last += 1
                builder.append(self.last)
                try builder.endRow()
            }
            return self.last < self.count
        }
    }

    func checkpoint(stream: String) throws -> String? { #"{"last":\#(last)}"# }

    func cancel() { Self.cancelCalls += 1 }
}

/// Keeps tables in memory.
final class MemoryWarehouse: Warehouse {
    static let info = PluginInfo(name: "memory", version: "1.0.0", description: "In memory",
                                 configSchema: #"{"type":"object"}"#,
                                 capabilities: [.modeReplace, .modeAppend, .transactionalState])
    nonisolated(unsafe) static var last: MemoryWarehouse?

    var tables: [String: [Int64?]] = [:]
    var schemas: [String: ArrowBatchSchema] = [:]
    var states: [String: String] = [:]
    var schemaJSON: [String: String] = [:]
    var runs: [String] = []
    var rolledBack = 0

    init(config: PluginConfig, host: HostContext) throws { Self.last = self }

    func begin(_ request: TableRequest) throws -> any TableWriter { Writer(warehouse: self, request: request) }
    func stateGet(key: String) throws -> String? { states[key] }
    func schemaGet(table: String) throws -> String? { schemaJSON[table] }
    func tableSchema(name: String) throws -> ArrowBatchSchema? { schemas[name] }

    final class Writer: TableWriter {
        let warehouse: MemoryWarehouse
        let request: TableRequest
        var rows: [Int64?] = []

        init(warehouse: MemoryWarehouse, request: TableRequest) {
            self.warehouse = warehouse
            self.request = request
        }

        func write(batch: ImportedBatch) throws {
            rows += (0..<batch.rowCount).map { batch.int64(row: $0, column: 0) }
        }

        func commit(_ commit: CommitRequest) throws {
            if request.table == "fails" { throw PluginError.io("disk full") }
            let old = request.mode == .append ? warehouse.tables[request.table] ?? [] : []
            warehouse.tables[request.table] = old + rows
            warehouse.schemas[request.table] = request.schema
            if let key = commit.stateKey, let state = commit.stateJSON { warehouse.states[key] = state }
            if let run = commit.runJSON { warehouse.runs.append(run) }
            if let schema = commit.schemaJSON { warehouse.schemaJSON[request.table] = schema }
        }

        func rollback() { warehouse.rolledBack += 1 }
    }
}

/// A warehouse that implements only what the protocol requires.
final class BareWarehouse: Warehouse {
    static let info = PluginInfo(name: "bare", version: "1.0.0", description: "Nothing optional",
                                 configSchema: #"{"type":"object"}"#, capabilities: [.modeAppend])

    init(config: PluginConfig, host: HostContext) throws {}

    func begin(_ request: TableRequest) throws -> any TableWriter {
        throw PluginError.io("not in this test")
    }
}

// MARK: - A host

/// What the test host's callbacks received.
enum TestHost {
    nonisolated(unsafe) static var logs: [String] = []
    nonisolated(unsafe) static var progress: [String] = []
    nonisolated(unsafe) static var cancelled: Int32 = 0
    nonisolated(unsafe) static var retries: [String] = []

    nonisolated(unsafe) static let api: UnsafeMutablePointer<etl_host_api> = {
        let api = UnsafeMutablePointer<etl_host_api>.allocate(capacity: 1)
        api.initialize(to: etl_host_api(
            struct_size: UInt32(MemoryLayout<etl_host_api>.size), abi_version: ETLABI.version,
            log: { _, level, message in TestHost.logs.append("\(level): \(String(cString: message!))") },
            progress: { _, stream, done, total in
                TestHost.progress.append("\(String(cString: stream!)) \(done)/\(total)")
            },
            is_cancelled: { _ in TestHost.cancelled },
            reject: { _, _, _, _, _, _ in 0 },
            retry: { _, stream, attempt, maxRetries, wait, reason in
                TestHost.retries.append("\(stream.map { String(cString: $0) } ?? "-") \(attempt)/\(maxRetries) \(wait) \(String(cString: reason!))")
            }))
        return api
    }()

    static func reset() {
        logs = []
        progress = []
        cancelled = 0
        retries = []
    }

    static func newError() -> etl_error {
        var error = etl_error()
        error.struct_size = UInt32(MemoryLayout<etl_error>.size)
        return error
    }

    static func newBuffer() -> etl_buffer {
        var buffer = etl_buffer()
        buffer.struct_size = UInt32(MemoryLayout<etl_buffer>.size)
        return buffer
    }

    static func descriptor() -> etl_plugin {
        var plugin = etl_plugin()
        plugin.struct_size = UInt32(MemoryLayout<etl_plugin>.size)
        return plugin
    }

    /// Opens an instance; throws the plugin's error.
    static func open(_ plugin: etl_plugin, config: String) throws -> OpaquePointer {
        var error = newError()
        var instance: OpaquePointer?
        let status = config.withCString { json in
            var request = etl_open_request(struct_size: UInt32(MemoryLayout<etl_open_request>.size),
                                           config_json: json, host_context: nil)
            return plugin.open(&request, &instance, &error)
        }
        guard status == 0 else { throw PluginError(taking: &error, status: status) }
        return instance!
    }

    /// Calls an operation that fills an error; throws it.
    static func call(_ body: (UnsafeMutablePointer<etl_error>) -> Int32) throws {
        var error = newError()
        let status = body(&error)
        if status != 0 { throw PluginError(taking: &error, status: status) }
        #expect(error.release == nil)
    }
}

// MARK: - Tests

@Suite("PluginEntry and the C trampolines", .serialized)
struct PluginEntryTests {
    func initializeNumbers() throws -> etl_plugin {
        Registration.resetForTesting()
        var plugin = TestHost.descriptor()
        try TestHost.call { error in
            PluginEntry.initialize(hostABI: ETLABI.version, host: TestHost.api, out: &plugin, error: error,
                                   extractor: NumbersExtractor.self)
        }
        return plugin
    }

    func initializeMemory() throws -> etl_plugin {
        Registration.resetForTesting()
        var plugin = TestHost.descriptor()
        try TestHost.call { error in
            PluginEntry.initialize(hostABI: ETLABI.version, host: TestHost.api, out: &plugin, error: error,
                                   warehouse: MemoryWarehouse.self)
        }
        return plugin
    }

    @Test("the descriptor is filled from PluginInfo")
    func descriptor() throws {
        let plugin = try initializeNumbers()
        #expect(plugin.struct_size == UInt32(MemoryLayout<etl_plugin>.size))
        #expect(plugin.abi_version == 0x0001_0004)
        #expect(plugin.kind == Int32(ETL_KIND_EXTRACTOR.rawValue))
        #expect(String(cString: plugin.name) == "numbers")
        #expect(String(cString: plugin.version) == "2.1.0")
        #expect(String(cString: plugin.description) == "Counts")
        #expect(String(cString: plugin.language) == "swift")
        #expect(String(cString: plugin.toolchain) == ETLToolchain.current)
        #expect(String(cString: plugin.config_schema) == NumbersExtractor.info.configSchema)
        #expect(plugin.capabilities == UInt64(ETL_CAP_INCREMENTAL.rawValue))
        #expect(plugin.extractor != nil)
        #expect(plugin.warehouse == nil)
        #expect(plugin.extractor.pointee.struct_size == UInt32(ETLABI.extractorOpsSize1_2))
        #expect(plugin.extractor.pointee.checkpoint != nil)
        #expect(plugin.extractor.pointee.stream_error != nil)
        #expect(plugin.error_detail != nil)
        #expect(plugin.open != nil && plugin.check != nil && plugin.cancel != nil && plugin.close != nil)
    }

    @Test("another ABI major is refused with both versions named and abi_version set")
    func abiMismatch() throws {
        Registration.resetForTesting()
        var plugin = TestHost.descriptor()
        var error = TestHost.newError()
        let status = PluginEntry.initialize(hostABI: ETLABI.makeVersion(major: 2, minor: 0), host: nil,
                                            out: &plugin, error: &error, extractor: NumbersExtractor.self)
        #expect(status == Int32(ETL_ERR_ABI_MISMATCH.rawValue))
        #expect(plugin.abi_version == 0x0001_0004)
        #expect(plugin.name == nil)
        #expect(PluginError(taking: &error, status: status).message
            == "plugin \"numbers\" was built for etl ABI 1.4 but the host speaks ABI 2.0; rebuild the plugin "
                + "against the host's etl_plugin.h or use a host of ABI 1.x")
    }

    @Test("a newer minor of the same major is accepted")
    func newerMinor() throws {
        Registration.resetForTesting()
        var plugin = TestHost.descriptor()
        try TestHost.call { error in
            PluginEntry.initialize(hostABI: ETLABI.makeVersion(major: 1, minor: 7), host: nil, out: &plugin,
                                   error: error, extractor: NumbersExtractor.self)
        }
        #expect(plugin.abi_version == 0x0001_0004)
    }

    @Test("no more than the host's struct_size is written, and struct_size tells what was filled")
    func structSizes() throws {
        Registration.resetForTesting()
        let size = MemoryLayout<etl_plugin>.size
        // A host with a bigger (future) descriptor: the bytes past ours stay.
        let raw = UnsafeMutableRawPointer.allocate(byteCount: size + 16, alignment: 8)
        defer { raw.deallocate() }
        raw.initializeMemory(as: UInt8.self, repeating: 0xAB, count: size + 16)
        raw.storeBytes(of: UInt32(size + 16), as: UInt32.self)
        let plugin = raw.assumingMemoryBound(to: etl_plugin.self)
        try TestHost.call { error in
            PluginEntry.initialize(hostABI: ETLABI.version, host: nil, out: plugin, error: error,
                                   extractor: NumbersExtractor.self)
        }
        #expect(plugin.pointee.struct_size == UInt32(size))
        #expect((size..<size + 16).allSatisfy { raw.load(fromByteOffset: $0, as: UInt8.self) == 0xAB })

        // A host whose descriptor is smaller than ABI 1.0's.
        var small = TestHost.descriptor()
        small.struct_size = UInt32(ETLABI.pluginSize1_0 - 8)
        var error = TestHost.newError()
        let status = PluginEntry.initialize(hostABI: ETLABI.version, host: nil, out: &small, error: &error,
                                            extractor: NumbersExtractor.self)
        #expect(PluginError(taking: &error, status: status) == PluginError.invalidArgument(
            "etl_plugin.struct_size is \(ETLABI.pluginSize1_0 - 8), smaller than the \(ETLABI.pluginSize1_0) "
                + "bytes of ABI 1.0; the host must set it to sizeof(etl_plugin)"))
        #expect(small.name == nil)
    }

    @Test("a second plugin type in the same library is refused")
    func onePluginPerLibrary() throws {
        _ = try initializeNumbers()
        var plugin = TestHost.descriptor()
        var error = TestHost.newError()
        let status = PluginEntry.initialize(hostABI: ETLABI.version, host: nil, out: &plugin, error: &error,
                                            warehouse: MemoryWarehouse.self)
        #expect(PluginError(taking: &error, status: status) == PluginError.internalError(
            "this library already registered plugin \"numbers\"; one library holds one plugin"))
    }

    @Test("an extractor opens, discovers, reads, checkpoints and closes through C")
    func extractorLifecycle() throws {
        TestHost.reset()
        let plugin = try initializeNumbers()
        let ops = plugin.extractor.pointee
        #expect(pluginError { _ = try TestHost.open(plugin, config: #"{"count": "ten"}"#) }
            == PluginError.invalidArgument("config \"count\" must be an integer, got string"))
        #expect(pluginError { _ = try TestHost.open(plugin, config: #"{"cuont": 1}"#) }
            == PluginError.invalidArgument("unknown config key \"cuont\"; valid keys are \"batch\", \"count\""))
        let instance = try TestHost.open(plugin, config: #"{"count": 10}"#)
        defer { plugin.close(instance) }
        try TestHost.call { plugin.check(instance, $0) }

        var catalog = TestHost.newBuffer()
        try TestHost.call { ops.discover(instance, &catalog, $0) }
        #expect(ETLBuffer.take(&catalog)
            == #"{"streams":[{"fields":[{"name":"n","type":"integer"}],"name":"numbers","primary_key":["n"]}]}"#)

        var stream = ArrowArrayStream()
        try TestHost.call { error in
            "numbers".withCString { name in
                "{\"last\": 3}".withCString { state in
                    var request = etl_read_request(struct_size: UInt32(MemoryLayout<etl_read_request>.size),
                                                   stream: name, state_json: state, keys_only: 0)
                    return ops.read(instance, &request, &stream, error)
                }
            }
        }
        let reader = try ArrowStreamReader(taking: &stream)
        var values: [Int64] = []
        while let batch = try reader.next() {
            values += (0..<batch.rowCount).map { batch.int64(row: $0, column: 0)! }
        }
        #expect(values == Array(4...10))
        #expect(TestHost.logs == ["2: counting from 4"])
        #expect(TestHost.progress == ["numbers 4/-1", "numbers 7/-1"])

        var state = TestHost.newBuffer()
        try TestHost.call { error in "numbers".withCString { ops.checkpoint(instance, $0, &state, error) } }
        #expect(ETLBuffer.take(&state) == #"{"last":10}"#)

        var missing = etl_read_request(struct_size: UInt32(MemoryLayout<etl_read_request>.size), stream: nil,
                                       state_json: nil, keys_only: 0)
        #expect(pluginError { try TestHost.call { ops.read(instance, &missing, &stream, $0) } }
            == PluginError.invalidArgument("read: the stream name is NULL; pass a name from discover()"))
    }

    @Test("cancel raises the flag, calls the hook, and stops the open stream with ECANCELED")
    func cancel() throws {
        TestHost.reset()
        NumbersExtractor.cancelCalls = 0
        let plugin = try initializeNumbers()
        let ops = plugin.extractor.pointee
        let instance = try TestHost.open(plugin, config: #"{"count": 100}"#)
        defer { plugin.close(instance) }
        var stream = ArrowArrayStream()
        try TestHost.call { error in
            "numbers".withCString { name in
                var request = etl_read_request(struct_size: UInt32(MemoryLayout<etl_read_request>.size),
                                               stream: name, state_json: nil, keys_only: 0)
                return ops.read(instance, &request, &stream, error)
            }
        }
        defer { stream.release(&stream) }
        var array = ArrowArray()
        #expect(stream.get_next(&stream, &array) == 0)
        array.release(&array)
        plugin.cancel(instance)
        plugin.cancel(instance)
        #expect(NumbersExtractor.cancelCalls == 2)
        #expect(stream.get_next(&stream, &array) == ECANCELED)
        var catalog = TestHost.newBuffer()
        #expect(pluginError { try TestHost.call { ops.discover(instance, &catalog, $0) } }
            == PluginError.cancelled("discover was cancelled"))
    }

    @Test("the host's is_cancelled stops a stream too")
    func hostCancellation() throws {
        TestHost.reset()
        let plugin = try initializeNumbers()
        let instance = try TestHost.open(plugin, config: #"{"count": 100}"#)
        defer { plugin.close(instance) }
        TestHost.cancelled = 1
        defer { TestHost.cancelled = 0 }
        var stream = ArrowArrayStream()
        let error = pluginError {
            try TestHost.call { error in
                "numbers".withCString { name in
                    var request = etl_read_request(struct_size: UInt32(MemoryLayout<etl_read_request>.size),
                                                   stream: name, state_json: nil, keys_only: 0)
                    return plugin.extractor.pointee.read(instance, &request, &stream, error)
                }
            }
        }
        #expect(error == PluginError.cancelled("reading stream \"numbers\" was cancelled"))
    }

    // MARK: Warehouse

    func begin(_ plugin: etl_plugin, _ instance: OpaquePointer, table: String, mode: WriteMode,
               keys: [String] = [], schema: ArrowBatchSchema = ArrowBatchSchema([ArrowField("n", .int64)]))
        throws -> OpaquePointer
    {
        var cSchema = ArrowSchema()
        schema.export(to: &cSchema)
        defer { cSchema.release(&cSchema) }
        var writer: OpaquePointer?
        let cKeys = keys.map { UnsafePointer(strdup($0)) }
        defer { cKeys.forEach { free(UnsafeMutableRawPointer(mutating: $0)) } }
        try TestHost.call { error in
            withUnsafePointer(to: &cSchema) { schemaPointer in
            table.withCString { name in
                "run-1".withCString { run in
                    cKeys.withUnsafeBufferPointer { keyPointers in
                        var request = etl_table_request(
                            struct_size: UInt32(MemoryLayout<etl_table_request>.size), table: name, schema: schemaPointer,
                            mode: mode.rawValue, key_column_count: Int32(keys.count),
                            key_columns: keyPointers.baseAddress, run_id: run, deletions: 0, history_table: nil)
                        return plugin.warehouse.pointee.begin(instance, &request, &writer, error)
                    }
                }
            }
            }
        }
        return writer!
    }

    func batch(_ values: [Int64?]) throws -> ArrowArray {
        let builder = try ArrowBatchBuilder(fields: [ArrowField("n", .int64)])
        for value in values {
            builder.append(value)
            try builder.endRow()
        }
        var array = ArrowArray()
        try builder.finish(into: &array)
        return array
    }

    @Test("a warehouse begins, writes, commits with state, and describes its tables through C")
    func warehouseLifecycle() throws {
        let plugin = try initializeMemory()
        #expect(plugin.kind == Int32(ETL_KIND_WAREHOUSE.rawValue))
        #expect(plugin.extractor == nil)
        #expect(plugin.warehouse.pointee.struct_size == UInt32(MemoryLayout<etl_warehouse_ops>.size))
        #expect(plugin.warehouse.pointee.write_present_keys != nil)
        // No sqlExecute/sqlQuery capability: the kit leaves the SQL operations NULL.
        #expect(plugin.capabilities & UInt64(ETL_CAP_SQL_EXECUTE.rawValue | ETL_CAP_SQL_QUERY.rawValue) == 0)
        #expect(plugin.warehouse.pointee.execute == nil)
        #expect(plugin.warehouse.pointee.query == nil)
        let ops = plugin.warehouse.pointee
        let instance = try TestHost.open(plugin, config: "{}")
        defer { plugin.close(instance) }
        let warehouse = try #require(MemoryWarehouse.last)

        let writer = try begin(plugin, instance, table: "numbers", mode: .append)
        var first = try batch([1, nil, 3])
        try TestHost.call { ops.write(writer, &first, $0) }
        #expect(first.release == nil)
        var second = try batch([4])
        try TestHost.call { ops.write(writer, &second, $0) }
        try TestHost.call { error in
            "csv/numbers".withCString { key in
                #"{"last":4}"#.withCString { state in
                    #"{"run_id":"run-1"}"#.withCString { run in
                        #"{"columns":[{"name":"n","type":"integer"}]}"#.withCString { schema in
                            var request = etl_commit_request(
                                struct_size: UInt32(MemoryLayout<etl_commit_request>.size), state_key: key,
                                state_json: state, run_json: run, schema_json: schema, load_instant: nil)
                            return ops.commit(writer, &request, error)
                        }
                    }
                }
            }
        }
        #expect(warehouse.tables["numbers"] == [1, nil, 3, 4])
        #expect(warehouse.runs == [#"{"run_id":"run-1"}"#])
        #expect(warehouse.schemaJSON == ["numbers": #"{"columns":[{"name":"n","type":"integer"}]}"#])

        var stored = TestHost.newBuffer()
        try TestHost.call { error in "numbers".withCString { ops.schema_get(instance, $0, &stored, error) } }
        #expect(ETLBuffer.take(&stored) == #"{"columns":[{"name":"n","type":"integer"}]}"#)
        #expect(pluginError { try TestHost.call { error in "other".withCString { ops.schema_get(instance, $0, &stored, error) } } }
            == PluginError.notFound("no schema is stored for table \"other\""))

        var state = TestHost.newBuffer()
        try TestHost.call { error in "csv/numbers".withCString { ops.state_get(instance, $0, &state, error) } }
        #expect(ETLBuffer.take(&state) == #"{"last":4}"#)
        #expect(pluginError { try TestHost.call { error in "nope".withCString { ops.state_get(instance, $0, &state, error) } } }
            == PluginError.notFound("no state is stored under key \"nope\""))

        var schema = ArrowSchema()
        try TestHost.call { error in "numbers".withCString { ops.table_schema(instance, $0, &schema, error) } }
        #expect(try ArrowBatchSchema(importing: &schema) == ArrowBatchSchema([ArrowField("n", .int64)]))
        schema.release(&schema)
        #expect(pluginError { try TestHost.call { error in "other".withCString { ops.table_schema(instance, $0, &schema, error) } } }
            == PluginError.notFound("table \"other\" does not exist"))
    }

    @Test("a commit request from a host that predates schema_json is read up to its struct_size")
    func commitRequestStructSize() throws {
        let plugin = try initializeMemory()
        let ops = plugin.warehouse.pointee
        let instance = try TestHost.open(plugin, config: "{}")
        defer { plugin.close(instance) }
        let warehouse = try #require(MemoryWarehouse.last)
        let writer = try begin(plugin, instance, table: "old_host", mode: .replace)
        try TestHost.call { error in
            "k".withCString { key in
                "1".withCString { state in
                    "{}".withCString { schema in
                        // schema_json is set in memory, but the declared size ends before it.
                        var request = etl_commit_request(
                            struct_size: UInt32(MemoryLayout<etl_commit_request>.offset(of: \.schema_json)!),
                            state_key: key, state_json: state, run_json: nil, schema_json: schema, load_instant: nil)
                        return ops.commit(writer, &request, error)
                    }
                }
            }
        }
        #expect(warehouse.states == ["k": "1"])
        #expect(warehouse.schemaJSON.isEmpty)
        #expect(warehouse.tables["old_host"] == [])
    }

    @Test("commit with a NULL request stores the data only")
    func commitWithoutRequest() throws {
        let plugin = try initializeMemory()
        let ops = plugin.warehouse.pointee
        let instance = try TestHost.open(plugin, config: "{}")
        defer { plugin.close(instance) }
        let warehouse = try #require(MemoryWarehouse.last)
        let writer = try begin(plugin, instance, table: "bare", mode: .append)
        var rows = try batch([7])
        try TestHost.call { ops.write(writer, &rows, $0) }
        try TestHost.call { ops.commit(writer, nil, $0) }
        #expect(warehouse.tables["bare"] == [7])
        #expect(warehouse.states.isEmpty && warehouse.runs.isEmpty && warehouse.schemaJSON.isEmpty)
    }

    @Test("the default schemaGet is not implemented, and says so through C")
    func schemaGetDefault() throws {
        Registration.resetForTesting()
        var plugin = TestHost.descriptor()
        try TestHost.call { error in
            PluginEntry.initialize(hostABI: ETLABI.version, host: nil, out: &plugin, error: error,
                                   warehouse: BareWarehouse.self)
        }
        let instance = try TestHost.open(plugin, config: "{}")
        defer { plugin.close(instance) }
        var buffer = TestHost.newBuffer()
        #expect(pluginError { try TestHost.call { error in
            "t".withCString { plugin.warehouse.pointee.schema_get(instance, $0, &buffer, error) }
        } } == PluginError(.unsupported, "bare does not store table schemas"))
        #expect(buffer.release == nil)
    }

    @Test("a batch that does not match the table's schema is refused, and still released")
    func writeMismatch() throws {
        let plugin = try initializeMemory()
        let ops = plugin.warehouse.pointee
        let instance = try TestHost.open(plugin, config: "{}")
        defer { plugin.close(instance) }
        let writer = try begin(plugin, instance, table: "t", mode: .replace,
                               schema: ArrowBatchSchema([ArrowField("n", .int64), ArrowField("s", .utf8)]))
        var wrong = try batch([1])
        #expect(pluginError { try TestHost.call { ops.write(writer, &wrong, $0) } } == PluginError.data(
            "write to table \"t\": the batch has 1 columns but its schema has 2 (n, s)"))
        #expect(wrong.release == nil)
        ops.rollback(writer)
        #expect(MemoryWarehouse.last?.rolledBack == 1)
    }

    @Test("a failed commit keeps the writer for rollback")
    func failedCommit() throws {
        let plugin = try initializeMemory()
        let ops = plugin.warehouse.pointee
        let instance = try TestHost.open(plugin, config: "{}")
        defer { plugin.close(instance) }
        let writer = try begin(plugin, instance, table: "fails", mode: .replace)
        #expect(pluginError { try TestHost.call { ops.commit(writer, nil, $0) } } == PluginError.io("disk full"))
        ops.rollback(writer)
        #expect(MemoryWarehouse.last?.rolledBack == 1)
        #expect(MemoryWarehouse.last?.tables["fails"] == nil)
    }

    @Test("begin refuses modes the warehouse does not declare, and upserts without keys")
    func modes() throws {
        let plugin = try initializeMemory()
        let instance = try TestHost.open(plugin, config: "{}")
        defer { plugin.close(instance) }
        #expect(pluginError { _ = try begin(plugin, instance, table: "t", mode: .upsert, keys: ["n"]) }
            == PluginError(.unsupported,
                           "this warehouse does not support the upsert mode; it supports replace, append"))
        #expect(pluginError { _ = try begin(plugin, instance, table: "t", mode: .append, keys: ["id"]) }
            == PluginError.invalidArgument(
                "begin: key column \"id\" is not a column of table \"t\"; its columns are n"))
    }
}

import ETLHost
import ETLPluginKit
import ETLTestSupport
import Testing

@Suite("PostgreSQL warehouse: state, run records and schemas")
struct BookkeepingTests {
    static let fields = [ArrowField("id", .int64)]
    static let run = #"""
        {"run_id":"r-1","stream":"orders","table":"orders","mode":"append","status":"succeeded","rows_read":3,\#
        "rows_written":2,"rows_rejected":1,"started_at":"2024-05-01T10:00:00Z","finished_at":"2024-05-01T10:00:02.5Z",\#
        "error":null,"extra":{"nested":[1,2]}}
        """#

    @Test("state, run record and schema are committed with the data")
    func writtenWithTheData() throws {
        let warehouse = try TestWarehouse("books")
        try warehouse.load("orders", Self.fields, [[[.int(1)], [.int(2)]]], mode: .append, runID: "r-1",
                           stateKey: "csv/orders", stateJSON: #"{"line":3}"#, runJSON: Self.run,
                           schemaJSON: #"{"columns":[{"name":"id","type":"integer"}]}"#)
        let schema = PostgresInspector.quoted(warehouse.schema)
        #expect(try warehouse.rows("SELECT state_key, state_json, run_id FROM \(schema)._etl_state")
            == [["csv/orders", #"{"line":3}"#, "r-1"]])
        #expect(try warehouse.rows("SELECT table_name, schema_json, run_id FROM \(schema)._etl_schemas")
            == [["orders", #"{"columns":[{"name":"id","type":"integer"}]}"#, "r-1"]])
        #expect(try warehouse.rows("""
            SELECT run_id, stream, table_name, mode, status, rows_read::text, rows_written::text, rows_rejected::text,
                   started_at::text, finished_at::text, error, record_json->'extra'->>'nested'
            FROM \(schema)._etl_runs
            """) == [["r-1", "orders", "orders", "append", "succeeded", "3", "2", "1", "2024-05-01 10:00:00+00",
                      "2024-05-01 10:00:02.5+00", nil, "[1, 2]"]])
        #expect(try warehouse.rows("SELECT count(*) FROM \(schema)._etl_state WHERE updated_at > now() - interval '1 hour'")
            == [["1"]])
        #expect(try warehouse.instance.stateGet(key: "csv/orders") == #"{"line":3}"#)
        #expect(try warehouse.instance.schemaGet(table: "orders") == #"{"columns":[{"name":"id","type":"integer"}]}"#)
    }

    @Test("nothing of the state, run or schema is kept when the load rolls back or its commit fails")
    func absentAfterRollback() throws {
        let warehouse = try TestWarehouse("rollback")
        try warehouse.load("orders", Self.fields, [[[.int(1)]]], stateKey: "k", stateJSON: "1", runJSON: #"{"run_id":"r-0"}"#,
                           schemaJSON: "{\"v\":1}")
        let before = try warehouse.dump()

        // A commit that fails at its last step: the run record is not JSON.
        let writer = try warehouse.instance.begin(table: "orders", schema: ArrowBatchSchema(Self.fields), mode: .append,
                                                  runID: "r-1")
        try writer.write(try makeBatch(Self.fields, [[.int(2)]]))
        #expect(hostError {
            try writer.commit(stateKey: "k", stateJSON: "2", runJSON: "{oops", schemaJSON: "{\"v\":2}")
        }?.message.hasPrefix("plugin 'postgres': commit of table 'orders' failed: table \"orders\": the run "
            + "record is not valid JSON: ") == true)
        writer.rollback()
        #expect(try warehouse.dump() == before)
        #expect(try warehouse.instance.stateGet(key: "k") == "1")
        #expect(try warehouse.instance.schemaGet(table: "orders") == "{\"v\":1}")

        // A plain rollback.
        let second = try warehouse.instance.begin(table: "orders", schema: ArrowBatchSchema(Self.fields), mode: .replace,
                                                  runID: "r-2")
        try second.write(try makeBatch(Self.fields, [[.int(3)]]))
        second.rollback()
        #expect(try warehouse.dump() == before)
    }

    @Test("a first load that rolls back leaves no schema, table or bookkeeping behind")
    func firstLoadRolledBack() throws {
        let warehouse = try TestWarehouse("first")
        let writer = try warehouse.instance.begin(table: "orders", schema: ArrowBatchSchema(Self.fields), mode: .append,
                                                  runID: "r-1")
        try writer.write(try makeBatch(Self.fields, [[.int(2)]]))
        writer.rollback()
        #expect(try warehouse.rows("SELECT 1 FROM pg_namespace WHERE nspname = '\(warehouse.schema)'").isEmpty)
    }

    @Test("state_get and schema_get answer nil before anything was stored, and the latest value after")
    func getters() throws {
        let warehouse = try TestWarehouse("getters")
        #expect(try warehouse.instance.stateGet(key: "csv/orders") == nil)
        #expect(try warehouse.instance.schemaGet(table: "orders") == nil)
        try warehouse.load("orders", Self.fields, [[[.int(1)]]], stateKey: "csv/orders", stateJSON: "1", schemaJSON: "{}")
        #expect(try warehouse.instance.stateGet(key: "csv/other") == nil)
        #expect(try warehouse.instance.schemaGet(table: "other") == nil)
        try warehouse.load("orders", Self.fields, [[[.int(1)]]], mode: .append, stateKey: "csv/orders", stateJSON: "2",
                           schemaJSON: #"{"b":1}"#)
        #expect(try warehouse.instance.stateGet(key: "csv/orders") == "2")
        #expect(try warehouse.instance.schemaGet(table: "orders") == #"{"b":1}"#)
        // No state or schema in a commit leaves the stored ones as they are.
        try warehouse.load("orders", Self.fields, [[[.int(1)]]], mode: .append, stateKey: "csv/orders")
        #expect(try warehouse.instance.stateGet(key: "csv/orders") == "2")
        #expect(try warehouse.instance.schemaGet(table: "orders") == #"{"b":1}"#)
        #expect(try warehouse.rows("SELECT count(*) FROM \(warehouse.qualified("_etl_state"))") == [["1"]])
    }

    @Test("one run record per commit: keyed by run and table, the run id defaulting to begin's")
    func runRecords() throws {
        let warehouse = try TestWarehouse("runs")
        try warehouse.load("a", Self.fields, [[[.int(1)]]], runID: "r-1", runJSON: #"{"status":"running"}"#)
        try warehouse.load("b", Self.fields, [[[.int(1)]]], mode: .append, runID: "r-1", runJSON: #"{"status":"ok"}"#)
        try warehouse.load("a", Self.fields, [[[.int(1)]]], runID: "r-1", runJSON: #"{"status":"retried","rows_read":1.5}"#)
        #expect(try warehouse.rows("SELECT run_id, table_name, mode, status, rows_read FROM "
            + "\(warehouse.qualified("_etl_runs")) ORDER BY table_name")
            == [["r-1", "a", "replace", "retried", nil], ["r-1", "b", "append", "ok", nil]])
    }

    @Test("two instances loading into a new schema at once both commit")
    func concurrentFirstLoads() async throws {
        let warehouse = try TestWarehouse("concurrent")
        let url = try PostgresInspector.serverURL()
        let config = #"{"url": "\#(url)", "schema": "\#(warehouse.schema)"}"#
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0 ..< 4 {
                group.addTask {
                    let instance = try PluginInstance(plugin: try PostgresPlugin.load(), configJSON: config,
                                                      logSink: CollectingLogSink())
                    defer { instance.close() }
                    let writer = try instance.begin(table: "t\(index % 2)", schema: ArrowBatchSchema(Self.fields),
                                                    mode: .append, runID: "r-\(index)")
                    try writer.write(try makeBatch(Self.fields, [[.int(Int64(index))]]))
                    try writer.commit(stateKey: "k\(index)", stateJSON: "1", runJSON: "{}", schemaJSON: "{}")
                }
            }
            try await group.waitForAll()
        }
        #expect(try warehouse.tables() == ["_etl_runs", "_etl_schemas", "_etl_state", "t0", "t1"])
        #expect(try warehouse.rows("SELECT count(*) FROM \(warehouse.qualified("_etl_runs"))") == [["4"]])
    }
}

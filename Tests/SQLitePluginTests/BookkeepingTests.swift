import ETLHost
import ETLPluginKit
import Testing

@Suite("SQLite warehouse: state, run records and schemas")
struct BookkeepingTests {
    static let fields = [ArrowField("id", .int64)]
    static let run = #"""
        {"run_id":"r-1","stream":"orders","table":"orders","mode":"append","status":"succeeded","rows_read":3,\#
        "rows_written":2,"rows_rejected":1,"started_at":"2024-05-01T10:00:00Z","finished_at":"2024-05-01T10:00:02Z",\#
        "error":null,"extra":{"nested":[1,2]}}
        """#

    @Test("state, run record and schema are committed with the data")
    func writtenWithTheData() throws {
        let warehouse = try TestWarehouse()
        try warehouse.load("orders", Self.fields, [[[.int(1)], [.int(2)]]], mode: .append, runID: "r-1",
                           stateKey: "csv/orders", stateJSON: #"{"line":3}"#, runJSON: Self.run,
                           schemaJSON: #"{"columns":[{"name":"id","type":"integer"}]}"#)
        let db = try warehouse.database()
        #expect(try db.rows("SELECT state_key, state_json, run_id FROM _etl_state")
            == [[.text("csv/orders"), .text(#"{"line":3}"#), .text("r-1")]])
        #expect(try db.rows("SELECT table_name, schema_json, run_id FROM _etl_schemas")
            == [[.text("orders"), .text(#"{"columns":[{"name":"id","type":"integer"}]}"#), .text("r-1")]])
        #expect(try db.rows("SELECT run_id, stream, table_name, mode, status, rows_read, rows_written, rows_rejected, "
            + "started_at, finished_at, error, record_json FROM _etl_runs") == [[
                .text("r-1"), .text("orders"), .text("orders"), .text("append"), .text("succeeded"), .integer(3),
                .integer(2), .integer(1), .text("2024-05-01T10:00:00Z"), .text("2024-05-01T10:00:02Z"), .null,
                .text(Self.run),
            ]])
        // updated_at is an ISO 8601 UTC time SQLite can read.
        #expect(try db.rows("SELECT count(*) FROM _etl_state WHERE updated_at GLOB "
            + "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z' "
            + "AND julianday(updated_at) IS NOT NULL") == [[.integer(1)]])
        #expect(try warehouse.instance.stateGet(key: "csv/orders") == #"{"line":3}"#)
        #expect(try warehouse.instance.schemaGet(table: "orders") == #"{"columns":[{"name":"id","type":"integer"}]}"#)
    }

    @Test("nothing of the state, run or schema is kept when the load rolls back or its commit fails")
    func absentAfterRollback() throws {
        let warehouse = try TestWarehouse()
        try warehouse.load("orders", Self.fields, [[[.int(1)]]], stateKey: "k", stateJSON: "1", runJSON: #"{"run_id":"r-0"}"#,
                           schemaJSON: "{\"v\":1}")
        let db = try warehouse.database()
        let before = try db.dump()

        // A commit that fails at its last step: the run record is not JSON.
        let writer = try warehouse.instance.begin(table: "orders", schema: ArrowBatchSchema(Self.fields), mode: .append,
                                                  runID: "r-1")
        try writer.write(try makeBatch(Self.fields, [[.int(2)]]))
        #expect(hostError {
            try writer.commit(stateKey: "k", stateJSON: "2", runJSON: "{oops", schemaJSON: "{\"v\":2}")
        }?.message.hasPrefix("plugin 'sqlite': commit of table 'orders' failed: table \"orders\": the run "
            + "record is not valid JSON: ") == true)
        writer.rollback()
        #expect(try db.dump() == before)
        #expect(try warehouse.instance.stateGet(key: "k") == "1")
        #expect(try warehouse.instance.schemaGet(table: "orders") == "{\"v\":1}")

        // A plain rollback.
        let second = try warehouse.instance.begin(table: "orders", schema: ArrowBatchSchema(Self.fields), mode: .replace,
                                                  runID: "r-2")
        try second.write(try makeBatch(Self.fields, [[.int(3)]]))
        second.rollback()
        #expect(try db.dump() == before)
    }

    @Test("state_get and schema_get answer nil before anything was stored, and the latest value after")
    func getters() throws {
        let warehouse = try TestWarehouse()
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
        #expect(try warehouse.database().rows("SELECT count(*) FROM _etl_state") == [[.integer(1)]])
    }

    @Test("one run record per commit: keyed by run and table, the run id defaulting to begin's")
    func runRecords() throws {
        let warehouse = try TestWarehouse()
        try warehouse.load("a", Self.fields, [[[.int(1)]]], runID: "r-1", runJSON: #"{"status":"running"}"#)
        try warehouse.load("b", Self.fields, [[[.int(1)]]], mode: .append, runID: "r-1", runJSON: #"{"status":"ok"}"#)
        try warehouse.load("a", Self.fields, [[[.int(1)]]], runID: "r-1", runJSON: #"{"status":"retried","rows_read":1.5}"#)
        #expect(try warehouse.database().rows("SELECT run_id, table_name, mode, status, rows_read FROM _etl_runs ORDER BY table_name")
            == [[.text("r-1"), .text("a"), .text("replace"), .text("retried"), .real(1.5)],
                [.text("r-1"), .text("b"), .text("append"), .text("ok"), .null]])
    }
}

import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

/// The message of the error `body` throws.
private func refusal(_ body: () throws -> Void) -> String {
    do {
        try body()
        return "no error"
    } catch {
        return "\(error)"
    }
}

/// What the host says when a call meets a live QueryStream.
private func refused(_ operation: String) -> String {
    "plugin 'sqlite': \(operation) refused: the rows of a query on this instance are still being read (a QueryStream "
        + "is alive); until its stream is released, the contract allows no other call on the instance: read it to "
        + "the end and close it (QueryStream.close()), or use another instance"
}

@Suite("SQLite warehouse: no other call while a query's stream lives")
struct QueryStreamLifetimeTests {
    @Test("begin, execute, query and the lookups are refused while a QueryStream lives; close frees the instance")
    func refusedWhileAlive() throws {
        let warehouse = try TestWarehouse()
        let fields = [ArrowField("id", .int64)]
        try warehouse.load("t", fields, [[[.int(1)], [.int(2)]]])
        let rows = try warehouse.instance.query(sql: "SELECT id FROM t ORDER BY id")
        #expect(refusal { _ = try warehouse.instance.execute(sql: "DELETE FROM t") } == refused("execute"))
        #expect(refusal { _ = try warehouse.instance.query(sql: "SELECT 1 AS one") } == refused("query"))
        #expect(refusal {
            _ = try warehouse.instance.begin(table: "t", schema: ArrowBatchSchema(fields), mode: .append, runID: "r2")
        } == refused("begin of table 't'"))
        #expect(refusal { _ = try warehouse.instance.stateGet(key: "k") } == refused("state_get"))
        #expect(refusal { _ = try warehouse.instance.schemaGet(table: "t") } == refused("schema_get"))
        #expect(refusal { _ = try warehouse.instance.tableSchema(name: "t") } == refused("table_schema"))
        // The stream was not disturbed: it reads its rows, and nothing was deleted.
        let batch = try #require(try rows.next())
        #expect((0 ..< batch.rowCount).map { batch.int64(row: $0, column: 0) } == [1, 2])
        #expect(try rows.next() == nil)
        // Read to the end but not yet released: still refused.
        #expect(refusal { _ = try warehouse.instance.execute(sql: "DELETE FROM t") } == refused("execute"))
        rows.close()
        #expect(refusal { _ = try rows.next() } == "plugin 'sqlite': query: the stream is closed")
        #expect(try warehouse.instance.execute(sql: "DELETE FROM t WHERE id = 1") == 1)
        #expect(try warehouse.database().rows("SELECT id FROM t ORDER BY id") == [[.integer(2)]])
    }

    @Test("a QueryStream that goes away releases its stream and frees the instance")
    func freedWhenGone() throws {
        let warehouse = try TestWarehouse()
        try warehouse.load("t", [ArrowField("id", .int64)], [[[.int(1)]]])
        func firstID() throws -> Int64? {
            let rows = try warehouse.instance.query(sql: "SELECT id FROM t")
            return try rows.next()?.int64(row: 0, column: 0)
        }
        #expect(try firstID() == 1)
        #expect(try warehouse.instance.execute(sql: "UPDATE t SET id = 5") == 1)
        #expect(try firstID() == 5)
    }

    @Test("a QueryStream of another instance does not hold this one")
    func otherInstance() throws {
        let warehouse = try TestWarehouse()
        try warehouse.load("t", [ArrowField("id", .int64)], [[[.int(1)]]])
        let reader = try PluginInstance(plugin: try SQLitePlugin.load(), configJSON: #"{"path": "\#(warehouse.path)"}"#)
        let rows = try reader.query(sql: "SELECT id FROM t")
        #expect(try warehouse.instance.query(sql: "SELECT count(*) AS n FROM t").next()?.int64(row: 0, column: 0) == 1)
        withExtendedLifetime(rows) {}
    }
}

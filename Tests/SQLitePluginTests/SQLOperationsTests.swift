import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

/// The message of the HostError `body` throws.
private func failure(_ body: () throws -> Void) -> String {
    do {
        try body()
        return "no error"
    } catch {
        return "\(error)"
    }
}

@Suite("SQLite warehouse: execute and query (ABI 1.2)")
struct SQLOperationsTests {
    @Test("the descriptor declares sql_execute and sql_query and sets both operations")
    func declared() throws {
        let descriptor = try SQLitePlugin.load().descriptor
        #expect(descriptor.capabilities.contains("sql_execute"))
        #expect(descriptor.capabilities.contains("sql_query"))
        #expect(descriptor.optionalOperations.contains("execute"))
        #expect(descriptor.optionalOperations.contains("query"))
    }

    @Test("execute creates the database, counts changed rows, and DDL counts none")
    func executeCounts() throws {
        let warehouse = try TestWarehouse()
        #expect(try warehouse.instance.execute(sql: "CREATE TABLE t (id INTEGER, name TEXT)") == nil)
        #expect(try warehouse.instance.execute(sql: "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c');") == 3)
        #expect(try warehouse.instance.execute(sql: "UPDATE t SET name = 'z' WHERE id >= 2") == 2)
        #expect(try warehouse.instance.execute(sql: "DELETE FROM t WHERE id = 9") == 0)
        #expect(try warehouse.database().rows("SELECT id, name FROM t ORDER BY id")
            == [[.integer(1), .text("a")], [.integer(2), .text("z")], [.integer(3), .text("z")]])
    }

    @Test("a query returns every column of a loaded table in the type it was loaded with")
    func typedColumns() throws {
        let warehouse = try TestWarehouse()
        let fields = [
            ArrowField("id", .int64), ArrowField("ok", .bool), ArrowField("x", .float64), ArrowField("s", .utf8),
            ArrowField("j", .utf8, annotation: .json), ArrowField("d", .utf8, annotation: .decimal(precision: 10, scale: 2)),
            ArrowField("day", .date32), ArrowField("at", .timestampMicrosecondsUTC), ArrowField("b", .binary),
        ]
        try warehouse.load("t", fields, [[
            [.int(1), .bool(true), .real(0.1), .text("é"), .text(#"{"a":[1]}"#), .text("12.50"), .date(19_000),
             .timestamp(1_700_000_000_123_456), .bytes([0, 255])],
            [.int(2), .bool(false), .null, .null, .null, .null, .null, .null, .null],
        ]])
        let result = try queryRows(warehouse.instance, "SELECT * FROM t ORDER BY id")
        #expect(result.fields == ["id: int64", "ok: bool", "x: float64", "s: utf8", "j: utf8 json",
                                  "d: utf8 decimal(10,2)", "day: date32", "at: timestamp[us, UTC]", "b: binary"])
        #expect(result.rows == [
            [.int(1), .bool(true), .real(0.1), .text("é"), .text(#"{"a":[1]}"#), .text("12.50"), .date(19_000),
             .timestamp(1_700_000_000_123_456), .bytes([0, 255])],
            [.int(2), .bool(false), .null, .null, .null, .null, .null, .null, .null],
        ])
    }

    @Test("expressions take their values' storage class; mixed classes are text")
    func expressionTypes() throws {
        let warehouse = try TestWarehouse()
        let plain = try queryRows(warehouse.instance, "SELECT 7 AS i, 2.5 AS r, 'x' AS t, x'0102' AS b, NULL AS n")
        #expect(plain.fields == ["i: int64", "r: float64", "t: utf8", "b: binary", "n: utf8"])
        #expect(plain.rows == [[.int(7), .real(2.5), .text("x"), .bytes([1, 2]), .null]])
        let mixed = try queryRows(warehouse.instance,
                                  "SELECT v FROM (SELECT 1 AS k, 1 AS v UNION ALL SELECT 2, 'a' UNION ALL SELECT 3, 0.5) ORDER BY k")
        #expect(mixed.fields == ["v: utf8"])
        #expect(mixed.rows == [[.text("1")], [.text("a")], [.text("0.5")]])
        let numbers = try queryRows(warehouse.instance, "SELECT 1 AS v UNION ALL SELECT 0.5")
        #expect(numbers.fields == ["v: float64"])
        #expect(numbers.rows == [[.real(1)], [.real(0.5)]])
    }

    @Test("a large result comes in batches of at most 1024 rows")
    func boundedBatches() throws {
        let warehouse = try TestWarehouse()
        #expect(try warehouse.instance.execute(sql: "CREATE TABLE n (v INTEGER)") == nil)
        #expect(try warehouse.instance.execute(sql: """
            WITH RECURSIVE c(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM c WHERE v < 2500) INSERT INTO n SELECT v FROM c
            """) == 2500)
        let result = try queryRows(warehouse.instance, "SELECT v FROM n ORDER BY v")
        #expect(result.batchSizes == [1024, 1024, 452])
        #expect(result.rows == (1...2500).map { [.int(Int64($0))] })
    }

    @Test("a value that does not fit the type the first batch decided fails the stream as bad data")
    func lateMismatch() throws {
        let warehouse = try TestWarehouse()
        #expect(try warehouse.instance.execute(sql: "CREATE TABLE m (v)") == nil)
        #expect(try warehouse.instance.execute(sql: """
            WITH RECURSIVE c(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM c WHERE v < 1030) INSERT INTO m SELECT v FROM c
            """) == 1030)
        #expect(try warehouse.instance.execute(sql: "UPDATE m SET v = 'late' WHERE v = 1030") == 1)
        let message = failure { _ = try queryRows(warehouse.instance, "SELECT v FROM m ORDER BY rowid") }
        #expect(message == #"plugin 'sqlite': query: row 1030, column "v": a TEXT value does not fit the column's "#
            + #"type INTEGER (decided by the first 1024 rows); CAST the column AS TEXT [ETL_ERR_DATA]"#)
    }

    @Test("SQL errors name the offset where SQLite gives one; one read-only statement per call")
    func refusals() throws {
        let warehouse = try TestWarehouse()
        #expect(try warehouse.instance.execute(sql: "CREATE TABLE t (id INTEGER)") == nil)
        #expect(failure { _ = try warehouse.instance.query(sql: "SELECT id FORM t") }
            == #"plugin 'sqlite': query failed: near "t": syntax error at offset 15 (SQLITE_ERROR) [ETL_ERR_INVALID_ARGUMENT (2)]"#)
        #expect(failure { _ = try warehouse.instance.execute(sql: "INSERT INTO nope VALUES (1)") }
            == "plugin 'sqlite': execute failed: no such table: nope (SQLITE_ERROR) [ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(failure { _ = try warehouse.instance.execute(sql: "DELETE FROM t; DROP TABLE t") }
            == "plugin 'sqlite': execute failed: the SQL holds more than one statement (the second starts at offset 14); "
            + "pass one statement per call [ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(failure { _ = try warehouse.instance.query(sql: "DELETE FROM t") }
            == "plugin 'sqlite': query failed: the statement returns no columns; run it with execute [ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(failure { _ = try warehouse.instance.query(sql: "INSERT INTO t VALUES (1) RETURNING id") }
            == "plugin 'sqlite': query failed: the statement writes to the database; a query is read-only (run it "
            + "with execute) [ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(failure { _ = try warehouse.instance.execute(sql: "BEGIN") }
            == "plugin 'sqlite': execute failed: transaction control (BEGIN, SAVEPOINT, ...) is refused: every "
            + "statement runs in its own transaction (the transaction it opened was rolled back) [ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(failure { _ = try warehouse.instance.execute(sql: "  ") }
            == "plugin 'sqlite': execute failed: the SQL holds no statement [ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(try warehouse.database().rows("SELECT count(*) FROM t") == [[.integer(0)]])
    }

    @Test("SQL is refused while a writer of the instance is open; another instance reads the old rows")
    func writerOpen() throws {
        let warehouse = try TestWarehouse()
        let fields = [ArrowField("id", .int64)]
        try warehouse.load("t", fields, [[[.int(1)], [.int(2)]]])
        let writer = try warehouse.instance.begin(table: "t", schema: ArrowBatchSchema(fields), mode: .replace, runID: "r2")
        try writer.write(try makeBatch(fields, [[.int(3)]]))
        #expect(failure { _ = try warehouse.instance.query(sql: "SELECT id FROM t") }
            == "plugin 'sqlite': query failed: a writer is open on this instance (begin without commit or rollback); "
            + "run query on another instance [ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(failure { _ = try warehouse.instance.execute(sql: "DELETE FROM t") }
            == "plugin 'sqlite': execute failed: a writer is open on this instance (begin without commit or rollback); "
            + "run execute on another instance [ETL_ERR_INVALID_ARGUMENT (2)]")
        let reader = try PluginInstance(plugin: try SQLitePlugin.load(), configJSON: #"{"path": "\#(warehouse.path)"}"#)
        #expect(try queryRows(reader, "SELECT id FROM t ORDER BY id").rows == [[.int(1)], [.int(2)]])
        try writer.commit()
        #expect(try queryRows(reader, "SELECT id FROM t ORDER BY id").rows == [[.int(3)]])
        #expect(try queryRows(warehouse.instance, "SELECT id FROM t ORDER BY id").rows == [[.int(3)]])
    }

    @Test("a query before the database file exists reads an empty database and creates no file")
    func noFileYet() throws {
        let warehouse = try TestWarehouse()
        #expect(try queryRows(warehouse.instance, "SELECT 1 AS one").rows == [[.int(1)]])
        #expect(failure { _ = try warehouse.instance.query(sql: "SELECT * FROM t") }
            == "plugin 'sqlite': query failed: no such table: t (SQLITE_ERROR) [ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(!FileManager.default.fileExists(atPath: warehouse.path))
    }
}

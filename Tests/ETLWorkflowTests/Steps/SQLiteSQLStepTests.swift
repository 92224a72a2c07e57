import ETLHost
import ETLPluginKit
import ETLTestSupport
@testable import ETLWorkflow
import Foundation
import Testing

@Suite("sql steps in SQLite: tables and views materialized through the plugin")
struct SQLiteSQLStepTests {
    static let sourceFields = [
        ArrowField("id", .int64), ArrowField("amount", .utf8, annotation: .decimal(precision: 10, scale: 2)),
        ArrowField("at", .timestampMicrosecondsUTC), ArrowField("day", .date32),
        ArrowField("doc", .utf8, annotation: .json), ArrowField("name", .utf8), ArrowField("ok", .bool),
        ArrowField("ratio", .float64),
    ]
    static let sourceRows: [[Value]] = [
        [.int(1), .text("10.50"), .timestamp(1_765_000_000_123_456), .date(20_000), .text(#"{"a":1}"#),
         .text("Ada"), .bool(true), .real(0.1)],
        [.int(2), .text("-3.00"), .null, .date(-1), .text("[1,2]"), .text("Grace"), .bool(false), .real(-2.5e300)],
        [.int(3), .null, .timestamp(0), .null, .null, .null, .null, .null],
    ]

    static func warehouse(_ label: String) throws -> StepTestWarehouse {
        let warehouse = try StepTestWarehouse(.sqlite, label)
        try warehouse.load("src", sourceFields, sourceRows)
        return warehouse
    }

    @Test("materialize table: the SELECT's rows and types, the SQL's SHA-256, read from the file at run time")
    func tableKeepsTypesAndValues() throws {
        let warehouse = try Self.warehouse("table")
        let sql = "SELECT id, amount, at, day, doc, name, ok, ratio, id * 2 AS twice\nFROM src WHERE id >= 2 ORDER BY id;\n"
        let file = try warehouse.file("sql/orders.sql", sql)
        let step = SQLStep(source: .file(written: "sql/orders.sql", resolved: file), materialize: .table,
                           into: .named("dwh", SourceLocation(file: "etl.yaml", line: 1, column: 1)), target: "orders")
        let logPath = warehouse.folder + "/log.jsonl"
        let result = try SQLMaterializer.run(step: step, name: "orders", warehouse: warehouse.warehouse,
                                             log: RunLog(runID: "r1", path: logPath, level: .info, echo: false))
        #expect(result.rows == 2)
        #expect(result.sql == sql)
        let line = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: logPath))) as? [String: Any]
        #expect(line?["message"] as? String == "step 'orders': table \"orders\" replaced with 2 rows from sql/orders.sql "
            + "(sha256 4cf4b68bdf1a96230713a7d15598d35504fa22943be5047d897a2bca58daa633)")
        // sha256sum of the file.
        #expect(result.sqlSHA256 == "4cf4b68bdf1a96230713a7d15598d35504fa22943be5047d897a2bca58daa633")
        #expect(result.target == "orders" && result.materialize == .table)
        #expect(try warehouse.columns("orders") == ["id INTEGER", "amount DECIMAL_TEXT(10,2)", "at TIMESTAMP_TEXT",
                                                     "day DATE_TEXT", "doc JSON_TEXT", "name TEXT", "ok BOOLEAN",
                                                     "ratio REAL", "twice INTEGER"])
        #expect(try warehouse.rows("SELECT * FROM orders") == (try warehouse.rows(
            "SELECT id, amount, at, day, doc, name, ok, ratio, id * 2 FROM src WHERE id >= 2 ORDER BY id")))
        #expect(try warehouse.rows("SELECT typeof(id), amount, typeof(at), day, doc, name, ok, ratio, twice FROM orders")
            == [["integer", "-3.00", "null", "1969-12-31", "[1,2]", "Grace", "0", "-2.5e+300", "4"],
                ["integer", nil, "text", nil, nil, nil, nil, nil, "6"]])
        // The file is read when the step runs: a changed file is what runs next.
        _ = try warehouse.file("sql/orders.sql", "SELECT id FROM src")
        let second = try SQLMaterializer.run(step: step, name: "orders", warehouse: warehouse.warehouse)
        #expect(second.rows == 3 && second.sql == "SELECT id FROM src")
        #expect(try warehouse.columns("orders") == ["id INTEGER"])
    }

    @Test("a view on the materialized table survives a re-run and answers with the new rows")
    func viewOnTheTableSurvivesReRuns() throws {
        let warehouse = try Self.warehouse("tableview")
        let step = warehouse.step("SELECT id, name FROM src WHERE name IS NOT NULL", target: "named")
        _ = try SQLMaterializer.run(step: step, name: "named", warehouse: warehouse.warehouse)
        try warehouse.execute("CREATE VIEW loud AS SELECT id, upper(name) AS shout FROM named")
        try warehouse.execute("UPDATE src SET name = 'Linus' WHERE id = 3")
        let result = try SQLMaterializer.run(step: step, name: "named", warehouse: warehouse.warehouse)
        #expect(result.rows == 3)
        #expect(try warehouse.rows("SELECT id, shout FROM loud ORDER BY id")
            == [["1", "ADA"], ["2", "GRACE"], ["3", "LINUS"]])
        #expect(try warehouse.rows("SELECT type, name FROM sqlite_master WHERE name IN ('named', 'loud') ORDER BY name")
            == [["view", "loud"], ["table", "named"]])
    }

    @Test("a reader of the materialized table during re-runs sees the old or the new rows, never an empty or missing table")
    func concurrentReaderNeverSeesAnEmptyTable() throws {
        let warehouse = try Self.warehouse("reader")
        func step(_ rows: Int, round: Int) -> SQLStep {
            warehouse.step("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(rows)) "
                + "SELECT i AS id, \(round) AS round FROM n", target: "numbers")
        }
        _ = try SQLMaterializer.run(step: step(1000, round: 0), name: "numbers", warehouse: warehouse.warehouse)
        let reader = ReaderLoop(warehouse, sql: "SELECT count(*) || ':' || min(round) || ':' || max(round) FROM numbers")
        for round in 1...6 {
            let rows = round % 2 == 0 ? 1000 : 3000
            let result = try SQLMaterializer.run(step: step(rows, round: round), name: "numbers", warehouse: warehouse.warehouse)
            #expect(result.rows == Int64(rows))
            #expect(reader.waitFor("\(rows):\(round):\(round)"), "round \(round) was never seen")
        }
        let (seen, failure) = reader.stop()
        #expect(failure == nil)
        let allowed = Set([0, 2, 4, 6].map { "1000:\($0):\($0)" } + [1, 3, 5].map { "3000:\($0):\($0)" })
        #expect(seen.allSatisfy { allowed.contains($0) }, "\(Set(seen).subtracting(allowed))")
        #expect(Set(seen) == allowed)
    }

    @Test("a SELECT the warehouse refuses names the step, the file and SQLite's message with its offset; the table stays")
    func badSelectIsNamed() throws {
        let warehouse = try Self.warehouse("badselect")
        _ = try SQLMaterializer.run(step: warehouse.step("SELECT id FROM src", target: "orders"), name: "orders",
                                    warehouse: warehouse.warehouse)
        let file = try warehouse.file("sql/orders.sql", "SELECT id FORM src")
        let step = SQLStep(source: .file(written: "sql/orders.sql", resolved: file), materialize: .table,
                           into: .named("dwh", SourceLocation(file: "etl.yaml", line: 1, column: 1)), target: "orders")
        let error = try #require(throws: HostError.self) {
            try SQLMaterializer.run(step: step, name: "orders", warehouse: warehouse.warehouse)
        }
        #expect(error.message == "step 'orders' (sql/orders.sql): the warehouse refused the SELECT: plugin 'sqlite': "
            + "query failed: near \"src\": syntax error at offset 15 (SQLITE_ERROR) [ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(error.kind == .operationFailed)
        #expect(try warehouse.rows("SELECT count(*) FROM orders") == [["3"]])
        let missing = try #require(throws: HostError.self) {
            try SQLMaterializer.run(step: SQLStep(source: .file(written: "sql/gone.sql", resolved: warehouse.folder + "/sql/gone.sql"),
                                                  materialize: .table, into: step.into, target: "orders"),
                                    name: "orders", warehouse: warehouse.warehouse)
        }
        #expect(missing.message.hasPrefix("step 'orders' (sql/gone.sql): cannot read \(warehouse.folder)/sql/gone.sql: "))
    }

    @Test("a value that does not fit the type SQLite chose from the first batch fails the step; the old table stays")
    func laterValueThatDoesNotFit() throws {
        let warehouse = try Self.warehouse("latevalue")
        _ = try SQLMaterializer.run(step: warehouse.step("SELECT 1 AS v", target: "mixed"), name: "mixed",
                                    warehouse: warehouse.warehouse)
        let step = warehouse.step("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1100) "
            + "SELECT CASE WHEN i < 1050 THEN i ELSE 'x' END AS v FROM n", target: "mixed")
        let error = try #require(throws: HostError.self) {
            try SQLMaterializer.run(step: step, name: "mixed", warehouse: warehouse.warehouse)
        }
        #expect(error.message == "step 'mixed' (query:): reading the SELECT's rows failed: plugin 'sqlite': query: "
            + "row 1050, column \"v\": a TEXT value does not fit the column's type INTEGER (decided by the first 1024 "
            + "rows); CAST the column AS TEXT [ETL_ERR_DATA]")
        #expect(error.kind == .badData)
        #expect(try warehouse.rows("SELECT v FROM mixed") == [["1"]])
    }

    @Test("materialize view: created, left alone when unchanged, replaced by DROP + CREATE when changed (logged)")
    func viewIsCreatedAndReplaced() throws {
        let warehouse = try Self.warehouse("view")
        let logPath = warehouse.folder + "/log.jsonl"
        let log = RunLog(runID: "r1", path: logPath, level: .info, echo: false)
        let first = try SQLMaterializer.run(step: warehouse.step("SELECT id, name FROM src;", .view, target: "people"),
                                            name: "people", warehouse: warehouse.warehouse, log: log)
        #expect(first.rows == nil && first.materialize == .view && !first.viewUnchanged)
        #expect(try warehouse.rows("SELECT sql FROM sqlite_master WHERE name = 'people'")
            == [["CREATE VIEW \"people\" AS SELECT id, name FROM src"]])
        let again = try SQLMaterializer.run(step: warehouse.step("SELECT id, name FROM src;", .view, target: "people"),
                                            name: "people", warehouse: warehouse.warehouse, log: log)
        #expect(again.viewUnchanged)
        try warehouse.execute("CREATE VIEW people_count AS SELECT count(*) AS n FROM people")
        _ = try SQLMaterializer.run(step: warehouse.step("SELECT id FROM src WHERE id > 1", .view, target: "people"),
                                    name: "people", warehouse: warehouse.warehouse, log: log)
        #expect(try warehouse.rows("SELECT * FROM people ORDER BY id") == [["2"], ["3"]])
        // A view on the view works again once it is back.
        #expect(try warehouse.rows("SELECT n FROM people_count") == [["2"]])
        let messages = try String(contentsOfFile: logPath, encoding: .utf8).split(separator: "\n").map { line in
            (try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["message"] as? String ?? ""
        }
        #expect(messages == [
            "step 'people' (query:): view \"people\" replaced by DROP VIEW then CREATE VIEW, two transactions (sqlite "
                + "has no CREATE OR REPLACE VIEW and the plugin contract runs one statement per transaction): a reader "
                + "between them found no view",
            "step 'people' (query:): view \"people\" is unchanged; left as it is",
            "step 'people' (query:): view \"people\" replaced by DROP VIEW then CREATE VIEW, two transactions (sqlite "
                + "has no CREATE OR REPLACE VIEW and the plugin contract runs one statement per transaction): a reader "
                + "between them found no view",
        ])
    }

    @Test("a view whose SELECT the warehouse refuses fails before the old view is dropped")
    func badViewKeepsTheOldOne() throws {
        let warehouse = try Self.warehouse("badview")
        _ = try SQLMaterializer.run(step: warehouse.step("SELECT id FROM src", .view, target: "ids"), name: "ids",
                                    warehouse: warehouse.warehouse)
        let error = try #require(throws: HostError.self) {
            try SQLMaterializer.run(step: warehouse.step("SELECT nope FROM src", .view, target: "ids"), name: "ids",
                                    warehouse: warehouse.warehouse)
        }
        #expect(error.message == "step 'ids' (query:): the warehouse refused the SELECT: plugin 'sqlite': query failed: "
            + "no such column: nope at offset 7 (SQLITE_ERROR) [ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(try warehouse.rows("SELECT count(*) FROM ids") == [["3"]])
    }

    @Test("a SELECT that reads the table it replaces works (the snapshot is released before the swap)")
    func selectReadingItsOwnTarget() throws {
        let warehouse = try Self.warehouse("selfread")
        _ = try SQLMaterializer.run(step: warehouse.step("SELECT id, name FROM src", target: "people"), name: "people",
                                    warehouse: warehouse.warehouse)
        let step = warehouse.step("SELECT id + 10 AS id, name FROM people UNION ALL SELECT id, name FROM people", target: "people")
        #expect(try SQLMaterializer.run(step: step, name: "people", warehouse: warehouse.warehouse).rows == 6)
        #expect(try warehouse.rows("SELECT id FROM people ORDER BY id") == [["1"], ["2"], ["3"], ["11"], ["12"], ["13"]])
    }

    @Test("a SELECT with no rows makes an empty table; one with two columns of one name is refused by the warehouse")
    func emptyResultAndRepeatedNames() throws {
        let warehouse = try Self.warehouse("emptyresult")
        let empty = try SQLMaterializer.run(step: warehouse.step("SELECT id, name FROM src WHERE id > 100", target: "none"),
                                            name: "none", warehouse: warehouse.warehouse)
        #expect(empty.rows == 0)
        #expect(try warehouse.columns("none") == ["id INTEGER", "name TEXT"])
        #expect(try warehouse.rows("SELECT count(*) FROM none") == [["0"]])
        let error = try #require(throws: HostError.self) {
            try SQLMaterializer.run(step: warehouse.step("SELECT id, id FROM src", target: "twice"), name: "twice",
                                    warehouse: warehouse.warehouse)
        }
        #expect(error.message == "step 'twice' (query:): the warehouse cannot replace table \"twice\" with the SELECT's "
            + "columns: plugin 'sqlite': begin replace of table 'twice' failed: table \"twice\": columns \"id\" and "
            + "\"id\" are the same column in SQLite (names differ only in ASCII case); rename one "
            + "[ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(try warehouse.rows("SELECT count(*) FROM sqlite_master WHERE name = 'twice'") == [["0"]])
    }

    @Test("a cancelled run stops the step between batches and rolls the load back: the old table stays")
    func cancellationRollsBack() throws {
        let warehouse = try Self.warehouse("cancel")
        _ = try SQLMaterializer.run(step: warehouse.step("SELECT id FROM src", target: "ids"), name: "ids",
                                    warehouse: warehouse.warehouse)
        let cancellation = Cancellation()
        cancellation.cancel(reason: "received SIGINT")
        let error = try #require(throws: HostError.self) {
            try SQLMaterializer.run(step: warehouse.step("SELECT id * 10 AS id FROM src", target: "ids"), name: "ids",
                                    warehouse: warehouse.warehouse, cancellation: cancellation)
        }
        #expect(error.kind == .cancelled)
        #expect(error.message == "step 'ids' (query:): cancelled (received SIGINT) while writing table \"ids\"; it is "
            + "unchanged")
        #expect(try warehouse.rows("SELECT id FROM ids ORDER BY id") == [["1"], ["2"], ["3"]])
    }

    @Test("a run record given to the step is stored by the warehouse in the table's commit")
    func runRecordCommittedWithTheTable() throws {
        let warehouse = try Self.warehouse("runrecord")
        let record = #"{"run_id":"run-7","stream":"step:ids","status":"succeeded","rows_written":3}"#
        _ = try SQLMaterializer.run(step: warehouse.step("SELECT id FROM src", target: "ids"), name: "ids",
                                    warehouse: warehouse.warehouse, runID: "run-7", runJSON: record)
        #expect(try warehouse.rows("SELECT run_id, stream, table_name, mode, status, rows_written, record_json FROM _etl_runs")
            == [["run-7", "step:ids", "ids", "replace", "succeeded", "3", record]])
    }
}

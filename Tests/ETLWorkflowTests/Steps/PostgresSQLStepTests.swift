import ETLHost
import ETLPluginKit
import ETLTestSupport
@testable import ETLWorkflow
import Foundation
import Testing

@Suite("sql steps in PostgreSQL: tables and views materialized through the plugin")
struct PostgresSQLStepTests {
    /// `src` with PostgreSQL's own types, made directly on the server.
    static func warehouse(_ label: String) throws -> StepTestWarehouse {
        let warehouse = try StepTestWarehouse(.postgres, label)
        _ = try warehouse.rows("""
            CREATE TABLE src (id bigint, amount numeric(12,2), at timestamptz, day date, doc jsonb, ref uuid,
                              name text, ok boolean, ratio double precision);
            INSERT INTO src VALUES
              (1, 10.50, '2026-12-05 10:00:00.123456+00', '2024-10-04', '{"a": 1}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
               'Ada', true, 0.1),
              (2, -3.00, NULL, '1969-12-31', '[1, 2]', NULL, 'Grace', false, -2.5e300),
              (3, NULL, '1970-01-01 00:00:00+00', NULL, NULL, NULL, NULL, NULL, NULL);
            """)
        return warehouse
    }

    @Test("materialize table: the SELECT's rows and PostgreSQL types kept (numeric, timestamptz, date, jsonb; uuid as text)")
    func tableKeepsTypesAndValues() throws {
        let warehouse = try Self.warehouse("table")
        let step = warehouse.step("SELECT id, amount, at, day, doc, ref, name, ok, ratio, id * 2 AS twice, "
            + "CASE WHEN id = 1 THEN interval '1 day 2 hours' END AS span, ARRAY[id, 2] AS list FROM src", target: "orders")
        let result = try SQLMaterializer.run(step: step, name: "orders", warehouse: warehouse.warehouse)
        #expect(result.rows == 3)
        let columns = try warehouse.columns("orders")
        // Decimals load as numeric without precision and scale (the writer never rounds); values stay exact.
        #expect(columns == ["id bigint", "amount numeric", "at timestamp with time zone",
                                                     "day date", "doc jsonb", "ref text", "name text", "ok boolean",
                                                     "ratio double precision", "twice bigint", "span text", "list text"])
        // uuid, interval and arrays have no v1 type: the query returns the server's text (etl.source_type).
        let all = "SELECT id, amount, at, day, doc, ref, name, ok, ratio, twice, span, list FROM orders ORDER BY id"
        #expect(try warehouse.rows(all) == [
            ["1", "10.50", "2026-12-05 10:00:00.123456+00", "2024-10-04", "{\"a\": 1}",
             "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "Ada", "t", "0.1", "2", "1 day 02:00:00", "{1,2}"],
            ["2", "-3.00", nil, "1969-12-31", "[1, 2]", nil, "Grace", "f", "-2.5e+300", "4", nil, "{2,2}"],
            ["3", nil, "1970-01-01 00:00:00+00", nil, nil, nil, nil, nil, nil, "6", nil, "{3,2}"],
        ])
    }

    @Test("a view on the materialized table survives a re-run (it reads the new rows); a reader never sees it empty")
    func viewOnTheTableAndConcurrentReader() throws {
        let warehouse = try Self.warehouse("tableview")
        func step(_ rows: Int, round: Int) -> SQLStep {
            warehouse.step("SELECT i AS id, \(round) AS round FROM generate_series(1, \(rows)) AS i", target: "numbers")
        }
        _ = try SQLMaterializer.run(step: step(1000, round: 0), name: "numbers", warehouse: warehouse.warehouse)
        _ = try warehouse.rows("CREATE VIEW summary AS SELECT count(*) AS n, min(round) AS lo, max(round) AS hi FROM numbers")
        let reader = ReaderLoop(warehouse, sql: "SELECT n || ':' || lo || ':' || hi FROM summary")
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

    @Test("a SELECT PostgreSQL refuses names the step and the server's message with its position; the table stays")
    func badSelectIsNamed() throws {
        let warehouse = try Self.warehouse("badselect")
        _ = try SQLMaterializer.run(step: warehouse.step("SELECT id FROM src", target: "orders"), name: "orders",
                                    warehouse: warehouse.warehouse)
        let error = try #require(throws: HostError.self) {
            try SQLMaterializer.run(step: warehouse.step("SELECT id FORM src", target: "orders"), name: "orders",
                                    warehouse: warehouse.warehouse)
        }
        #expect(error.message == "step 'orders' (query:): the warehouse refused the SELECT: plugin 'postgres': query "
            + "failed: syntax error at or near \"src\" at offset 15 (SQLSTATE 42601) [ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(error.sqlstate == "42601" && error.kind == .operationFailed)
        #expect(try warehouse.rows("SELECT count(*) FROM orders") == [["3"]])
    }

    @Test("materialize view: CREATE OR REPLACE VIEW, or DROP + CREATE in one DO statement when the columns change; refused when views depend on it")
    func viewIsCreatedOrReplaced() throws {
        let warehouse = try Self.warehouse("view")
        let first = try SQLMaterializer.run(step: warehouse.step("SELECT id, name FROM src", .view, target: "people"),
                                            name: "people", warehouse: warehouse.warehouse)
        #expect(first.rows == nil && !first.viewUnchanged)
        _ = try warehouse.rows("CREATE VIEW loud AS SELECT upper(name) AS shout FROM people")
        // Adding a column at the end is a replace in place; the view on it stays.
        _ = try SQLMaterializer.run(step: warehouse.step("SELECT id, name, ok FROM src WHERE id > 1", .view, target: "people"),
                                    name: "people", warehouse: warehouse.warehouse)
        #expect(try warehouse.rows("SELECT * FROM people ORDER BY id") == [["2", "Grace", "f"], ["3", nil, nil]])
        #expect(try warehouse.rows("SELECT shout FROM loud ORDER BY 1") == [["GRACE"], [nil]])
        // Fewer columns: OR REPLACE refuses; the view cannot be dropped while "loud" reads it.
        let error = try #require(throws: HostError.self) {
            try SQLMaterializer.run(step: warehouse.step("SELECT name FROM src", .view, target: "people"),
                                    name: "people", warehouse: warehouse.warehouse)
        }
        #expect(error.message == "step 'people' (query:): view \"people\" has new columns that CREATE OR REPLACE VIEW "
            + "cannot take, and objects depend on it, so it cannot be dropped and created again: plugin 'postgres': "
            + "execute failed: cannot drop view people because other objects depend on it (SQLSTATE 2BP01; "
            + "view loud depends on view people; hint: Use DROP ... CASCADE to drop the dependent objects too.) "
            + "[ETL_ERR_INVALID_ARGUMENT (2)]; the old view stays: drop the views that read it (and create them again "
            + "after), or keep its columns")
        #expect(try warehouse.rows("SELECT count(*) FROM people") == [["2"]])
        // Without the view on it, the same change drops and creates it in one statement.
        _ = try warehouse.rows("DROP VIEW loud")
        let log = RunLog(runID: "r1", path: warehouse.folder + "/log.jsonl", level: .info, echo: false)
        _ = try SQLMaterializer.run(step: warehouse.step("SELECT name FROM src -- just names\n;", .view, target: "people"),
                                    name: "people", warehouse: warehouse.warehouse, log: log)
        #expect(try warehouse.columns("people") == ["name text"])
        #expect(try warehouse.rows("SELECT name FROM people ORDER BY 1") == [["Ada"], ["Grace"], [nil]])
        // A SELECT holding the block's own quote tags still runs as written.
        _ = try SQLMaterializer.run(step: warehouse.step("SELECT '$etl_sql$ $etl_do$' AS tags", .view, target: "people"),
                                    name: "people", warehouse: warehouse.warehouse)
        #expect(try warehouse.rows("SELECT tags FROM people") == [["$etl_sql$ $etl_do$"]])
        let messages = try String(contentsOfFile: warehouse.folder + "/log.jsonl", encoding: .utf8).split(separator: "\n")
            .map { (try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["message"] as! String }
        #expect(messages == [
            "step 'people' (query:): view \"people\" has columns CREATE OR REPLACE VIEW cannot take (plugin 'postgres': "
                + "execute failed: cannot drop columns from view (SQLSTATE 42P16) [ETL_ERR_INVALID_ARGUMENT (2)]); "
                + "dropping and creating it in one transaction",
            "step 'people' (query:): view \"people\" dropped and created in one transaction (its privileges and "
                + "comment are not carried over)",
        ])
    }

    @Test("a SELECT that reads the table it replaces works: its snapshot (and lock) is released before the swap")
    func selectReadingItsOwnTarget() throws {
        let warehouse = try Self.warehouse("selfread")
        _ = try SQLMaterializer.run(step: warehouse.step("SELECT id, name FROM src", target: "people"), name: "people",
                                    warehouse: warehouse.warehouse)
        let step = warehouse.step("SELECT id + 10 AS id, name FROM people UNION ALL SELECT id, name FROM people", target: "people")
        #expect(try SQLMaterializer.run(step: step, name: "people", warehouse: warehouse.warehouse).rows == 6)
        #expect(try warehouse.rows("SELECT id FROM people ORDER BY id") == [["1"], ["2"], ["3"], ["11"], ["12"], ["13"]])
    }

    @Test("a re-run whose columns break a view on the table fails before any row is written, naming the view; nothing changes")
    func reRunThatBreaksAView() throws {
        let warehouse = try Self.warehouse("breakview")
        _ = try SQLMaterializer.run(step: warehouse.step("SELECT id, name FROM src", target: "people"), name: "people",
                                    warehouse: warehouse.warehouse)
        _ = try warehouse.rows("CREATE VIEW named AS SELECT name FROM people")
        let error = try #require(throws: HostError.self) {
            try SQLMaterializer.run(step: warehouse.step("SELECT id FROM src", target: "people"), name: "people",
                                    warehouse: warehouse.warehouse)
        }
        #expect(error.message == "step 'people' (query:): the warehouse cannot replace table \"people\" with the "
            + "SELECT's columns: plugin 'postgres': begin replace of table 'people' failed: table \"people\": view "
            + "\"\(warehouse.schema)\".\"named\" uses column \"name\", which the new rows do not have; change or drop "
            + "the view, or load the column again [ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(try warehouse.rows("SELECT count(*) FROM named") == [["3"]])
    }

    /// Raises `cancellation` once a statement of another session waits for
    /// the lock on `src` (the server checks pg_locks every 10 ms, for at most
    /// a minute), as a SIGINT during a long statement would.
    static func cancelWhenBlocked(_ warehouse: StepTestWarehouse, _ cancellation: Cancellation) {
        let table = "\(PostgresInspector.qualified(warehouse.schema, "src"))"
        DispatchQueue.global().async {
            _ = try? PostgresInspector().execute("""
                DO $$ BEGIN FOR i IN 1..6000 LOOP
                  EXIT WHEN EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted AND relation = '\(table)'::regclass);
                  PERFORM pg_sleep(0.01);
                END LOOP; END $$
                """)
            cancellation.cancel(reason: "received SIGINT")
        }
    }

    @Test("a cancellation stops a running SELECT on the server (sql and check steps); the table stays")
    func cancellationStopsTheRunningStatement() throws {
        let warehouse = try Self.warehouse("cancel")
        _ = try SQLMaterializer.run(step: warehouse.step("SELECT id FROM src", target: "ids"), name: "ids",
                                    warehouse: warehouse.warehouse)
        let locker = try PostgresInspector()
        try locker.execute("SET search_path = \(PostgresInspector.quoted(warehouse.schema)); BEGIN; "
            + "LOCK TABLE src IN ACCESS EXCLUSIVE MODE")
        let cancellation = Cancellation()
        Self.cancelWhenBlocked(warehouse, cancellation)
        let started = Date()
        let error = try #require(throws: HostError.self) {
            try SQLMaterializer.run(step: warehouse.step("SELECT id * 10 AS id FROM src", target: "ids"), name: "ids",
                                    warehouse: warehouse.warehouse, cancellation: cancellation)
        }
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(error.kind == .cancelled)
        #expect(error.message == "step 'ids' (query:): cancelled (received SIGINT) while writing table \"ids\"; it is "
            + "unchanged")
        let checking = Cancellation()
        Self.cancelWhenBlocked(warehouse, checking)
        let checkError = try #require(throws: HostError.self) {
            try CheckRunner.run(step: warehouse.check("src", [.rowCount(RowCountRule(.greaterThan, 0))]), name: "src_ok",
                                warehouse: warehouse.warehouse, cancellation: checking)
        }
        #expect(checkError.kind == .cancelled)
        #expect(checkError.message == "step 'src_ok': cancelled (received SIGINT) while checking table \"src\"")
        try locker.execute("ROLLBACK")
        #expect(try warehouse.rows("SELECT id FROM ids ORDER BY id") == [["1"], ["2"], ["3"]])
    }
}

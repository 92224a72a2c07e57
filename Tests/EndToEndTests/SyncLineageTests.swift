import ETLTestSupport
import Foundation
import Testing

/// `sync --lineage` (and `lineage: true` in a pipeline's sync step), through
/// the built binary into SQLite and PostgreSQL: every loaded row carries
/// `_etl_run_id` and `_etl_loaded_at` (the run's id and start, as its
/// record says), an upsert stamps the rows it writes, a replay keeps the
/// original run's stamp, and a source column of that name is refused.
@Suite struct SyncLineageTests {
    /// A sandbox with its own state folder and `orders.csv`.
    struct Project {
        let sandbox: HostSandbox
        var state: String { sandbox.root + "/state" }
        var environment: [String: String] { ["ETL_STATE_DIR": state] }

        init(_ label: String) throws {
            sandbox = try HostSandbox("lineage-\(label)")
            try write("id,name\n1,a\n2,b\n", to: "orders.csv")
        }

        func write(_ text: String, to name: String) throws {
            try Data(text.utf8).write(to: URL(fileURLWithPath: sandbox.root + "/" + name))
        }

        func etlHost(_ arguments: [String]) throws -> TestSupport.ProcessResult {
            try TestSupport.run(TestSupport.hostExecutable, arguments, environment: sandbox.environment.merging(environment) { $1 },
                                currentDirectory: sandbox.root)
        }

        /// The run record's `id` and `lineage` of the run a `--json` summary names.
        func record(_ summary: TestSupport.ProcessResult) throws -> (id: String, lineage: [String: String]?, startedAt: String) {
            let line = try #require(try JSONSerialization.jsonObject(with: Data(summary.stdout.utf8)) as? [String: Any])
            let id = try #require(line["run_id"] as? String)
            let data = try #require(FileManager.default.contents(atPath: "\(state)/runs/\(id)/run.json"))
            let record = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            return (id, record["lineage"] as? [String: String], try #require(record["started_at"] as? String))
        }
    }

    /// `2026-12-06T09:00:00.123Z` as the SQLite plugin stores a timestamp: microseconds.
    static func stored(_ instant: String) -> String { String(instant.dropLast()) + "000Z" }

    @Test func sqliteRowsCarryTheRunAndAnUpsertRestampsTheRowsItWrites() throws {
        let project = try Project("sqlite")
        let first = try project.etlHost(["sync", "csv", "sqlite", "-s", "path=orders.csv", "-d", "path=w.db", "--mode", "upsert",
                                         "--primary-key", "id", "--lineage", "--json"])
        #expect(first.status == 0, "\(first.stderr)")
        let run1 = try project.record(first)
        #expect(run1.lineage == ["run_id": run1.id, "loaded_at": run1.startedAt])
        let db = try SQLiteInspector(path: project.sandbox.root + "/w.db")
        #expect(try db.columns("orders") == ["id INTEGER", "name TEXT", "_etl_run_id TEXT", "_etl_loaded_at TIMESTAMP_TEXT"])
        #expect(try db.rows("SELECT * FROM orders ORDER BY id") == [
            ["1", "a", run1.id, Self.stored(run1.startedAt)], ["2", "b", run1.id, Self.stored(run1.startedAt)],
        ])

        try project.write("id,name\n2,B\n3,c\n", to: "orders.csv")
        let second = try project.etlHost(["sync", "csv", "sqlite", "-s", "path=orders.csv", "-d", "path=w.db", "--mode", "upsert",
                                          "--primary-key", "id", "--lineage", "--json"])
        #expect(second.status == 0, "\(second.stderr)")
        let run2 = try project.record(second)
        #expect(run2.id != run1.id)
        #expect(try db.rows("SELECT * FROM orders ORDER BY id") == [
            ["1", "a", run1.id, Self.stored(run1.startedAt)],
            ["2", "B", run2.id, Self.stored(run2.startedAt)],
            ["3", "c", run2.id, Self.stored(run2.startedAt)],
        ])

        // A replay into another warehouse keeps the original run's stamp.
        let replay = try project.etlHost(["replay", run1.id, "sqlite", "-d", "path=replayed.db", "--json"])
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(try project.record(replay).lineage == ["run_id": run1.id, "loaded_at": run1.startedAt])
        #expect(try SQLiteInspector(path: project.sandbox.root + "/replayed.db").rows("SELECT * FROM orders ORDER BY id") == [
            ["1", "a", run1.id, Self.stored(run1.startedAt)], ["2", "b", run1.id, Self.stored(run1.startedAt)],
        ])
    }

    @Test func withoutLineageNothingIsAdded() throws {
        let project = try Project("off")
        let result = try project.etlHost(["sync", "csv", "sqlite", "-s", "path=orders.csv", "-d", "path=w.db", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try project.record(result).lineage == nil)
        #expect(try SQLiteInspector(path: project.sandbox.root + "/w.db").columns("orders") == ["id INTEGER", "name TEXT"])
    }

    @Test(arguments: ["_etl_run_id", "_etl_loaded_at"]) func aSourceColumnOfThatNameIsRefused(_ column: String) throws {
        let project = try Project("clash")
        try project.write("id,\(column)\n1,x\n", to: "orders.csv")
        let result = try project.etlHost(["sync", "csv", "sqlite", "-s", "path=orders.csv", "-d", "path=w.db", "--lineage"])
        #expect(result.status == 64, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("stream 'orders' has a column named \"\(column)\", which --lineage adds to every row; "
            + "rename it (a pipeline step's columns:) or sync without --lineage"), "\(result.stderr)")
        let path = project.sandbox.root + "/w.db"
        if FileManager.default.fileExists(atPath: path) {
            #expect(try SQLiteInspector(path: path).scalar("SELECT count(*) FROM sqlite_master WHERE name = 'orders'") == "0")
        }
    }

    @Test func aBatchLargerThanTheFirstGetsLongerColumns() throws {
        let project = try Project("sizes")
        try project.write("id\n" + (1...5000).map(String.init).joined(separator: "\n") + "\n", to: "orders.csv")
        let result = try project.etlHost(["sync", "csv", "sqlite", "-s", "path=orders.csv", "-d", "path=w.db", "--lineage", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let run = try project.record(result)
        #expect(try SQLiteInspector(path: project.sandbox.root + "/w.db").rows(
            "SELECT count(*), count(DISTINCT _etl_run_id), min(_etl_run_id), count(DISTINCT _etl_loaded_at) FROM orders")
            == [["5000", "1", run.id, "1"]])
    }

    @Test func postgresGetsTextAndTimestamptz() throws {
        let project = try Project("pg")
        let url = try PostgresInspector.serverURL()
        let schema = PostgresInspector.uniqueSchema("lineage")
        let db = try PostgresInspector(url: url)
        defer { db.dropSchema(schema) }
        let result = try project.etlHost(["sync", "csv", "postgres", "-s", "path=orders.csv", "-d", "url=\(url)", "-d", "schema=\(schema)",
                                          "--mode", "upsert", "--primary-key", "id", "--lineage", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let run = try project.record(result)
        #expect(try db.columns("orders", schema: schema) == [
            "id bigint", "name text", "_etl_run_id text", "_etl_loaded_at timestamp with time zone",
        ])
        let instant = "to_char(_etl_loaded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
        #expect(try db.rows("SELECT id::text, name, _etl_run_id, \(instant) FROM \(PostgresInspector.qualified(schema, "orders")) ORDER BY id")
            == [["1", "a", run.id, run.startedAt], ["2", "b", run.id, run.startedAt]])
        try project.write("id,name\n2,B\n", to: "orders.csv")
        let second = try project.etlHost(["sync", "csv", "postgres", "-s", "path=orders.csv", "-d", "url=\(url)", "-d", "schema=\(schema)",
                                          "--mode", "upsert", "--primary-key", "id", "--lineage", "--json"])
        #expect(second.status == 0, "\(second.stderr)")
        let run2 = try project.record(second)
        #expect(try db.rows("SELECT id::text, name, _etl_run_id, \(instant) FROM \(PostgresInspector.qualified(schema, "orders")) ORDER BY id")
            == [["1", "a", run.id, run.startedAt], ["2", "B", run2.id, run2.startedAt]])
    }

    @Test func aPipelineSyncStepTakesLineageTrue() throws {
        let sandbox = try PipelineRunSandbox("lineage-pipeline", yaml: """
            name: shop
            connections:
              dwh: {plugin: sqlite, path: dwh.db}
            steps:
              raw_rates: {sync: {from: {plugin: csv, path: rates.csv}, to: dwh, lineage: true}}
              raw_plain: {sync: {from: {plugin: csv, path: plain.csv}, to: dwh}}
            """, files: ["rates.csv": "id,rate\n1,2.5\n", "plain.csv": "id\n1\n"])
        let result = try sandbox.run()
        #expect(result.status == 0, "\(result.stderr)")
        let runs = try sandbox.syncRuns()
        let rates = try #require(runs.first { ($0["pipeline"] as? String) == "shop.raw_rates" })
        let id = try #require(rates["id"] as? String)
        #expect(try sandbox.rows("SELECT id, rate, _etl_run_id FROM rates") == [["1", "2.5", id]])
        #expect(try SQLiteInspector(path: sandbox.project + "/dwh.db").columns("plain") == ["id INTEGER"])
    }
}

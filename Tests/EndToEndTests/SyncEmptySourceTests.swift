import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// One rule for a stream that returned zero rows in replace mode, whatever
/// the extractor: a new table is created empty, an existing one is left
/// unchanged and the stream fails (exit 65) unless --allow-empty.
@Suite struct SyncEmptySourceTests {
    private func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    private static func refusal(_ stream: String, table: String? = nil, rejected: String = "",
                                harm: String? = nil) -> String {
        "stream '\(stream)': the source returned no \(rejected.isEmpty ? "" : "valid ")rows\(rejected); \(harm ?? "replacing table '\(table ?? stream)' would delete all its rows"), so it was left unchanged. Pass --allow-empty if an empty source is expected"
    }

    @Test func aHeaderOnlyCSVCreatesANewTableEmptyButNeverEmptiesAnExistingOne() throws {
        let sandbox = try HostSandbox("empty-csv")
        let db = sandbox.root + "/warehouse.db"
        try write("id,name\n", to: sandbox.root + "/orders.csv")
        let created = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=orders.csv", "--quiet")
        #expect(created.status == 0, "\(created.stderr)")
        #expect(try SQLiteInspector(path: db).columns("orders") == ["id TEXT", "name TEXT"])
        #expect(try SQLiteInspector(path: db).scalar("SELECT count(*) FROM orders") == "0")

        try write("id,name\n1,a\n2,b\n", to: sandbox.root + "/orders.csv")
        #expect(try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=orders.csv", "--quiet").status == 0)
        let before = try SQLiteInspector(path: db).dump()

        try write("id,name\n", to: sandbox.root + "/orders.csv")
        let refused = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=orders.csv", "--json")
        #expect(refused.status == 65)
        #expect(refused.stderr == "etl-host: error: \(Self.refusal("orders"))\n")
        #expect(try SQLiteInspector(path: db).dump() == before)
        let report = try JSONDecoder().decode(SyncReport.self, from: Data(refused.stdout.utf8))
        #expect(report.status == "failed")
        #expect(report.streams.map(\.status) == [.failed])
        #expect(report.streams.first?.error == Self.refusal("orders"))
        let show = try sandbox.etlHost("runs", "show", report.runID)
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stdout.contains("status:    failed\n"), "\(show.stdout)")
        #expect(show.stdout.contains(Self.refusal("orders")), "\(show.stdout)")

        // Append adds nothing and removes nothing: no refusal.
        let append = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=orders.csv", "--mode", "append", "--quiet")
        #expect(append.status == 0, "\(append.stderr)")
        #expect(try SQLiteInspector(path: db).rows("SELECT id, name FROM orders ORDER BY id") == [["1", "a"], ["2", "b"]])

        let allowed = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=orders.csv", "--allow-empty", "--quiet")
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(try SQLiteInspector(path: db).columns("orders") == ["id TEXT", "name TEXT"])
        #expect(try SQLiteInspector(path: db).scalar("SELECT count(*) FROM orders") == "0")
    }

    @Test func anEmptyCSVFileIsASourceWithoutFieldsOrRows() throws {
        let sandbox = try HostSandbox("empty-csv-file")
        let db = sandbox.root + "/warehouse.db"
        try write("", to: sandbox.root + "/orders.csv")
        let skipped = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=orders.csv", "--json")
        #expect(skipped.status == 0, "\(skipped.stderr)")
        let report = try JSONDecoder().decode(SyncReport.self, from: Data(skipped.stdout.utf8))
        #expect(report.streams.map(\.status) == [.skipped])
        #expect(report.streams.first?.error == "the source returned no rows and no fields; no table was created")

        try write("id,name\n1,a\n", to: sandbox.root + "/orders.csv")
        #expect(try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=orders.csv", "--quiet").status == 0)
        let before = try SQLiteInspector(path: db).dump()
        try write("\n\n", to: sandbox.root + "/orders.csv")
        let refused = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=orders.csv", "--quiet")
        #expect(refused.status == 65)
        #expect(refused.stderr == "etl-host: error: \(Self.refusal("orders"))\n")
        #expect(try SQLiteInspector(path: db).dump() == before)
    }

    @Test func anEmptyJSONLinesFileFollowsTheSameRule() throws {
        let sandbox = try HostSandbox("empty-jsonl")
        let db = sandbox.root + "/warehouse.db"
        try write("", to: sandbox.root + "/events.jsonl")
        let skipped = try sandbox.etlHost("sync", "jsonl", "sqlite", "-s", "path=events.jsonl", "--json")
        #expect(skipped.status == 0, "\(skipped.stderr)")
        let report = try JSONDecoder().decode(SyncReport.self, from: Data(skipped.stdout.utf8))
        #expect(report.streams.map(\.status) == [.skipped])
        #expect(report.streams.first?.error == "the source returned no rows and no fields; no table was created")

        try write(#"{"id": 1, "v": "x"}"# + "\n", to: sandbox.root + "/events.jsonl")
        #expect(try sandbox.etlHost("sync", "jsonl", "sqlite", "-s", "path=events.jsonl", "--quiet").status == 0)
        let before = try SQLiteInspector(path: db).dump()

        try write("\n", to: sandbox.root + "/events.jsonl")
        let refused = try sandbox.etlHost("sync", "jsonl", "sqlite", "-s", "path=events.jsonl", "--quiet")
        #expect(refused.status == 65)
        #expect(refused.stderr == "etl-host: error: \(Self.refusal("events"))\n")
        #expect(try SQLiteInspector(path: db).dump() == before)

        // Allowed (here by the config file's allow_empty), a stream without fields empties the table
        // with the columns stored last time.
        try write(#"{"extractor": "jsonl", "warehouse": "sqlite", "source": {"path": "events.jsonl"}, "allow_empty": true}"#,
                  to: sandbox.root + "/pipeline.json")
        let allowed = try sandbox.etlHost("sync", "--config", "pipeline.json", "--quiet")
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(try SQLiteInspector(path: db).columns("events") == ["id INTEGER", "v TEXT"])
        #expect(try SQLiteInspector(path: db).scalar("SELECT count(*) FROM events") == "0")
    }

    @Test func everyRowSetAsideCountsAsNoRowsAndAForeignTableCountsAsExisting() throws {
        let sandbox = try HostSandbox("empty-rejects")
        let db = sandbox.root + "/warehouse.db"
        try write("id,v\n1,a\n", to: sandbox.root + "/t.csv")
        #expect(try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=t.csv", "--quiet").status == 0)
        let before = try SQLiteInspector(path: db).dump()
        try write("id,v\n1,a,extra\n", to: sandbox.root + "/t.csv")
        let refused = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=t.csv", "--max-bad-rows", "1", "--quiet")
        #expect(refused.status == 65)
        #expect(refused.stderr == "etl-host: error: \(Self.refusal("t", rejected: " (1 malformed record)"))\n")
        #expect(try SQLiteInspector(path: db).dump() == before)

        // A table etl-host never loaded (no stored schema) is found through the warehouse.
        try write("id,v\n1,a\n", to: sandbox.root + "/other.csv")
        #expect(try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=other.csv", "-s", "stream=mine", "--quiet").status == 0)
        let sqlite = try TestSupport.run("/usr/bin/env", ["python3", "-c",
            "import sqlite3; c = sqlite3.connect('\(db)'); c.execute(\"DELETE FROM _etl_schemas WHERE table_name = 'mine'\"); c.commit()"])
        #expect(sqlite.status == 0, "\(sqlite.stderr)")
        try write("id,v\n", to: sandbox.root + "/other.csv")
        let foreign = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=other.csv", "-s", "stream=mine", "--quiet")
        #expect(foreign.status == 65)
        #expect(foreign.stderr == "etl-host: error: \(Self.refusal("mine"))\n")
        #expect(try SQLiteInspector(path: db).scalar("SELECT count(*) FROM mine") == "1")
    }

    @Test func allowEmptyCannotEmptyAForeignTableFromAStreamWithoutFields() throws {
        let sandbox = try HostSandbox("empty-foreign")
        let db = sandbox.root + "/warehouse.db"
        try write(#"{"id": 1}"# + "\n", to: sandbox.root + "/events.jsonl")
        #expect(try sandbox.etlHost("sync", "jsonl", "sqlite", "-s", "path=events.jsonl", "--quiet").status == 0)
        let forget = try TestSupport.run("/usr/bin/env", ["python3", "-c",
            "import sqlite3; c = sqlite3.connect('\(db)'); c.execute('DELETE FROM _etl_schemas'); c.commit()"])
        #expect(forget.status == 0, "\(forget.stderr)")
        let before = try SQLiteInspector(path: db).dump()
        try write("", to: sandbox.root + "/events.jsonl")
        let result = try sandbox.etlHost("sync", "jsonl", "sqlite", "-s", "path=events.jsonl", "--allow-empty", "--quiet")
        #expect(result.status == 65)
        #expect(result.stderr == "etl-host: error: stream 'events': --allow-empty cannot empty table 'events': the source returned no rows and no fields, and etl-host stored no columns for the table (it was not loaded by etl-host)\n")
        #expect(try SQLiteInspector(path: db).dump() == before)
    }

    @Test func anUpsertWithDeletionsAndNoRowsNeverWipesTheTable() throws {
        let sandbox = try HostSandbox("empty-upsert")
        let db = sandbox.root + "/warehouse.db"
        try write("id,name\n1,a\n2,b\n", to: sandbox.root + "/people.csv")
        let upsert = ["sync", "csv", "sqlite", "-s", "path=people.csv", "--mode", "upsert", "--primary-key", "id", "--quiet"]
        func run(_ extra: [String]) throws -> TestSupport.ProcessResult {
            try TestSupport.run(TestSupport.hostExecutable, upsert + extra, environment: sandbox.environment,
                                currentDirectory: sandbox.root)
        }
        #expect(try run(["--deletions", "remove"]).status == 0)

        try write("id,name\n", to: sandbox.root + "/people.csv")
        #expect(try run([]).status == 0) // without deletions an upsert of nothing changes no row
        #expect(try SQLiteInspector(path: db).rows("SELECT id, name FROM people ORDER BY id") == [["1", "a"], ["2", "b"]])
        let before = try SQLiteInspector(path: db).dump()
        let removed = try run(["--deletions", "remove"])
        #expect(removed.status == 65)
        #expect(removed.stderr == "etl-host: error: \(Self.refusal("people", harm: "--deletions remove would delete all rows of table 'people'"))\n")
        #expect(try SQLiteInspector(path: db).dump() == before)
        let flagged = try run(["--deletions", "flag"])
        #expect(flagged.status == 65)
        #expect(flagged.stderr == "etl-host: error: \(Self.refusal("people", harm: "--deletions flag would mark all rows of table 'people' as deleted"))\n")
        #expect(try SQLiteInspector(path: db).dump() == before)

        let allowed = try run(["--deletions", "remove", "--allow-empty"])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(try SQLiteInspector(path: db).scalar("SELECT count(*) FROM people") == "0")
    }

    @Test func anIncrementalUpsertRefusesAnEmptyKeyListing() throws {
        let server = try AirtableServer(fixture: SyncDeletionsTests.fixture(records: 3))
        try server.disableRateLimits()
        let sandbox = try HostSandbox("empty-listing")
        let db = sandbox.root + "/warehouse.db"
        func sync(_ extra: String...) throws -> TestSupport.ProcessResult {
            try TestSupport.run(
                TestSupport.hostExecutable,
                ["sync", "airtable", "sqlite", "-s", "base=\(SyncDeletionsTests.base)", "-s", "api_url=\(server.url)",
                 "-s", "incremental_lookback_seconds=0", "--mode", "upsert", "--incremental", "--deletions", "remove",
                 "--quiet"] + extra,
                environment: sandbox.environment.merging(["AIRTABLE_TOKEN": AirtableServer.defaultToken]) { $1 },
                currentDirectory: sandbox.root)
        }
        let first = try sync()
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try SQLiteInspector(path: db).scalar("SELECT count(*) FROM people") == "3")
        let before = try SQLiteInspector(path: db).dump()

        _ = try server.deleteRecords(base: SyncDeletionsTests.base, table: "People", ids: (1...3).map(SyncDeletionsTests.id))
        let refused = try sync()
        #expect(refused.status == 65)
        #expect(refused.stderr == "etl-host: error: \(Self.refusal("People", harm: "--deletions remove would delete all rows of table 'people'"))\n")
        #expect(try SQLiteInspector(path: db).dump() == before)

        let allowed = try sync("--allow-empty")
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(try SQLiteInspector(path: db).scalar("SELECT count(*) FROM people") == "0")
    }

    @Test func theHelpStatesTheRuleAndTheFlag() throws {
        let help = try HostSandbox("empty-help").etlHost("sync", "--help")
        #expect(help.status == 0)
        let text = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(text.contains("An empty source never empties a table by accident: in replace mode (and upsert with --deletions), a stream that returns no rows creates its table empty when it does not exist yet, but an existing table is left unchanged and the stream fails (exit 65) unless --allow-empty is given."), "\(help.stdout)")
        #expect(text.contains("--allow-empty Let a stream that returns no rows empty an existing table: replace it with an empty one, or with --deletions remove (flag) every row (without it such a stream fails, exit 65, and the table keeps its rows)."), "\(help.stdout)")
        let replay = try HostSandbox("empty-help").etlHost("replay", "--help")
        #expect(replay.stdout.contains("--allow-empty"), "\(replay.stdout)")
    }

    @Test func postgresKeepsTheTableWhenTheSourceIsEmpty() throws {
        let target = try SyncPostgresTests.Target("empty")
        try target.write("id,name\n1,a\n", to: "orders.csv")
        #expect(try target.sync("csv", "-s", "path=orders.csv", "--quiet").status == 0)
        let before = try target.dump()
        try target.write("id,name\n", to: "orders.csv")
        let refused = try target.sync("csv", "-s", "path=orders.csv", "--quiet")
        #expect(refused.status == 65)
        #expect(refused.stderr == "etl-host: error: \(Self.refusal("orders"))\n")
        #expect(try target.dump() == before)
        let allowed = try target.sync("csv", "-s", "path=orders.csv", "--allow-empty", "--quiet")
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(try target.rows("SELECT count(*) FROM \(target.qualified("orders"))") == [["0"]])
    }
}

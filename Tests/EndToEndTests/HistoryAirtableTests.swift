import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// Issue 16's test of SCD2 history, through the built binary: five runs of
/// `sync airtable <warehouse> --mode upsert --primary-key id --deletions remove --history`
/// (the key given explicitly, as a user would write it)
/// with the source mutated between them (``HistoryFixture``), into SQLite
/// and into PostgreSQL. The history holds exactly the expected versions;
/// the contract's as-of selection at the end of each run gives exactly the
/// table after that run; `rebuild --as-of` into an empty warehouse gives
/// the same rows; `query --as-of` prints exactly what the same query of the
/// rebuilt warehouse prints; `diff` between runs 2 and 3 lists exactly the
/// mutated ids.
@Suite struct HistoryAirtableTests {
    /// Where the runs load, and how to read it back.
    struct Target {
        /// The warehouse and its `-d` settings, for sync and for rebuild
        /// into the empty warehouse number `index`.
        var warehouse: (_ rebuild: Int?) -> [String]
        /// Rows of `sql` in the loaded warehouse (`rebuild` nil) or in a rebuilt one.
        var rows: (_ sql: String, _ rebuild: Int?) throws -> [[String?]]
        /// A table's name in SQL.
        var table: (String) -> String
        /// SQL spelling an instant column as the contract does (`...000Z`).
        var instant: (String) -> String
        /// How a boolean reads back.
        var yes: String, no: String
        /// How `created_time` reads back.
        var createdTime: String
    }

    /// Runs the five syncs into `target`; returns the run records, oldest first.
    private func fiveRuns(_ pipeline: RunHistoryTests.Pipeline, _ target: Target, crashBeforeRun2: Bool = false) throws
        -> [[String: Any]]
    {
        let server = try AirtableServer(fixture: HistoryFixture.serverFixture)
        for run in 1...5 {
            if run > 1 { try HistoryFixture.mutate(server, before: run) }
            let arguments = ["sync", "airtable"] + target.warehouse(nil) + [
                "-s", "base=\(HistoryFixture.base)", "-s", "api_url=\(server.url)", "--mode", "upsert", "--primary-key", "id",
                "--deletions", "remove", "--history", "--pipeline", "people", "--quiet",
            ]
            let environment = pipeline.sandbox.environment.merging(
                ["ETL_STATE_DIR": pipeline.state, "AIRTABLE_TOKEN": AirtableServer.defaultToken]) { $1 }
            if run == 2, crashBeforeRun2 {
                // Killed at the last moment before the commit: neither the table nor its history moved.
                let before = try target.rows("SELECT * FROM \(target.table("people__history")) ORDER BY id", nil)
                let crashed = try TestSupport.run(TestSupport.hostExecutable, arguments,
                                                  environment: environment.merging(["ETL_CRASH_AT": "committing"]) { $1 },
                                                  currentDirectory: pipeline.sandbox.root)
                #expect(crashed.status != 0)
                #expect(try target.rows("SELECT * FROM \(target.table("people__history")) ORDER BY id", nil) == before)
                #expect(try target.rows("SELECT id, name FROM \(target.table("people")) ORDER BY id", nil)
                    == HistoryFixture.states[0].map { [$0.id, $0.name] })
            }
            let sync = try TestSupport.run(TestSupport.hostExecutable, arguments, environment: environment,
                                           currentDirectory: pipeline.sandbox.root)
            #expect(sync.status == 0, "run \(run): \(sync.stderr)")
        }
        return try pipeline.runs().filter { ($0["status"] as? String) == "succeeded" }
    }

    private func check(_ target: Target, in pipeline: RunHistoryTests.Pipeline) throws {
        let runs = try fiveRuns(pipeline, target, crashBeforeRun2: true)
        try #require(runs.count == 5)
        let ids = runs.map { $0["id"] as! String }
        let streams = runs.map { ($0["streams"] as? [[String: Any]])?.first }
        #expect(streams.map { $0?["history_table"] as? String } == Array(repeating: "people__history", count: 5))

        // Each run's load instant, read back; it lies within the run, and run 4 (no change) opened nothing.
        let history = target.table("people__history")
        let opened = try target.rows("SELECT DISTINCT _etl_run_id, \(target.instant("_etl_valid_from")) FROM \(history)", nil)
        let instants = Dictionary(uniqueKeysWithValues: opened.map { ($0[0]!, $0[1]!) })
        #expect(Set(instants.keys) == Set([ids[0], ids[1], ids[2], ids[4]]))
        for (index, run) in runs.enumerated() {
            guard let instant = instants[ids[index]] else { continue }
            #expect((run["started_at"] as! String) <= instant && instant <= (run["finished_at"] as! String), "run \(index + 1)")
        }
        func instant(ofRun run: Int) -> String { instants[ids[run - 1]] ?? "none" }

        // Exactly the expected versions, every column.
        let expected: [[String?]] = HistoryFixture.versions.map { version in
            [version.person.id, target.createdTime, version.person.name, "\(version.person.age)", instant(ofRun: version.from),
             version.to.map(instant(ofRun:)), ids[version.from - 1], version.deleted ? target.yes : target.no]
        }
        #expect(try target.rows("SELECT id, created_time, name, age, \(target.instant("_etl_valid_from")), "
            + "\(target.instant("_etl_valid_to")), _etl_run_id, _etl_deleted FROM \(history) "
            + "ORDER BY id, _etl_valid_from", nil) == expected)
        // One hash per distinct record value; a tombstone keeps its last values' hash.
        #expect(try target.rows("SELECT count(DISTINCT _etl_row_hash) FROM \(history)", nil) == [["8"]])
        #expect(try target.rows("SELECT count(DISTINCT _etl_row_hash) FROM \(history) WHERE id = '\(HistoryFixture.id(3))'", nil)
            == [["1"]])
        #expect(try target.rows("SELECT table_name, history_table FROM \(target.table("_etl_history_tables"))", nil)
            == [["people", "people__history"]])

        // The table as of the end of each run, and rebuilt from snapshots at that moment.
        for run in 1...5 {
            let moment = runs[run - 1]["finished_at"] as! String
            let asOf = try target.rows("SELECT id, created_time, name, age FROM \(history) WHERE _etl_valid_from <= '\(moment)' "
                + "AND (_etl_valid_to IS NULL OR _etl_valid_to > '\(moment)') AND NOT _etl_deleted ORDER BY id", nil)
            #expect(asOf == HistoryFixture.states[run - 1].map { [$0.id, target.createdTime, $0.name, "\($0.age)"] }, "run \(run)")
            let rebuild = try TestSupport.run(TestSupport.hostExecutable, ["rebuild", "--as-of", moment] + target.warehouse(run) + ["--quiet"],
                                              environment: pipeline.sandbox.environment.merging(["ETL_STATE_DIR": pipeline.state]) { $1 },
                                              currentDirectory: pipeline.sandbox.root)
            #expect(rebuild.status == 0, "\(rebuild.stderr)")
            #expect(try target.rows("SELECT id, created_time, name, age FROM \(target.table("people")) ORDER BY id", run) == asOf,
                    "rebuild as of run \(run)")

            // `query --as-of` answers the same, byte for byte, as the same query of the rebuilt warehouse.
            let select = "SELECT * FROM people ORDER BY id"
            let queried = try pipeline.etlHost(["query"] + target.warehouse(nil) + ["--as-of", moment, "--format", "csv", select])
            #expect(queried.status == 0, "\(queried.stderr)")
            #expect(queried.stdout == "id,created_time,name,age\r\n" + HistoryFixture.states[run - 1].map {
                "\($0.id),2026-01-01T00:00:00.000000Z,\($0.name),\($0.age)\r\n"
            }.joined(), "query --as-of run \(run)")
            let rebuilt = try pipeline.etlHost(["query"] + target.warehouse(run) + ["--format", "csv", select])
            #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
            #expect(queried.stdout == rebuilt.stdout, "query --as-of and the rebuilt warehouse, run \(run)")
            // The same moment named by the run's id.
            let byRun = try pipeline.etlHost(["query"] + target.warehouse(nil) + ["--as-of", ids[run - 1], "--format", "csv", select])
            #expect(byRun.stdout == queried.stdout, "query --as-of \(ids[run - 1])")
        }

        // diff between runs 2 and 3: exactly the mutated ids.
        let diff = try pipeline.etlHost("diff", ids[1], ids[2], "--json")
        #expect(diff.status == 0, "\(diff.stderr)")
        #expect(diff.stdout == #"[{"added":[],"changed":["\#(HistoryFixture.changedBetween2And3[0])"],"key":["id"],"#
            + #""removed":["\#(HistoryFixture.removedBetween2And3[0])"],"table":"people"}]"# + "\n")
    }

    @Test func fiveRunsIntoSQLite() throws {
        let pipeline = try RunHistoryTests.Pipeline("history-sqlite")
        let root = pipeline.sandbox.root
        func file(_ rebuild: Int?) -> String { rebuild.map { "as_of_\($0).db" } ?? "warehouse.db" }
        let target = Target(
            warehouse: { rebuild in ["sqlite", "-d", "path=\(file(rebuild))"] },
            rows: { sql, rebuild in try SQLiteInspector(path: root + "/" + file(rebuild)).rows(sql) },
            table: { "\"\($0)\"" }, instant: { $0 }, yes: "1", no: "0", createdTime: "2026-01-01T00:00:00.000000Z")
        try check(target, in: pipeline)
    }

    @Test func fiveRunsIntoPostgres() throws {
        let url = try PostgresInspector.serverURL()
        let db = try PostgresInspector(url: url)
        let schema = PostgresInspector.uniqueSchema("history")
        let schemas = [schema] + (1...5).map { "\(schema)_r\($0)" }
        defer { schemas.forEach(db.dropSchema) }
        func name(_ rebuild: Int?) -> String { rebuild.map { schemas[$0] } ?? schema }
        let target = Target(
            warehouse: { rebuild in ["postgres", "-d", "url=\(url)", "-d", "schema=\(name(rebuild))"] },
            rows: { sql, rebuild in
                try db.rows(sql.replacingOccurrences(of: PostgresInspector.quoted(schema) + ".",
                                                     with: PostgresInspector.quoted(name(rebuild)) + "."))
            },
            table: { PostgresInspector.qualified(schema, $0) },
            instant: { "to_char(\($0) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')" },
            yes: "t", no: "f", createdTime: "2026-01-01 00:00:00+00")
        try check(target, in: try RunHistoryTests.Pipeline("history-postgres"))
    }
}

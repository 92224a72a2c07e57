import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// `--history` and `--history-table` on `sync`, `history:` in a pipeline's
/// sync step, and replay of a run that kept history, through the built
/// binary: what cannot be honoured is refused before anything is read
/// (exit 64, naming the stream, the option or the plugin).
@Suite struct SyncHistoryOptionsTests {
    typealias Pipeline = RunHistoryTests.Pipeline

    private func sync(_ pipeline: Pipeline, _ arguments: String...) throws -> TestSupport.ProcessResult {
        try TestSupport.run(TestSupport.hostExecutable, ["sync", "csv"] + arguments,
                            environment: pipeline.sandbox.environment.merging(["ETL_STATE_DIR": pipeline.state]) { $1 },
                            currentDirectory: pipeline.sandbox.root)
    }

    @Test func whatHistoryCannotHonourIsRefusedWithExit64() throws {
        let pipeline = try Pipeline("history-refused")
        try pipeline.write("id,name\n1,a\n", to: "people.csv")
        try pipeline.write("id,x\n1,2\n", to: "other.csv")
        let cases: [(arguments: [String], message: String)] = [
            (["sqlite", "-s", "path=people.csv", "--history"],
             "--history needs a key to version records by, and stream 'people' has none; give --primary-key COLUMN[,COLUMN]"),
            (["sqlite", "-s", "path=people.csv", "--history", "--mode", "append", "--primary-key", "id"],
             "--history needs --mode replace or upsert: append adds rows without a key to version them by"),
            (["sqlite", "-s", "path=*.csv", "--history", "--primary-key", "id", "--history-table", "hist"],
             "--history-table 'hist' is one name, but streams 'other', 'people' each need a history table; use a template with {table}, such as {table}__history"),
            (["sqlite", "-s", "path=people.csv", "--history-table", "hist"], "--history-table needs --history"),
            (["sqlite", "-s", "path=people.csv", "--history", "--primary-key", "id", "--history-table", "people"],
             "the history table of stream 'people' would be 'people', which is also a loaded table; choose another --history-table"),
        ]
        for (arguments, message) in cases {
            let result = try TestSupport.run(TestSupport.hostExecutable, ["sync", "csv"] + arguments,
                                             environment: pipeline.sandbox.environment.merging(["ETL_STATE_DIR": pipeline.state]) { $1 },
                                             currentDirectory: pipeline.sandbox.root)
            #expect(result.status == 64, "\(arguments)")
            #expect(result.stderr == "etl-host: error: \(message)\n")
        }
        #expect(!FileManager.default.fileExists(atPath: pipeline.sandbox.root + "/warehouse.db"))
    }

    @Test func aWarehouseWithoutTheCapabilityIsNamed() throws {
        let pipeline = try Pipeline("history-nocap")
        try pipeline.write("id,name\n1,a\n", to: "people.csv")
        // A C warehouse with only the required operations and replace/append.
        let library = try pipeline.sandbox.compile(["Tests/Fixtures/CPlugins/textwarehouse.c"], name: "libtextwarehouse.so")
        #expect(try pipeline.etlHost("plugins", "install", library).status == 0)
        let result = try sync(pipeline, "textwarehouse", "-s", "path=people.csv", "-d", "dir=out", "--history", "--primary-key", "id")
        #expect(result.status == 64)
        #expect(result.stderr == "etl-host: error: warehouse 'textwarehouse' cannot keep history (no history capability); drop --history\n")
        #expect(!FileManager.default.fileExists(atPath: pipeline.sandbox.root + "/out"))
    }

    @Test func aTemplateNamesEachStreamsHistoryAndTheRecordKeepsIt() throws {
        let pipeline = try Pipeline("history-template")
        try pipeline.write("id,name\n1,a\n", to: "people.csv")
        try pipeline.write("id,x\n1,2\n", to: "other.csv")
        let result = try sync(pipeline, "sqlite", "-s", "path=*.csv", "--history", "--primary-key", "id", "--history-table", "h_{table}", "--quiet")
        #expect(result.status == 0, "\(result.stderr)")
        let db = try SQLiteInspector(path: pipeline.sandbox.root + "/warehouse.db")
        #expect(try db.rows("SELECT table_name, history_table FROM _etl_history_tables ORDER BY 1") == [["other", "h_other"], ["people", "h_people"]])
        #expect(try db.rows("SELECT id, name, _etl_valid_to, _etl_deleted FROM h_people") == [["1", "a", nil, "0"]])
        let streams = try #require(try pipeline.runs().first?["streams"] as? [[String: Any]])
        #expect(streams.map { "\($0["stream"]!)=\($0["history_table"]!)" }.sorted() == ["other=h_other", "people=h_people"])
    }

    @Test func replayFeedsTheHistoryAtTheReplaysInstant() throws {
        let pipeline = try Pipeline("history-replay")
        try pipeline.write("id,name\n1,a\n2,b\n", to: "people.csv")
        #expect(try sync(pipeline, "sqlite", "-s", "path=people.csv", "--history", "--primary-key", "id", "--quiet").status == 0)
        try pipeline.write("id,name\n1,A\n2,b\n", to: "people.csv")
        #expect(try sync(pipeline, "sqlite", "-s", "path=people.csv", "--history", "--primary-key", "id", "--quiet").status == 0)
        let first = try #require(try pipeline.runs().first?["id"] as? String)
        let replay = try pipeline.etlHost("replay", first, "--quiet")
        #expect(replay.status == 0, "\(replay.stderr)")
        let runs = try pipeline.runs()
        try #require(runs.count == 3)
        let ids = runs.map { $0["id"] as! String }
        // The replay loads run 1's rows again: 1 goes back to 'a' as a new version of the replay; 2 did not change.
        let db = try SQLiteInspector(path: pipeline.sandbox.root + "/warehouse.db")
        #expect(try db.rows("SELECT id, name, _etl_run_id, _etl_valid_to IS NULL FROM people__history ORDER BY id, _etl_valid_from") == [
            ["1", "a", ids[0], "0"], ["1", "A", ids[1], "0"], ["1", "a", ids[2], "1"], ["2", "b", ids[0], "1"],
        ])
        #expect((runs[2]["streams"] as? [[String: Any]])?.first?["history_table"] as? String == "people__history")
    }

    @Test func aPipelineStepKeepsHistoryAndValidateRefusesWhatItCannot() throws {
        let sandbox = try PipelineRunSandbox("history-pipeline", yaml: """
            connections:
              dwh: {plugin: sqlite, path: dwh.db}
            steps:
              people: {sync: {from: {plugin: csv, path: people.csv}, to: dwh, primary_key: id, history: scd2, history_table: "hist_{table}"}}
            """, files: ["people.csv": "id,name\n1,a\n"])
        let run = try sandbox.run()
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try sandbox.rows("SELECT id, name, _etl_deleted FROM hist_people") == [["1", "a", "0"]])
        #expect((try sandbox.syncRuns().first?["streams"] as? [[String: Any]])?.first?["history_table"] as? String == "hist_people")

        try sandbox.write("""
            connections:
              dwh: {plugin: sqlite, path: dwh.db}
            steps:
              people: {sync: {from: {plugin: csv, path: people.csv}, to: dwh, mode: append, history: scd2}}
            """, to: "etl.yaml")
        let append = try sandbox.etlHost(["validate", "-f", "project/etl.yaml"])
        #expect(append.status == 64)
        #expect(append.stderr == """
            project/etl.yaml:4:3: step 'people': --history needs --mode replace or upsert: append adds rows without a key to version them by
            project/etl.yaml: 1 error

            """)
        try sandbox.write("""
            connections:
              dwh: {plugin: sqlite, path: dwh.db}
            steps:
              other: {sync: {from: {plugin: csv, path: people.csv}, to: dwh, history: yes, history_table: h}}
            """, to: "etl.yaml")
        let unknown = try sandbox.etlHost(["validate", "-f", "project/etl.yaml"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr == """
            project/etl.yaml:4:75: step 'other': sync: history 'yes' is not one of none, scd2
            project/etl.yaml:4:80: step 'other': sync: history_table needs history: scd2
            project/etl.yaml: 2 errors

            """)
    }
}

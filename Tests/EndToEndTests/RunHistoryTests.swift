import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// Run history, structured logs, raw snapshots and replay, through the
/// built binary with its own state folder.
@Suite struct RunHistoryTests {
    /// A sandbox whose state folder is `<root>/state`.
    struct Pipeline {
        let sandbox: HostSandbox
        var state: String { sandbox.root + "/state" }

        init(_ label: String) throws { sandbox = try HostSandbox(label) }

        func etlHost(_ arguments: String..., environment: [String: String] = [:]) throws -> TestSupport.ProcessResult {
            try etlHost(arguments, environment: environment)
        }

        func etlHost(_ arguments: [String], environment: [String: String] = [:]) throws -> TestSupport.ProcessResult {
            try TestSupport.run(TestSupport.hostExecutable, arguments,
                                environment: sandbox.environment.merging(["ETL_STATE_DIR": state].merging(environment) { $1 }) { $1 },
                                currentDirectory: sandbox.root)
        }

        func write(_ text: String, to name: String) throws {
            try Data(text.utf8).write(to: URL(fileURLWithPath: sandbox.root + "/" + name))
        }

        func runs() throws -> [[String: Any]] {
            let result = try etlHost("runs", "--json")
            #expect(result.status == 0, "\(result.stderr)")
            return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] ?? []
        }
    }

    static let orders = "id,name,price,day\n1,apple,1.5,2024-01-02\n2,\"pear, green\",2,2024-02-03\n3,fig,,2024-03-04\n"
    static let events = #"{"id": 1, "at": "2024-05-01T10:00:00Z", "tags": ["a", "b"], "ok": true, "note": "line\nbreak 🙂"}"# + "\n"
        + #"{"id": 2, "at": "2024-05-02T11:30:00.250Z", "meta": {"k": [1, 2]}, "ok": false, "n": 12345678901}"# + "\n"

    @Test func aSyncIsRecordedWithItsStreamsLogAndSnapshot() throws {
        let pipeline = try Pipeline("runs-recorded")
        try pipeline.write(Self.orders, to: "orders.csv")
        let sync = try pipeline.etlHost("sync", "csv", "sqlite", "-s", "path=orders.csv", "--pipeline", "shop", "--quiet")
        #expect(sync.status == 0, "\(sync.stderr)")
        let runs = try pipeline.runs()
        #expect(runs.count == 1)
        let run = try #require(runs.first)
        let id = try #require(run["id"] as? String)
        #expect(run["pipeline"] as? String == "shop")
        #expect(run["status"] as? String == "succeeded")
        #expect(run["extractor"] as? String == "csv" && run["warehouse"] as? String == "sqlite")
        #expect((run["streams"] as? [[String: Any]])?.map { $0["rows_written"] as? Int } == [3])
        #expect(run["snapshot"] as? Bool == true)
        #expect((run["source_config"] as? [String: String]) == ["path": "orders.csv"])

        // The table view and the detail view.
        let list = try pipeline.etlHost("runs")
        #expect(list.status == 0)
        #expect(list.stdout.hasPrefix("ID "), "\(list.stdout)")
        #expect(list.stdout.contains("\(id)  shop      csv -> sqlite  replace  succeeded  orders=3"), "\(list.stdout)")
        let show = try pipeline.etlHost("runs", "show", String(id.prefix(17)))
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stdout.hasPrefix("Run \(id)\n  pipeline:  shop\n  from -> to: csv -> sqlite (replace)\n  status:    succeeded\n"), "\(show.stdout)")
        #expect(show.stdout.contains("Retries: none"))
        #expect(show.stdout.contains("  orders: 3 rows, 1.arrow"), "\(show.stdout)")
        #expect(show.stdout.contains("info  (orders) loaded 3 rows into 'orders' (replace)"), "\(show.stdout)")

        // The snapshot is an Arrow IPC file that common tools read, with a manifest that checks it.
        let folder = pipeline.state + "/runs/\(id)/snapshot"
        let dump = try SnapshotDump(folder + "/1.arrow")
        #expect(dump.names == ["id", "name", "price", "day"])
        #expect(dump.rows == [["1", "apple", "1.5", "2024-01-02"], ["2", "pear, green", "2", "2024-02-03"], ["3", "fig", nil, "2024-03-04"]])
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/1.manifest.json"))) as? [String: Any])
        #expect(manifest["rows"] as? Int == 3 && manifest["stream"] as? String == "orders" && manifest["run_id"] as? String == id)
        #expect(manifest["format"] as? String == "arrow_ipc_file" && manifest["compression"] as? String == "zstd")
        let digest = try TestSupport.run("/usr/bin/sha256sum", [folder + "/1.arrow"]).stdout.prefix(64)
        #expect(manifest["sha256"] as? String == String(digest))
    }

    @Test func replayRebuildsTheSameTablesWithoutTheSource() throws {
        let pipeline = try Pipeline("runs-replay")
        try pipeline.write(Self.orders, to: "orders.csv")
        try pipeline.write(Self.events, to: "events.jsonl")
        #expect(try pipeline.etlHost("sync", "csv", "sqlite", "-s", "path=orders.csv", "--quiet").status == 0)
        #expect(try pipeline.etlHost("sync", "jsonl", "sqlite", "-s", "path=events.jsonl", "--quiet").status == 0)
        let runs = try pipeline.runs()
        let original = try SQLiteInspector(path: pipeline.sandbox.root + "/warehouse.db")
        let tables = ["orders", "events"]
        let expected = try tables.map { try original.rows("SELECT * FROM \($0) ORDER BY rowid") }
        let expectedColumns = try tables.map { try original.columns($0) }
        let expectedSchemas = try original.rows("SELECT table_name, schema_json FROM _etl_schemas ORDER BY table_name")

        // The sources are gone; both runs replay into a new database.
        try FileManager.default.removeItem(atPath: pipeline.sandbox.root + "/orders.csv")
        try FileManager.default.removeItem(atPath: pipeline.sandbox.root + "/events.jsonl")
        for run in runs {
            let replay = try pipeline.etlHost("replay", run["id"] as! String, "sqlite", "-d", "path=rebuilt.db", "--quiet")
            #expect(replay.status == 0, "\(replay.stderr)")
        }
        let rebuilt = try SQLiteInspector(path: pipeline.sandbox.root + "/rebuilt.db")
        #expect(try tables.map { try rebuilt.rows("SELECT * FROM \($0) ORDER BY rowid") } == expected)
        #expect(try tables.map { try rebuilt.columns($0) } == expectedColumns)
        #expect(try rebuilt.rows("SELECT table_name, schema_json FROM _etl_schemas ORDER BY table_name") == expectedSchemas)
        let replays = try pipeline.runs().filter { $0["replay_of"] != nil }
        #expect(replays.map { $0["replay_of"] as? String } == runs.map { $0["id"] as? String })
        #expect(replays.allSatisfy { $0["extractor"] as? String != nil && $0["status"] as? String == "succeeded" })

        // Replaying into the run's own warehouse uses its recorded config.
        let again = try pipeline.etlHost("replay", runs[0]["id"] as! String, "--json")
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try original.rows("SELECT * FROM orders ORDER BY rowid") == expected[0])
    }

    @Test func aDamagedOrMissingSnapshotIsRefusedWithTheReason() throws {
        let pipeline = try Pipeline("runs-damaged")
        try pipeline.write(Self.orders, to: "orders.csv")
        #expect(try pipeline.etlHost("sync", "csv", "sqlite", "-s", "path=orders.csv", "--quiet").status == 0)
        #expect(try pipeline.etlHost("sync", "csv", "sqlite", "-s", "path=orders.csv", "--quiet", "--no-snapshot").status == 0)
        let ids = try pipeline.runs().map { $0["id"] as! String }
        let none = try pipeline.etlHost("replay", ids[1])
        #expect(none.status == 64)
        #expect(none.stderr == "etl-host: error: run \(ids[1]) has no snapshot to replay (it ran with --no-snapshot, read nothing, or its snapshot was pruned by --keep-snapshots)\n")

        let data = pipeline.state + "/runs/\(ids[0])/snapshot/1.arrow"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: data))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: data))
        let before = try SQLiteInspector(path: pipeline.sandbox.root + "/warehouse.db").dump()
        let damaged = try pipeline.etlHost("replay", ids[0])
        #expect(damaged.status == 1)
        #expect(damaged.stderr.contains("snapshot of stream 'orders': '\(data)' does not match its manifest"), "\(damaged.stderr)")
        #expect(try SQLiteInspector(path: pipeline.sandbox.root + "/warehouse.db").dump() == before)

        let unknown = try pipeline.etlHost("replay", "nope")
        #expect(unknown.status == 64)
        #expect(unknown.stderr == "etl-host: error: no run 'nope' in \(pipeline.state)/runs; `etl-host runs` lists them\n")
    }

    @Test func keepSnapshotsBoundsTheDiskUsed() throws {
        let pipeline = try Pipeline("runs-keep")
        try pipeline.write(Self.orders, to: "orders.csv")
        for _ in 0..<4 {
            #expect(try pipeline.etlHost("sync", "csv", "sqlite", "-s", "path=orders.csv", "--quiet", "--keep-snapshots", "2").status == 0)
        }
        let runs = try pipeline.runs()
        #expect(runs.count == 4)
        #expect(runs.map { $0["snapshot"] as? Bool } == [false, false, true, true])
        #expect(runs.map { FileManager.default.fileExists(atPath: pipeline.state + "/runs/\($0["id"] as! String)/snapshot") } == [false, false, true, true])
        #expect(try pipeline.etlHost("sync", "csv", "sqlite", "-s", "path=orders.csv", "--keep-snapshots", "0").status == 64)
    }

    @Test func aRunIsRecordedEvenWhenTheWarehouseIsUnreachable() throws {
        let pipeline = try Pipeline("runs-unreachable")
        try pipeline.write(Self.orders, to: "orders.csv")
        let sync = try pipeline.etlHost("sync", "csv", "sqlite", "-s", "path=orders.csv", "-d", "path=/nonexistent/folder/w.db")
        #expect(sync.status == 1)
        let run = try #require(try pipeline.runs().first)
        #expect(run["status"] as? String == "failed")
        #expect((run["error"] as? String)?.contains("/nonexistent/folder/w.db") == true, "\(run)")
    }

    @Test func logsAreJSONLinesWithPluginNamesAndNoSecrets() throws {
        let server = try AirtableServer(fixture: ["bases": [["id": "appLogs0000000001", "tables": [[
            "name": "T", "fields": [["name": "Name", "type": "singleLineText"]],
            "records": [["id": "recLOGS0000000001", "fields": ["Name": "x"]]],
        ]]]]])
        try server.addFaults(.init(.unavailable, endpoint: "list"))
        let pipeline = try Pipeline("runs-logs")
        let result = try pipeline.etlHost(
            "sync", "airtable", "sqlite", "-s", "base=appLogs0000000001", "-s", "api_url=\(server.url)",
            "-s", "token=@env:MY_TOKEN", "--log-format", "json", "--log-level", "info", "--quiet",
            environment: ["MY_TOKEN": AirtableServer.defaultToken])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n").map(String.init)
        let objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(objects.count == lines.count, "every line is a JSON object: \(result.stderr)")
        let id = try #require(try pipeline.runs().first?["id"] as? String)
        #expect(objects.allSatisfy { $0["run_id"] as? String == id && $0["time"] is String && $0["level"] is String })
        #expect(objects.contains { $0["plugin"] as? String == "airtable" && $0["stream"] as? String == "T" && $0["level"] as? String == "warn"
            && ($0["message"] as? String)?.contains("retry 1 of") == true }, "\(result.stderr)")
        let file = try String(contentsOfFile: pipeline.state + "/runs/\(id)/log.jsonl", encoding: .utf8)
        #expect(!file.contains(AirtableServer.defaultToken) && !result.stderr.contains(AirtableServer.defaultToken))
        #expect(try String(contentsOfFile: pipeline.state + "/runs/\(id)/run.json", encoding: .utf8).contains("\"token\" : \"@env:MY_TOKEN\""))
        let show = try pipeline.etlHost("runs", "show", id)
        #expect(show.stdout.contains("Retries: 1\n"), "\(show.stdout)")
        #expect(show.stdout.contains("  airtable [T]  attempt 1, waited"), "\(show.stdout)")
    }
}

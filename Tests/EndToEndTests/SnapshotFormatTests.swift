import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// Snapshots are Arrow IPC files of the extractor's own batches: read by
/// pyarrow value for value, replayed by `etl-host replay`; snapshots of
/// earlier versions (gzip JSON Lines) still replay.
@Suite struct SnapshotFormatTests {
    /// A sandbox whose state folder is `<root>/state`.
    struct Pipeline {
        let sandbox: HostSandbox
        var state: String { sandbox.root + "/state" }

        init(_ label: String) throws { sandbox = try HostSandbox(label) }

        func etlHost(_ arguments: String...) throws -> TestSupport.ProcessResult {
            try TestSupport.run(TestSupport.hostExecutable, arguments,
                                environment: sandbox.environment.merging(["ETL_STATE_DIR": state]) { $1 },
                                currentDirectory: sandbox.root)
        }

        func write(_ text: String, to name: String) throws {
            try Data(text.utf8).write(to: URL(fileURLWithPath: sandbox.root + "/" + name))
        }

        /// The ids of the runs, oldest first.
        func runIDs() throws -> [String] {
            let result = try etlHost("runs", "--json")
            let runs = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] ?? []
            return runs.compactMap { $0["id"] as? String }.sorted()
        }

        /// The snapshot data file of the last run's stream number `number`.
        func snapshotFile(_ number: Int = 1) throws -> String {
            state + "/runs/\(try #require(try runIDs().last))/snapshot/\(number).arrow"
        }
    }

    @Test func aCSVSnapshotHoldsEveryFieldAsTheFileSpellsIt() throws {
        let pipeline = try Pipeline("snapshot-csv")
        var csv = "id,name,note,when\n"
        var expected: [[String?]] = []
        for row in 1...2500 {
            let name = row % 97 == 0 ? "" : "näme \(row) 🙂"
            let note = row % 5 == 0 ? "\"quoted, \"\"twice\"\"\"" : "n\(row * 7919 % 1000)"
            csv += "\(row),\(name),\(note),2024-01-\(String(format: "%02d", row % 28 + 1))T10:00:00Z\n"
            expected.append(["\(row)", name.isEmpty ? nil : name, row % 5 == 0 ? "quoted, \"twice\"" : "n\(row * 7919 % 1000)",
                             "2024-01-\(String(format: "%02d", row % 28 + 1))T10:00:00Z"])
        }
        try pipeline.write(csv, to: "people.csv")
        let sync = try pipeline.etlHost("sync", "csv", "sqlite", "-s", "path=people.csv", "-s", "batch_rows=1000", "--quiet")
        #expect(sync.status == 0, "\(sync.stderr)")

        let dump = try SnapshotDump(try pipeline.snapshotFile())
        #expect(dump.names == ["id", "name", "note", "when"])
        #expect(dump.types == ["string", "string", "string", "string"])
        #expect(dump.metadata.allSatisfy { $0["etl.untyped"] == "1" })
        #expect(dump.rows == expected)
    }

    @Test func withoutASnapshotTheSpoolGoesWithTheRun() throws {
        let pipeline = try Pipeline("snapshot-none")
        try pipeline.write("id,name\n1,a\n2,b\n", to: "t.csv")
        let sync = try pipeline.etlHost("sync", "csv", "sqlite", "-s", "path=t.csv", "--no-snapshot", "--quiet")
        #expect(sync.status == 0, "\(sync.stderr)")
        let id = try #require(try pipeline.runIDs().last)
        #expect(!FileManager.default.fileExists(atPath: pipeline.state + "/runs/\(id)/snapshot"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: pipeline.state + "/spool") == [])
        #expect(try SQLiteInspector(path: pipeline.sandbox.root + "/warehouse.db").rows("SELECT * FROM t ORDER BY id") == [["1", "a"], ["2", "b"]])
    }

    @Test func aJSONLinesSnapshotHoldsEachMemberAsItsJSONTextAndOddLinesWhole() throws {
        let pipeline = try Pipeline("snapshot-jsonl")
        let lines = [#"{"id": 1, "tags": ["a", "b"], "ok": true, "note": "line\nbreak 🙂"}"#,
                     #"{"id": 2, "meta": {"k": [1, 2]}, "ok": false, "n": 12345678901, "x": 1e400}"#,
                     #"{"id": 3, "id": 4}"#]
        try pipeline.write(lines.joined(separator: "\n") + "\n", to: "events.jsonl")
        let sync = try pipeline.etlHost("sync", "jsonl", "sqlite", "-s", "path=events.jsonl", "--quiet")
        #expect(sync.status == 0, "\(sync.stderr)")

        // The members of the first two lines in columns (the sample's keys stop at the repeated key), the third whole.
        let dump = try SnapshotDump(try pipeline.snapshotFile())
        #expect(dump.names == ["_line", "id", "tags", "ok", "note", "meta", "n", "x", "_record"])
        #expect(dump.types == ["int64"] + Array(repeating: "string", count: 8))
        #expect(dump.metadata.dropFirst().dropLast().allSatisfy { $0 == ["etl.member": "1"] })
        #expect(dump.metadata.last == ["etl.record": "1"])
        #expect(dump.rows == [
            ["1", "1", #"["a", "b"]"#, "true", #""line\nbreak 🙂""#, nil, nil, nil, nil],
            ["2", "2", nil, "false", nil, #"{"k": [1, 2]}"#, "12345678901", "1e400", nil],
            ["3", nil, nil, nil, nil, nil, nil, nil, lines[2]],
        ])
    }

    @Test func withShapeLinesAJSONLinesSnapshotHoldsEachRecordAsItsLine() throws {
        let pipeline = try Pipeline("snapshot-jsonl-lines")
        let lines = [#"{"id": 1, "tags": ["a", "b"], "ok": true, "note": "line\nbreak 🙂"}"#,
                     #"{"id": 2, "meta": {"k": [1, 2]}, "ok": false, "n": 12345678901, "x": 1e400}"#]
        try pipeline.write(lines.joined(separator: "\n") + "\n", to: "events.jsonl")
        let sync = try pipeline.etlHost("sync", "jsonl", "sqlite", "-s", "path=events.jsonl", "-s", "shape=lines", "--quiet")
        #expect(sync.status == 0, "\(sync.stderr)")

        let dump = try SnapshotDump(try pipeline.snapshotFile())
        #expect(dump.names == ["_record", "_line"])
        #expect(dump.types == ["string", "int64"])
        #expect(dump.metadata[0] == ["etl.record": "1"])
        #expect(dump.rows == [[lines[0], "1"], [lines[1], "2"]])
    }

    @Test func typedDoublesKeepEveryBitInTheSnapshotAndInItsReplay() throws {
        let pipeline = try Pipeline("snapshot-typed")
        try pipeline.sandbox.install(try pipeline.sandbox.buildDoubles())
        // SQLite has no NaN: row 6 is set aside, the snapshot keeps it.
        let sync = try pipeline.etlHost("sync", "doubles", "sqlite", "-s", "count=7", "--max-bad-rows", "1", "--quiet")
        #expect(sync.status == 0, "\(sync.stderr)")

        let dump = try SnapshotDump(try pipeline.snapshotFile())
        #expect(dump.names == ["n", "v", "code"])
        #expect(dump.types == ["int64", "double", "string"])
        let doubles: [Double] = [1.5, .infinity, -.infinity, -0.0, Double("1e-320")!, .nan, 1.75]
        #expect(dump.rows == doubles.enumerated().map { index, value in
            ["\(index + 1)", "bits:\(value.bitPattern)", "\(index + 1)"]
        })


        // Without the NaN row, replay loads exactly what the sync loaded.
        let five = try pipeline.etlHost("sync", "doubles", "sqlite", "-s", "count=5", "-d", "path=five.db", "--quiet")
        #expect(five.status == 0, "\(five.stderr)")
        let id = try #require(try pipeline.runIDs().last)
        let replay = try pipeline.etlHost("replay", id, "sqlite", "-d", "path=rebuilt.db", "--quiet")
        #expect(replay.status == 0, "\(replay.stderr)")
        let query = "SELECT n, v, code, typeof(v) FROM numbers ORDER BY n"
        let loaded = try SQLiteInspector(path: pipeline.sandbox.root + "/five.db").rows(query)
        #expect(loaded.count == 5)
        #expect(try SQLiteInspector(path: pipeline.sandbox.root + "/rebuilt.db").rows(query) == loaded)
    }

    @Test func aSnapshotOfAnEarlierVersionInGzipJSONLinesStillReplays() throws {
        // Tests/Fixtures/Snapshots/v1: the state folder of etl-host before typed
        // snapshots (642e97d), after syncing orders.csv and events.jsonl there.
        let pipeline = try Pipeline("snapshot-v1")
        try FileManager.default.copyItem(atPath: TestSupport.repositoryRoot + "/Tests/Fixtures/Snapshots/v1/runs",
                                         toPath: pipeline.state + "/runs")
        let ids = try pipeline.runIDs()
        #expect(ids == ["20261206T093926990Z-f146b490", "20261206T093927625Z-c9b41987"])
        for id in ids {
            let replay = try pipeline.etlHost("replay", id, "sqlite", "-d", "path=rebuilt.db", "--quiet")
            #expect(replay.status == 0, "\(replay.stderr)")
        }
        let rebuilt = try SQLiteInspector(path: pipeline.sandbox.root + "/rebuilt.db")
        #expect(try rebuilt.rows("SELECT * FROM orders ORDER BY rowid") == [
            ["1", "apple", "1.5", "2024-01-02"], ["2", "pear, green", "2.0", "2024-02-03"], ["3", "fig", nil, "2024-03-04"],
        ])
        #expect(try rebuilt.rows("SELECT * FROM events ORDER BY rowid") == [
            ["1", "2024-05-01T10:00:00.000000Z", "[\"a\", \"b\"]", "1", "line\nbreak 🙂", nil, nil, nil],
            ["2", "2024-05-02T11:30:00.250000Z", nil, "0", nil, "{\"k\": [1, 2]}", "12345678901", "1e400"],
        ])
    }
}

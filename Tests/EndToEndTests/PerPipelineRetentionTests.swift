import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// Snapshots are kept per pipeline, and `replay` finds a run's warehouse
/// from any folder (issue 16's trust fixes), through the built binary.
@Suite struct PerPipelineRetentionTests {
    typealias Pipeline = RunHistoryTests.Pipeline

    static let orders = RunHistoryTests.orders

    @Test func runsOfOnePipelineNeverDeleteAnotherPipelinesSnapshots() throws {
        let pipeline = try Pipeline("retention-per-pipeline")
        try pipeline.write(Self.orders, to: "orders.csv")
        #expect(try pipeline.etlHost("sync", "csv", "sqlite", "-s", "path=orders.csv", "-d", "path=b.db", "--pipeline", "b", "--quiet").status == 0)
        for _ in 0..<3 {
            let sync = try pipeline.etlHost("sync", "csv", "sqlite", "-s", "path=orders.csv", "-d", "path=a.db", "--pipeline", "a",
                                            "--keep-snapshots", "1", "--quiet")
            #expect(sync.status == 0, "\(sync.stderr)")
        }
        let runs = try pipeline.runs()
        #expect(runs.map { $0["pipeline"] as? String } == ["b", "a", "a", "a"])
        #expect(runs.map { $0["snapshot"] as? Bool } == [true, false, false, true])
        let onDisk = runs.map { FileManager.default.fileExists(atPath: pipeline.state + "/runs/\($0["id"] as! String)/snapshot") }
        #expect(onDisk == [true, false, false, true])
    }

    @Test func keepForKeepsYoungSnapshotsAndRefusesAnUnreadableAge() throws {
        let pipeline = try Pipeline("retention-keep-for")
        try pipeline.write(Self.orders, to: "orders.csv")
        for _ in 0..<3 {
            let sync = try pipeline.etlHost("sync", "csv", "sqlite", "-s", "path=orders.csv", "--keep-snapshots", "1", "--keep-for", "1d", "--quiet")
            #expect(sync.status == 0, "\(sync.stderr)")
        }
        #expect(try pipeline.runs().map { $0["snapshot"] as? Bool } == [true, true, true])
        let bad = try pipeline.etlHost("sync", "csv", "sqlite", "-s", "path=orders.csv", "--keep-for", "3x")
        #expect(bad.status == 64)
        #expect(bad.stderr == "etl-host: error: --keep-for: '3x' is not a duration: write a whole number and a unit, s (seconds), m (minutes), h (hours) or d (days), e.g. 90s, 10m, 26h, 1h30m\n")
        #expect(try pipeline.runs().count == 3)
    }

    @Test func snapshotsGoToTheSnapshotDirAndReplayAndPruneThere() throws {
        let pipeline = try Pipeline("snapshot-dir")
        try pipeline.write(Self.orders, to: "orders.csv")
        let bucket = pipeline.sandbox.root + "/bucket"
        try FileManager.default.createDirectory(atPath: bucket, withIntermediateDirectories: true)
        for _ in 0..<3 {
            let sync = try pipeline.etlHost("sync", "csv", "sqlite", "-s", "path=orders.csv", "--snapshot-dir", "bucket", "--keep-snapshots", "2", "--quiet")
            #expect(sync.status == 0, "\(sync.stderr)")
        }
        let runs = try pipeline.runs()
        let ids = runs.map { $0["id"] as! String }
        #expect(runs.map { $0["snapshot_folder"] as? String } == ids.map { bucket + "/" + $0 })
        #expect(try FileManager.default.contentsOfDirectory(atPath: bucket).sorted() == Array(ids.suffix(2)))
        #expect(try FileManager.default.contentsOfDirectory(atPath: bucket + "/" + ids[2]).sorted() == ["1.arrow", "1.manifest.json"])
        #expect(!FileManager.default.fileExists(atPath: pipeline.state + "/runs/\(ids[2])/snapshot"))
        #expect(runs.map { $0["snapshot"] as? Bool } == [false, true, true])

        let replay = try pipeline.etlHost("replay", ids[2], "sqlite", "-d", "path=rebuilt.db", "--quiet")
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(try SQLiteInspector(path: pipeline.sandbox.root + "/rebuilt.db").rows("SELECT count(*) FROM orders") == [["3"]])
        let show = try pipeline.etlHost("runs", "show", ids[2])
        #expect(show.stdout.contains("Snapshot: \(bucket)/\(ids[2]) (replay with"), "\(show.stdout)")

        let unmounted = try pipeline.etlHost("sync", "csv", "sqlite", "-s", "path=orders.csv", "--quiet",
                                             environment: ["ETL_SNAPSHOT_DIR": pipeline.sandbox.root + "/nas"])
        #expect(unmounted.status == 64)
        #expect(unmounted.stderr == "etl-host: error: ETL_SNAPSHOT_DIR: the folder '\(pipeline.sandbox.root)/nas' does not exist (is it mounted?); create it first, snapshots never go to a folder made in its place\n")
        #expect(!FileManager.default.fileExists(atPath: pipeline.sandbox.root + "/nas"))
    }

    @Test func replayFromAnotherFolderLoadsTheRunsOwnWarehouse() throws {
        let pipeline = try Pipeline("replay-elsewhere")
        try pipeline.write(Self.orders, to: "orders.csv")
        #expect(try pipeline.etlHost("sync", "csv", "sqlite", "-s", "path=orders.csv", "-d", "path=warehouse.db", "--quiet").status == 0)
        let run = try #require(try pipeline.runs().first)
        let id = try #require(run["id"] as? String)
        #expect(run["working_directory"] as? String == URL(fileURLWithPath: pipeline.sandbox.root).resolvingSymlinksInPath().path)
        let warehouse = pipeline.sandbox.root + "/warehouse.db"
        let loaded = try SQLiteInspector(path: warehouse).rows("SELECT * FROM orders ORDER BY rowid")
        _ = try SQLiteInspector(path: warehouse, writable: true).rows("DELETE FROM orders")
        #expect(try SQLiteInspector(path: warehouse).rows("SELECT count(*) FROM orders") == [["0"]])

        let elsewhere = pipeline.sandbox.root + "/elsewhere"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        let replay = try TestSupport.run(TestSupport.hostExecutable, ["replay", id, "--quiet"],
                                         environment: pipeline.sandbox.environment.merging(["ETL_STATE_DIR": pipeline.state]) { $1 },
                                         currentDirectory: elsewhere)
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(try SQLiteInspector(path: warehouse).rows("SELECT * FROM orders ORDER BY rowid") == loaded)
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere) == [])
    }

    @Test func replayOfARunWhoseFolderIsGoneSaysSo() throws {
        let pipeline = try Pipeline("replay-folder-gone")
        let folder = pipeline.sandbox.root + "/project"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(Self.orders.utf8).write(to: URL(fileURLWithPath: folder + "/orders.csv"))
        let environment = pipeline.sandbox.environment.merging(["ETL_STATE_DIR": pipeline.state]) { $1 }
        let sync = try TestSupport.run(TestSupport.hostExecutable, ["sync", "csv", "sqlite", "-s", "path=orders.csv", "--quiet"],
                                       environment: environment, currentDirectory: folder)
        #expect(sync.status == 0, "\(sync.stderr)")
        let id = try #require(try pipeline.runs().first?["id"] as? String)
        let recorded = try #require(try pipeline.runs().first?["working_directory"] as? String)
        try FileManager.default.removeItem(atPath: folder)

        let replay = try pipeline.etlHost("replay", id)
        #expect(replay.status == 64)
        #expect(replay.stderr == "etl-host: error: run \(id) ran in the folder '\(recorded)', which no longer exists, so its warehouse config cannot be found; name the warehouse to load: etl-host replay \(id) sqlite -d KEY=VALUE\n")
        #expect(!FileManager.default.fileExists(atPath: pipeline.sandbox.root + "/warehouse.db"))
    }
}

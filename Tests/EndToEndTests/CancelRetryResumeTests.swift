import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// SIGINT/SIGTERM, the host's retry of transient stream failures, and
/// resuming an interrupted incremental sync, through the built binary.
@Suite struct CancelRetryResumeTests {
    static let base = "appResilience0001"

    /// An Airtable record id: `rec` and 14 letters and digits.
    static func id(_ table: String, _ n: Int) -> String {
        "rec" + String((table + "00000000").prefix(8)) + String(format: "%06d", n)
    }

    static func fixture(tables: [String], records: Int) -> [String: Any] {
        ["bases": [["id": base, "tables": tables.map { table in [
            "name": table,
            "fields": [["name": "Name", "type": "singleLineText"], ["name": "N", "type": "number", "options": ["precision": 0]]],
            "records": (1...records).map { ["id": id(table, $0), "fields": ["Name": "\(table)\($0)", "N": $0]] },
        ] as [String: Any] }]]]
    }

    static func environment(_ sandbox: HostSandbox, _ extra: [String: String] = [:]) -> [String: String] {
        sandbox.environment.merging(["ETL_STATE_DIR": sandbox.root + "/state", "AIRTABLE_TOKEN": AirtableServer.defaultToken]) { $1 }
            .merging(extra) { $1 }
    }

    static func runs(_ sandbox: HostSandbox) throws -> [[String: Any]] {
        let result = try TestSupport.run(TestSupport.hostExecutable, ["runs", "--json"], environment: environment(sandbox), currentDirectory: sandbox.root)
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] ?? []
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func aSignalMidRunCancelsCleanlyWithExitCode130(signal: Int32) throws {
        let server = try AirtableServer(fixture: Self.fixture(tables: ["Slow"], records: 600))
        let sandbox = try HostSandbox("cancel")
        // The previous state of the warehouse, which must survive.
        let seed = sandbox.root + "/seed.csv"
        try Data("id,v\n1,keep\n".utf8).write(to: URL(fileURLWithPath: seed))
        #expect(try TestSupport.run(TestSupport.hostExecutable, ["sync", "csv", "sqlite", "-s", "path=seed.csv", "--quiet"],
                                    environment: Self.environment(sandbox), currentDirectory: sandbox.root).status == 0)
        let before = try SQLiteInspector(path: sandbox.root + "/warehouse.db").dump()

        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestSupport.hostExecutable)
        process.arguments = ["sync", "airtable", "sqlite", "-s", "base=\(Self.base)", "-s", "api_url=\(server.url)",
                             "-s", "requests_per_second=2", "--quiet", "--log-level", "debug"]
        process.environment = Self.environment(sandbox)
        process.currentDirectoryURL = URL(fileURLWithPath: sandbox.root)
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        // Wait (a blocking read of its standard error) until the plugin says the read is under way.
        var early = Data()
        while !String(decoding: early, as: UTF8.self).contains("reading table \"Slow\"") {
            let chunk = errors.fileHandleForReading.availableData
            try #require(!chunk.isEmpty, "etl-host ended before reading: \(String(decoding: early, as: UTF8.self))")
            early.append(chunk)
        }
        // Never kill(0, ...): that would signal this whole process group.
        let pid = process.processIdentifier
        try #require(pid > 0 && process.isRunning, "etl-host is not running: \(process.terminationStatus)")
        let sent = Date()
        kill(pid, signal)
        process.waitUntilExit()
        let stderr = String(decoding: early + errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationReason == .exit && process.terminationStatus == 130, "\(stderr)")
        #expect(Date().timeIntervalSince(sent) < 5, "cancellation took \(Date().timeIntervalSince(sent)) s")
        let name = signal == SIGINT ? "SIGINT" : "SIGTERM"
        #expect(stderr.contains("etl-host: received \(name): cancelling the run"), "\(stderr)")
        #expect(try SQLiteInspector(path: sandbox.root + "/warehouse.db").dump() == before)
        let run = try #require(try Self.runs(sandbox).last)
        #expect(run["status"] as? String == "cancelled", "\(run)")
        #expect((run["streams"] as? [[String: Any]])?.first?["status"] as? String == "cancelled")
        // Nothing was left to replay half a stream.
        #expect(run["snapshot"] as? Bool == false)
    }

    @Test func aStreamThatFailsTransientlyIsRetriedByTheHostAndCompletesExactly() throws {
        let server = try AirtableServer(fixture: Self.fixture(tables: ["Flaky"], records: 250))
        // The plugin retries once, then gives up (retryable): the host runs the stream again.
        try server.addFaults(.init(.unavailable, endpoint: "list", page: "later", count: 2))
        let sandbox = try HostSandbox("retry")
        let result = try TestSupport.run(
            TestSupport.hostExecutable,
            ["sync", "airtable", "sqlite", "-s", "base=\(Self.base)", "-s", "api_url=\(server.url)", "-s", "max_retries=1", "--quiet"],
            environment: Self.environment(sandbox), currentDirectory: sandbox.root)
        #expect(result.status == 0, "\(result.stderr)")
        let db = try SQLiteInspector(path: sandbox.root + "/warehouse.db")
        #expect(try db.rows("SELECT id, name, n FROM flaky ORDER BY id") == (1...250).map {
            [Self.id("Flaky", $0), "Flaky\($0)", "\($0)"]
        })
        let run = try #require(try Self.runs(sandbox).last)
        let retries = try #require(run["retries"] as? [[String: Any]])
        #expect(retries.map { $0["by"] as? String } == ["airtable", "host"], "\(retries)")
        #expect((run["streams"] as? [[String: Any]])?.first?["attempts"] as? Int == 2)
        let show = try TestSupport.run(TestSupport.hostExecutable, ["runs", "show", run["id"] as! String],
                                       environment: Self.environment(sandbox), currentDirectory: sandbox.root)
        #expect(show.stdout.contains("Retries: 2\n"), "\(show.stdout)")
        #expect(show.stdout.contains("  host [Flaky]  attempt 1, waited"), "\(show.stdout)")
    }

    @Test func aPermanentFailureIsNotRetried() throws {
        let server = try AirtableServer(fixture: Self.fixture(tables: ["T"], records: 3))
        try server.addFaults(.init(.status, endpoint: "list", status: 404,
                                   body: #"{"error":{"type":"NOT_FOUND","message":"Could not find what you are looking for"}}"#,
                                   contentType: "application/json"))
        let sandbox = try HostSandbox("no-retry")
        let result = try TestSupport.run(
            TestSupport.hostExecutable, ["sync", "airtable", "sqlite", "-s", "base=\(Self.base)", "-s", "api_url=\(server.url)", "--quiet"],
            environment: Self.environment(sandbox), currentDirectory: sandbox.root)
        #expect(result.status == 1)
        let run = try #require(try Self.runs(sandbox).last)
        #expect((run["retries"] as? [Any])?.isEmpty == true)
        #expect((run["streams"] as? [[String: Any]])?.first?["attempts"] as? Int == 1)
    }

    @Test func anInterruptedIncrementalSyncResumesFromTheLastCommittedCheckpoint() throws {
        let server = try AirtableServer(fixture: Self.fixture(tables: ["A", "B"], records: 120))
        let sandbox = try HostSandbox("resume")
        let arguments = ["sync", "airtable", "sqlite", "-s", "base=\(Self.base)", "-s", "api_url=\(server.url)",
                         "-s", "incremental_lookback_seconds=0", "--mode", "upsert", "--incremental", "--quiet"]
        #expect(try TestSupport.run(TestSupport.hostExecutable, arguments, environment: Self.environment(sandbox),
                                    currentDirectory: sandbox.root).status == 0)
        // Cursors have whole seconds (the server's Date header): the changes happen in a later second on the
        // server's clock than the first sync's cursor, and each later sync starts in a later second still.
        try server.advanceClock(by: 1)
        try server.updateRecords(base: Self.base, table: "A", [["id": Self.id("A", 5), "fields": ["Name": "A5 changed"]]])
        try server.updateRecords(base: Self.base, table: "B", [["id": Self.id("B", 7), "fields": ["Name": "B7 changed"]]])
        _ = try server.addRecords(base: Self.base, table: "B", [["id": Self.id("B", 121), "fields": ["Name": "B121", "N": 121]]])
        try server.advanceClock(by: 1)

        // Killed right after table A committed, before B did.
        let killed = try TestSupport.run(TestSupport.hostExecutable, arguments,
                                         environment: Self.environment(sandbox, ["ETL_CRASH_AT": "committed:1"]), currentDirectory: sandbox.root)
        #expect(killed.signaled, "\(killed)")
        let db = try SQLiteInspector(path: sandbox.root + "/warehouse.db")
        #expect(try db.scalar("SELECT name FROM a WHERE n = 5") == "A5 changed")
        #expect(try db.scalar("SELECT name FROM b WHERE n = 7") == "B7")
        #expect(try Self.runs(sandbox).last?["status"] as? String == "interrupted")

        try server.advanceClock(by: 1)
        try server.clearLog()
        #expect(try TestSupport.run(TestSupport.hostExecutable, arguments, environment: Self.environment(sandbox),
                                    currentDirectory: sandbox.root).status == 0)
        // A continues after its new checkpoint (nothing changed since), B after its old one.
        let lists = try server.log().filter { $0.endpoint == "list" }
        #expect(lists.map(\.records) == [0, 2], "\(lists.map { ($0.tableName ?? "", $0.records ?? -1) })")
        #expect(try db.rows("SELECT count(*), count(DISTINCT id) FROM a") == [["120", "120"]])
        #expect(try db.rows("SELECT count(*), count(DISTINCT id) FROM b") == [["121", "121"]])
        #expect(try db.scalar("SELECT name FROM b WHERE n = 7") == "B7 changed")
        #expect(try db.scalar("SELECT name FROM b WHERE n = 121") == "B121")
    }

    @Test func parallelStreamsLoadTheSameTablesAsOneAtATime() throws {
        let sandbox = try HostSandbox("parallel")
        for name in ["a", "b", "c", "d"] {
            var text = "id,name,score\n"
            for row in 0..<20_000 { text += "\(row),\(name)\(row),\(Double(row) / 2)\n" }
            try Data(text.utf8).write(to: URL(fileURLWithPath: sandbox.root + "/\(name).csv"))
        }
        let serial = try TestSupport.run(TestSupport.hostExecutable, ["sync", "csv", "sqlite", "-s", "path=*.csv", "-d", "path=serial.db", "--quiet"],
                                         environment: Self.environment(sandbox), currentDirectory: sandbox.root)
        #expect(serial.status == 0, "\(serial.stderr)")
        let parallel = try TestSupport.run(TestSupport.hostExecutable, ["sync", "csv", "sqlite", "-s", "path=*.csv", "-d", "path=parallel.db", "--parallel", "3", "--json"],
                                           environment: Self.environment(sandbox), currentDirectory: sandbox.root)
        #expect(parallel.status == 0, "\(parallel.stderr)")
        let report = try JSONDecoder().decode(SyncReport.self, from: Data(parallel.stdout.utf8))
        #expect(report.streams.map(\.stream) == ["a", "b", "c", "d"])
        #expect(report.streams.map(\.rowsWritten) == [20_000, 20_000, 20_000, 20_000])
        let one = try SQLiteInspector(path: sandbox.root + "/serial.db")
        let other = try SQLiteInspector(path: sandbox.root + "/parallel.db")
        for table in ["a", "b", "c", "d"] {
            #expect(try other.rows("SELECT * FROM \(table) ORDER BY id") == one.rows("SELECT * FROM \(table) ORDER BY id"))
        }
    }
}

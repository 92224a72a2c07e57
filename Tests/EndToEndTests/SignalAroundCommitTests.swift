import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// SIGINT and SIGTERM sent at the moments around each commit of a
/// two-stream run (`ETL_CRASH_AT=<point>:<n>:INT|TERM`: the host signals
/// itself there and goes on only once the signal was handled, so no timing
/// is involved), in replace, append and upsert, into SQLite and
/// PostgreSQL. The exit code, the `--json` summary, the run record and the
/// tables always agree: a stream whose commit returned is `succeeded` with
/// its rows, the others `cancelled` and unchanged; a signal after the last
/// commit is a success (exit 0).
@Suite struct SignalAroundCommitTests {
    /// A moment, the signal sent there, and what must follow.
    struct Moment: Sendable {
        var crashAt: String
        /// The status of streams a and b.
        var streams: [String]
        var runStatus: String { streams.contains("cancelled") ? "cancelled" : "succeeded" }
        var exitCode: Int32 { runStatus == "cancelled" ? 130 : 0 }
    }

    static let moments = [
        // Just before the first commit: nothing is kept.
        Moment(crashAt: "committing:1:TERM", streams: ["cancelled", "cancelled"]),
        // Just after the first commit returned: a stays, b never starts.
        Moment(crashAt: "committed:1:INT", streams: ["succeeded", "cancelled"]),
        // Just after the last commit returned: the run succeeded.
        Moment(crashAt: "committed:2:TERM", streams: ["succeeded", "succeeded"]),
    ]

    static func sync(_ sandbox: HostSandbox, _ target: CrashMatrixTests.Target, mode: String, crashAt: String? = nil) throws -> TestSupport.ProcessResult {
        var arguments = ["sync", "csv", target.label, "-s", "path=src/*.csv", "-s", "batch_rows=1000", "--mode", mode, "--json"]
        arguments += target.destination
        if mode == "upsert" { arguments += ["--primary-key", "id"] }
        return try TestSupport.run(TestSupport.hostExecutable, arguments,
                                   environment: CrashMatrixTests.environment(sandbox, crashAt: crashAt), currentDirectory: sandbox.root)
    }

    /// The one-line `--json` summary of a run.
    static func summary(_ result: TestSupport.ProcessResult) throws -> [String: Any] {
        let lines = result.stdout.split(separator: "\n")
        try #require(lines.count == 1, "not one line: \(result.stdout)")
        return try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
    }

    /// The run's record as the state folder holds it.
    static func record(_ sandbox: HostSandbox, _ id: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: sandbox.root + "/state/runs/\(id)/run.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Runs every moment for `mode` against `target`; `restore` puts the
    /// warehouse back to its state after version 1 (nil: reload it).
    static func matrix(_ target: CrashMatrixTests.Target, mode: String, saveVersionOne: ((HostSandbox) throws -> Void)? = nil,
                       restoreVersionOne: ((HostSandbox) throws -> Void)? = nil) throws {
        let sandbox = try HostSandbox("signal-\(target.label)-\(mode)")
        try FileManager.default.createDirectory(atPath: sandbox.root + "/src", withIntermediateDirectories: true)
        func loadVersionOne() throws {
            try target.reset(sandbox)
            try CrashMatrixTests.writeSources(sandbox, version: 1)
            let first = try sync(sandbox, target, mode: mode)
            #expect(first.status == 0, "\(first.stderr)")
            try CrashMatrixTests.writeSources(sandbox, version: 2)
        }
        try loadVersionOne()
        try saveVersionOne?(sandbox)
        let old = try ["a", "b"].map { try target.digest($0, sandbox) }
        let reference = try sync(sandbox, target, mode: mode)
        #expect(reference.status == 0, "\(reference.stderr)")
        let new = try ["a", "b"].map { try target.digest($0, sandbox) }
        let rows = [3_000, 5]  // version 2 of a and b

        for moment in moments {
            if let restoreVersionOne { try restoreVersionOne(sandbox) } else { try loadVersionOne() }
            let context = "\(target.label) \(mode) at \(moment.crashAt)"
            let result = try sync(sandbox, target, mode: mode, crashAt: moment.crashAt)
            #expect(!result.signaled && result.status == moment.exitCode, "\(context): exit \(result.status)\n\(result.stderr)")
            let summary = try summary(result)
            #expect(summary["status"] as? String == moment.runStatus, "\(context): \(summary)")
            let record = try record(sandbox, try #require(summary["run_id"] as? String))
            #expect(record["status"] as? String == moment.runStatus, "\(context): \(record)")
            for (index, table) in ["a", "b"].enumerated() {
                let expected = moment.streams[index]
                for (source, streams) in [("summary", summary["streams"]), ("record", record["streams"])] {
                    let stream = (streams as? [[String: Any]])?.first { $0["stream"] as? String == table } ?? [:]
                    #expect(stream["status"] as? String == expected, "\(context): \(source) of \(table): \(stream)")
                    #expect(stream["committed"] as? Bool == (expected == "succeeded"), "\(context): \(source) of \(table): \(stream)")
                    #expect(stream["rows_written"] as? Int == (expected == "succeeded" ? rows[index] : 0), "\(context): \(source) of \(table)")
                }
                // The table holds exactly what the record says: the new content once, or the old one.
                let digest = try target.digest(table, sandbox)
                #expect(digest == (expected == "succeeded" ? new[index] : old[index]), "\(context): table \(table): \(digest)")
            }
            if moment.runStatus == "cancelled" {
                let committed = moment.streams[0] == "succeeded" ? "a (3000 rows)" : "none"
                let notCommitted = moment.streams[0] == "succeeded" ? "b (cancelled)" : "a (cancelled), b (cancelled)"
                #expect(result.stderr.hasSuffix("etl-host: run \(summary["run_id"] as? String ?? "") cancelled; committed: \(committed); not committed: \(notCommitted)\n"),
                        "\(context): \(result.stderr)")
            }
        }
    }

    static func sqliteFiles(_ sandbox: HostSandbox) -> [String] {
        ["", "-wal", "-shm"].map { sandbox.root + "/w.db" + $0 }
    }

    @Test(arguments: ["replace", "append", "upsert"])
    func sqlite(mode: String) throws {
        // SQLite's version 1 is restored by copying the file, not by running again.
        try Self.matrix(CrashMatrixTests.SQLiteTarget(), mode: mode, saveVersionOne: { sandbox in
            for path in Self.sqliteFiles(sandbox) where FileManager.default.fileExists(atPath: path) {
                try FileManager.default.copyItem(atPath: path, toPath: path + ".v1")
            }
        }, restoreVersionOne: { sandbox in
            for path in Self.sqliteFiles(sandbox) {
                try? FileManager.default.removeItem(atPath: path)
                if FileManager.default.fileExists(atPath: path + ".v1") { try FileManager.default.copyItem(atPath: path + ".v1", toPath: path) }
            }
        })
    }

    @Test(arguments: ["replace", "append", "upsert"])
    func postgres(mode: String) throws {
        let target = try CrashMatrixTests.PostgresTarget()
        defer { try? target.reset(try HostSandbox("signal-cleanup")) }
        try Self.matrix(target, mode: mode)
    }

    /// With `--log-format json` every line on standard error is JSON, the
    /// signal's and the cancelled run's too.
    @Test func withJSONLogsTheSignalAndTheCancelAreJSONLines() throws {
        let sandbox = try HostSandbox("signal-json-log")
        try FileManager.default.createDirectory(atPath: sandbox.root + "/src", withIntermediateDirectories: true)
        try CrashMatrixTests.writeSources(sandbox, version: 1)
        let result = try TestSupport.run(TestSupport.hostExecutable, ["sync", "csv", "sqlite", "-s", "path=src/*.csv", "-d", "path=w.db",
                                                                      "--json", "--log-format", "json"],
                                         environment: CrashMatrixTests.environment(sandbox, crashAt: "committed:1:TERM"), currentDirectory: sandbox.root)
        #expect(result.status == 130, "\(result.stderr)")
        let runID = try #require(try Self.summary(result)["run_id"] as? String)
        let lines = result.stderr.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(lines.allSatisfy { $0 != nil }, "\(result.stderr)")
        #expect(lines.map { $0?["message"] as? String } == [
            "received SIGTERM: cancelling the run (the stream being loaded is rolled back; streams already committed stay); send it again to stop at once",
            "cancelled (received SIGTERM) while starting stream 'b'",
            "run \(runID) cancelled; committed: a (3000 rows); not committed: b (cancelled)",
        ], "\(result.stderr)")
        #expect(lines.map { $0?["level"] as? String } == ["warn", "warn", "warn"])
    }

    /// `runs show` and the text summary name the streams that committed
    /// before the cancel.
    @Test func aCancelledRunNamesTheStreamsThatCommitted() throws {
        let sandbox = try HostSandbox("signal-show")
        try FileManager.default.createDirectory(atPath: sandbox.root + "/src", withIntermediateDirectories: true)
        try CrashMatrixTests.writeSources(sandbox, version: 1)
        let result = try TestSupport.run(TestSupport.hostExecutable, ["sync", "csv", "sqlite", "-s", "path=src/*.csv", "-d", "path=w.db"],
                                         environment: CrashMatrixTests.environment(sandbox, crashAt: "committed:1:INT"), currentDirectory: sandbox.root)
        #expect(result.status == 130, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.last == "Committed: a (3000 rows); not committed: b (cancelled)", "\(result.stdout)")
        let show = try TestSupport.run(TestSupport.hostExecutable, ["runs", "show", String(lines[0].dropFirst(4).prefix(28))],
                                       environment: CrashMatrixTests.environment(sandbox), currentDirectory: sandbox.root)
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stdout.contains("  status:    cancelled\n"), "\(show.stdout)")
        #expect(show.stdout.contains("\n  committed: a (3000 rows); not committed: b (cancelled)\n"), "\(show.stdout)")
    }
}

import CSQLite
import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// The exit status tells the truth: a plugin's exit(0) is never a success,
/// a config problem found after start-up is 64, a failure before any
/// stream still gives its one-line JSON summary (and a JSON fatal line with
/// --log-format json), an unusable state folder gets one line naming it,
/// and the spool of a killed run goes with the next run of any pipeline.
@Suite struct ExitStatusTests {
    /// A sandbox with its own state folder and the `exits` fixture
    /// installed (tests/Fixtures/CPlugins/exits.c).
    static func sandboxWithExits(_ label: String) throws -> HostSandbox {
        let sandbox = try HostSandbox(label)
        let library = try sandbox.compile(["Tests/Fixtures/CPlugins/exits.c"], name: "libexits.so")
        let installed = try sandbox.etlHost("plugins", "install", library)
        #expect(installed.status == 0, "\(installed.stderr)")
        return sandbox
    }

    static func run(_ sandbox: HostSandbox, _ arguments: [String], _ extra: [String: String] = [:]) throws -> TestSupport.ProcessResult {
        try TestSupport.run(TestSupport.hostExecutable, arguments,
                            environment: sandbox.environment.merging(["ETL_STATE_DIR": sandbox.root + "/state"]) { $1 }.merging(extra) { $1 },
                            currentDirectory: sandbox.root)
    }

    static func runs(_ sandbox: HostSandbox) throws -> [[String: Any]] {
        let result = try run(sandbox, ["runs", "--json"])
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] ?? []
    }

    static func jsonObject(_ line: Substring) -> [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
    }

    /// `value` as JSON text with sorted keys (nil when it is absent).
    static func sortedJSON(_ value: Any?) throws -> String? {
        guard let value else { return nil }
        return String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]), as: UTF8.self)
    }

    static let message = "the process was ended by a call to exit() while %@, not by etl-host: a plugin (or a library it uses) must return an error instead of exiting"

    @Test func aPluginThatCallsExitZeroInInitIsRefusedWithExitCode2() throws {
        let sandbox = try Self.sandboxWithExits("exit-init")
        let result = try Self.run(sandbox, ["sync", "exits", "sqlite", "-s", "rows=5", "--streams", "numbers"], ["ETL_FIXTURE_EXIT_AT": "init"])
        #expect(!result.signaled && result.status == 2, "\(result.status) \(result.stderr)")
        // The library is not @host/, so its first load is a probe in a child process, which sees the exit.
        #expect(result.stderr.hasPrefix("etl-host: error: plugin 'exits': refused by its probe in a child process: probing plugin 'exits-"), "\(result.stderr)")
        #expect(result.stderr.hasSuffix(".so' failed: the probe process ended with exit 0 before reporting: the plugin (or a library it uses) called exit() during init instead of returning an error\n"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.root + "/warehouse.db"))
        #expect(try Self.runs(sandbox).isEmpty)  // no run was started
    }

    @Test func aProbeStoppedBySIGTERMIsCancelledAndNotRememberedAsAFailure() throws {
        let sandbox = try Self.sandboxWithExits("term-probe")
        let stopped = try Self.run(sandbox, ["sync", "exits", "sqlite", "-s", "rows=5", "--streams", "numbers"], ["ETL_FIXTURE_TERM_IN": "init"])
        #expect(!stopped.signaled && stopped.status == 130, "\(stopped.status) \(stopped.stderr)")
        #expect(stopped.stderr == "etl-host: error: plugin 'exits': its probe in a child process was stopped by SIGTERM before it finished; nothing was loaded or remembered\n")
        #expect(!FileManager.default.fileExists(atPath: sandbox.root + "/warehouse.db"))
        // Nothing was remembered about the library: the next run probes it again and loads.
        let next = try Self.run(sandbox, ["sync", "exits", "sqlite", "-s", "rows=5", "--streams", "numbers"])
        #expect(next.status == 0, "\(next.stderr)")
        #expect(try SQLiteInspector(path: sandbox.root + "/warehouse.db").scalar("SELECT count(*) FROM numbers") == "5")
    }

    @Test(arguments: ["open", "read"])
    func aPluginThatCallsExitZeroDuringARunFailsTheRun(place: String) throws {
        let sandbox = try Self.sandboxWithExits("exit-\(place)")
        let result = try Self.run(sandbox, ["sync", "exits", "sqlite", "-s", "rows=5", "--streams", "numbers", "--json"], ["ETL_FIXTURE_EXIT_AT": place])
        #expect(!result.signaled && result.status == 1, "\(result.status) \(result.stderr)")
        let during = place == "read" ? " (during stream 'numbers')" : ""
        let error = String(format: Self.message, "the run was under way") + during
        #expect(result.stderr == "etl-host: error: \(error)\n")
        let run = try #require(try Self.runs(sandbox).last)
        #expect(run["status"] as? String == "failed", "\(run)")
        #expect(run["error"] as? String == error)
        #expect(run["error_detail"] == nil, "an exit() has no fields")
        // --json still gives its one line.
        let line = try #require(result.stdout.split(separator: "\n").first)
        let summary = try #require(Self.jsonObject(line))
        #expect(result.stdout.split(separator: "\n").count == 1)
        #expect(summary["run_id"] as? String == run["id"] as? String)
        #expect(summary["status"] as? String == "failed")
        #expect(summary["error"] as? String == error)
        // Nothing was loaded: the SQLite file is created by the first load's begin, which never came.
        #expect(!FileManager.default.fileExists(atPath: sandbox.root + "/warehouse.db"))
    }

    @Test func aPluginOpenRefusingAValueIsAConfigProblem64WithAJSONSummaryAndFatalLine() throws {
        let sandbox = try Self.sandboxWithExits("exit-open-refused")
        // -1 passes the config schema (an integer); the plugin's open refuses it with ETL_ERR_INVALID_ARGUMENT.
        let text = try Self.run(sandbox, ["sync", "exits", "sqlite", "-s", "rows=-1", "--streams", "numbers"])
        let error = "plugin 'exits': open failed: config \"rows\" must be an integer of 0 or more [ETL_ERR_INVALID_ARGUMENT (2)]"
        #expect(text.status == 64, "\(text.stderr)")
        #expect(text.stderr == "etl-host: error: \(error)\n")

        let json = try Self.run(sandbox, ["sync", "exits", "sqlite", "-s", "rows=-1", "--streams", "numbers", "--json", "--log-format", "json"])
        #expect(json.status == 64, "\(json.stderr)")
        let lines = json.stdout.split(separator: "\n")
        #expect(lines.count == 1, "\(json.stdout)")
        let line = try #require(lines.first)
        let summary = try #require(Self.jsonObject(line))
        let run = try #require(try Self.runs(sandbox).last)
        #expect(summary["run_id"] as? String == run["id"] as? String)
        #expect(summary["status"] as? String == "failed")
        #expect(summary["error"] as? String == error)
        // The error's fields beside its text (additive: `error` is unchanged).
        let detail = try #require(summary["error_detail"] as? [String: Any], "\(line)")
        #expect(detail.keys.sorted() == ["kind", "plugin", "plugin_status"])
        #expect(detail["kind"] as? String == "invalidArgument")
        #expect(detail["plugin"] as? String == "exits")
        #expect(detail["plugin_status"] as? Int == 2)
        #expect(run["status"] as? String == "failed")
        #expect(run["error"] as? String == error)
        #expect(try Self.sortedJSON(run["error_detail"]) == #"{"kind":"invalidArgument","plugin":"exits","plugin_status":2}"#)
        let fatalLine = try #require(json.stderr.split(separator: "\n").last)
        let fatal = try #require(Self.jsonObject(fatalLine), "\(json.stderr)")
        #expect(fatal["level"] as? String == "error")
        #expect(fatal["message"] as? String == error)
        #expect(fatal["run_id"] as? String == run["id"] as? String)
    }

    @Test func aMissingPrimaryKeyForUpsertIs64() throws {
        let sandbox = try HostSandbox("exit-no-key")
        try Data("id,name\n1,a\n".utf8).write(to: URL(fileURLWithPath: sandbox.root + "/items.csv"))
        let result = try Self.run(sandbox, ["sync", "csv", "sqlite", "-s", "path=items.csv", "--mode", "upsert", "--json"])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr == "etl-host: error: stream 'items': --mode upsert needs a primary key; pass --primary-key COLUMN[,COLUMN] (the source defines none)\n")
        #expect(result.stdout.split(separator: "\n").count == 1, "\(result.stdout)")
        #expect(Self.jsonObject(result.stdout.dropLast())?["status"] as? String == "failed")
        // The stream's error fields, in the summary and in the run record alike.
        let expected = #"{"kind":"invalidArgument","stream":"items","table":"items"}"#
        let summaryStream = try #require((Self.jsonObject(result.stdout.dropLast())?["streams"] as? [[String: Any]])?.first)
        #expect(try Self.sortedJSON(summaryStream["error_detail"]) == expected)
        let recordStream = try #require((try Self.runs(sandbox).last?["streams"] as? [[String: Any]])?.first)
        #expect(try Self.sortedJSON(recordStream["error_detail"]) == expected)
        // With JSON logs the stream's error is one JSON line, not a JSON line and a text one.
        let logged = try Self.run(sandbox, ["sync", "csv", "sqlite", "-s", "path=items.csv", "--mode", "upsert", "--log-format", "json"])
        #expect(logged.status == 64)
        let lines = logged.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(logged.stderr)")
        let line = try #require(lines.first.flatMap(Self.jsonObject), "\(logged.stderr)")
        #expect(line["level"] as? String == "error")
        #expect(line["stream"] as? String == "items")
        #expect(line["message"] as? String == "stream 'items': --mode upsert needs a primary key; pass --primary-key COLUMN[,COLUMN] (the source defines none)")
    }

    @Test func aFailureBeforeTheRunStillGivesOneJSONLineAndAJSONFatalLine() throws {
        let sandbox = try HostSandbox("exit-early-json")
        let result = try Self.run(sandbox, ["sync", "csv", "nowhere", "-s", "path=x.csv", "--json", "--log-format", "json"])
        #expect(result.status == 1, "\(result.stderr)")
        let summary = try #require(Self.jsonObject(result.stdout.dropLast()), "\(result.stdout)")
        #expect(summary.keys.sorted() == ["error", "run_id", "status", "streams"])
        #expect(summary["run_id"] is NSNull)
        #expect(summary["status"] as? String == "failed")
        let error = try #require(summary["error"] as? String)
        #expect(error.hasPrefix("no plugin named 'nowhere'"), "\(error)")
        let fatal = try #require(Self.jsonObject(result.stderr.dropLast()), "\(result.stderr)")
        #expect(fatal["level"] as? String == "error")
        #expect(fatal["message"] as? String == error)
    }

    @Test func aRunRefusedBeforeItStartsLeavesNoRunFolder() throws {
        let sandbox = try HostSandbox("exit-refused-early")
        try Data("id\n1\n".utf8).write(to: URL(fileURLWithPath: sandbox.root + "/items.csv"))
        let result = try Self.run(sandbox, ["sync", "csv", "sqlite", "-s", "path=items.csv", "--mode", "append", "--incremental", "--json"])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr == "etl-host: error: extractor 'csv' is not incremental: drop --incremental to read everything\n")
        #expect(Self.jsonObject(result.stdout.dropLast())?["run_id"] is NSNull, "\(result.stdout)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: sandbox.root + "/state/runs").isEmpty)
    }

    /// What fails after a commit (storing rejects) fails the stream as
    /// committed, with its rows: not as if nothing was loaded, and never
    /// retried (append would load the rows twice).
    @Test func aFailureAfterTheCommitReportsTheStreamAsCommitted() throws {
        let sandbox = try HostSandbox("exit-after-commit")
        try Data("id,name\n1,a\n2,b,extra\n3,c\n".utf8).write(to: URL(fileURLWithPath: sandbox.root + "/t.csv"))
        // A view where _etl_rejects should be: storing the rejects fails, after the data's commit.
        var connection: OpaquePointer?
        #expect(sqlite3_open_v2(sandbox.root + "/w.db", &connection, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil) == SQLITE_OK)
        #expect(sqlite3_exec(connection, "CREATE VIEW _etl_rejects AS SELECT 1 AS x", nil, nil, nil) == SQLITE_OK)
        sqlite3_close(connection)
        let result = try Self.run(sandbox, ["sync", "csv", "sqlite", "-s", "path=t.csv", "-d", "path=w.db", "--mode", "append",
                                            "--max-bad-rows", "1", "--json"])
        #expect(result.status == 1, "\(result.stderr)")
        let error = "the 2 rows of 't' were committed, but its 1 rejected records could not be stored in _etl_rejects: plugin 'sqlite': begin append of table '_etl_rejects' failed: \"_etl_rejects\" is a view, not a table; choose another table name or drop the view [ETL_ERR_INVALID_ARGUMENT (2)]"
        #expect(result.stderr == "etl-host: error: \(error)\n")
        let summary = try #require(Self.jsonObject(result.stdout.dropLast()), "\(result.stdout)")
        #expect(summary["status"] as? String == "failed")
        let stream = try #require((summary["streams"] as? [[String: Any]])?.first)
        #expect(stream["status"] as? String == "failed")
        #expect(stream["committed"] as? Bool == true)
        #expect(stream["rows_written"] as? Int == 2)
        #expect(stream["attempts"] as? Int == 1)
        #expect(stream["error"] as? String == error)
        #expect(try SQLiteInspector(path: sandbox.root + "/w.db").rows("SELECT id, name FROM t ORDER BY id") == [["1", "a"], ["3", "c"]])
    }

    @Test func theJSONSummaryOfASucceededRunIsOneLine() throws {
        let sandbox = try HostSandbox("exit-json-line")
        try Data("id,name\n1,a\n".utf8).write(to: URL(fileURLWithPath: sandbox.root + "/items.csv"))
        let result = try Self.run(sandbox, ["sync", "csv", "sqlite", "-s", "path=items.csv", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasSuffix("\n") && result.stdout.split(separator: "\n").count == 1, "\(result.stdout)")
        #expect(Self.jsonObject(result.stdout.dropLast())?["status"] as? String == "succeeded")
    }

    @Test func anUnusableStateFolderGetsOneLineNamingItAndTheFix() throws {
        let sandbox = try HostSandbox("exit-state-folder")
        try Data("id\n1\n".utf8).write(to: URL(fileURLWithPath: sandbox.root + "/items.csv"))
        try Data("not a folder".utf8).write(to: URL(fileURLWithPath: sandbox.root + "/file"))
        let fix = "; set ETL_STATE_DIR to a writable folder (it holds the run history, logs, spool files and snapshots) or fix its permissions\n"
        // A file where the folder should be, and a folder under a file (ENOTDIR, as a read-only file system gives EROFS).
        let onFile = try Self.run(sandbox, ["sync", "csv", "sqlite", "-s", "path=items.csv"], ["ETL_STATE_DIR": sandbox.root + "/file"])
        #expect(onFile.status == 1)
        #expect(onFile.stderr == "etl-host: error: the state folder '\(sandbox.root)/file' cannot be written: it is a file, not a folder" + fix)
        let under = try Self.run(sandbox, ["sync", "csv", "sqlite", "-s", "path=items.csv"], ["ETL_STATE_DIR": sandbox.root + "/file/state"])
        #expect(under.status == 1)
        #expect(under.stderr == "etl-host: error: the state folder '\(sandbox.root)/file/state' cannot be written: not a directory" + fix)
        #expect(!FileManager.default.fileExists(atPath: sandbox.root + "/warehouse.db"))
    }

    @Test func theSpoolOfAKilledRunGoesWithTheNextRunOfAnyPipeline() throws {
        let sandbox = try HostSandbox("exit-spool")
        try Data(CrashMatrixTests.csv(prefix: "a", ids: 0..<3_000).utf8).write(to: URL(fileURLWithPath: sandbox.root + "/a.csv"))
        try Data("id\n1\n".utf8).write(to: URL(fileURLWithPath: sandbox.root + "/other.csv"))
        // Without a snapshot the stream's spool file is in the run's spool folder.
        let killed = try Self.run(sandbox, ["sync", "csv", "sqlite", "-s", "path=a.csv", "-s", "batch_rows=1000", "--quiet", "--no-snapshot"], ["ETL_CRASH_AT": "batch-written:2"])
        #expect(killed.signaled)
        let spool = sandbox.root + "/state/spool"
        let left = try FileManager.default.contentsOfDirectory(atPath: spool)
        #expect(left.count == 1)
        #expect(FileManager.default.fileExists(atPath: spool + "/" + left[0] + "/a.arrow"))
        // `runs` only reads: it leaves the spool alone.
        #expect(try Self.runs(sandbox).last?["status"] as? String == "interrupted")
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool) == left)
        // The next run of another pipeline, even one that fails, removes it.
        let failing = try Self.run(sandbox, ["sync", "csv", "sqlite", "-s", "path=other.csv", "--mode", "sideways", "--pipeline", "other"])
        #expect(failing.status == 64, "\(failing.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool).isEmpty)
    }

    /// A spool folder is judged by its run's lock, not by its pid, which
    /// another process may have been given since (a container started
    /// again gets the same small pids).
    @Test func aSpoolFolderWhosePidLivesOnButWhoseLockIsFreeIsRemoved() throws {
        let sandbox = try HostSandbox("exit-spool-pid")
        try Data("id\n1\n".utf8).write(to: URL(fileURLWithPath: sandbox.root + "/items.csv"))
        let spool = sandbox.root + "/state/spool"
        // Both carry the pid of this (living) test process; only one is locked, by this process.
        for name in ["\(getpid())-1", "\(getpid())-2"] {
            try FileManager.default.createDirectory(atPath: spool + "/" + name, withIntermediateDirectories: true)
            try Data(repeating: 7, count: 1_000).write(to: URL(fileURLWithPath: spool + "/" + name + "/t.spool"))
            #expect(FileManager.default.createFile(atPath: spool + "/" + name + "/.lock", contents: nil))
        }
        let held = open(spool + "/\(getpid())-2/.lock", O_RDWR)
        #expect(held >= 0 && flock(held, LOCK_EX | LOCK_NB) == 0)
        defer { close(held) }
        let result = try Self.run(sandbox, ["sync", "csv", "sqlite", "-s", "path=items.csv", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool) == ["\(getpid())-2"])
    }

    /// `ETL_ERR_DATA` from an extractor's operation is bad data (65), as a
    /// warehouse's is; the plugin's message is named once by the host.
    @Test(arguments: [
        ("open", "plugin 'variant': open failed: row 2 of the source is malformed (asked for in open) [ETL_ERR_DATA (10)]"),
        ("discover", "plugin 'variant': discover failed: row 2 of the source is malformed (asked for in discover) [ETL_ERR_DATA (10)]"),
        ("read", "plugin 'variant': read 'numbers' failed: row 2 of the source is malformed (asked for in read) [ETL_ERR_DATA (10)]"),
    ])
    func anExtractorOperationReturningDataErrorExits65(operation: String, message: String) throws {
        let sandbox = try HostSandbox("exit-extractor-data-\(operation)")
        let library = try sandbox.compile(["Tests/Fixtures/CPlugins/variant.c"], name: "libvariant.so")
        let installed = try sandbox.etlHost("plugins", "install", library)
        #expect(installed.status == 0, "\(installed.stderr)")
        let result = try Self.run(sandbox, ["sync", "variant", "sqlite", "--quiet"], ["VARIANT_DATA_ERROR_IN": operation])
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stderr == "etl-host: error: \(message)\n")
        let withoutTheSwitch = try Self.run(sandbox, ["sync", "variant", "sqlite", "--quiet"])
        #expect(withoutTheSwitch.status == 0, "\(withoutTheSwitch.stderr)")
    }
}

/// ``ExitStatus/of(run:failures:)``: the order in which failures decide.
@Suite struct RunExitStatusTests {
    @Test func theCodeOfARunFollowsItsStatusThenTheFirstApplicableFailure() {
        let config = HostError(.invalidArgument, "no key")
        let data = HostError(.badData, "bad row")
        let plugin = HostError(.pluginFailed, "broken batch")
        let io = HostError(.io, "disk")
        #expect(ExitStatus.of(run: .succeeded, failures: []) == .success)
        #expect(ExitStatus.of(run: .cancelled, failures: [config]) == .cancelled)
        #expect(ExitStatus.of(run: .failed, failures: [io, data]) == .badData)
        #expect(ExitStatus.of(run: .failed, failures: [data, config]) == .usage)
        #expect(ExitStatus.of(run: .failed, failures: [io, plugin]) == .pluginRefused)
        #expect(ExitStatus.of(run: .failed, failures: [io]) == .failure)
        #expect(ExitStatus.of(run: .failed, failures: []) == .failure)
    }
}

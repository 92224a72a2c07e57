import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// Warehouses recover and classify failures honestly, through the built
/// binary: a PostgreSQL restart in the middle of a load is retried on a new
/// connection; values a warehouse refuses exit with 65 (bad data); a run
/// that loads nothing creates no SQLite file.
@Suite struct WarehouseRecoveryTests {
    static func environment(_ sandbox: HostSandbox, _ extra: [String: String] = [:]) -> [String: String] {
        sandbox.environment.merging(["ETL_STATE_DIR": sandbox.root + "/state"]) { $1 }.merging(extra) { $1 }
    }

    static func run(_ sandbox: HostSandbox, _ arguments: [String], _ extra: [String: String] = [:]) throws
        -> TestSupport.ProcessResult
    {
        try TestSupport.run(TestSupport.hostExecutable, arguments, environment: environment(sandbox, extra),
                            currentDirectory: sandbox.root)
    }

    /// How a spawned etl-host ended.
    struct Spawned {
        /// The exit status, or -signal when a signal ended it.
        var status: Int32
        var stderr: String
    }

    /// Runs etl-host with posix_spawn (in the test's current folder: give
    /// absolute paths) and waits for it with waitpid, its output in files
    /// of the sandbox. For the run whose crash command restarts the
    /// server: Foundation's Process missed the end of that run (the test
    /// hung in waitUntilExit with etl-host a zombie).
    static func spawn(_ sandbox: HostSandbox, _ arguments: [String], _ extra: [String: String]) throws -> Spawned {
        let out = sandbox.root + "/spawned.stdout", err = sandbox.root + "/spawned.stderr"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv: [UnsafeMutablePointer<CChar>?] = ([TestSupport.hostExecutable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment(sandbox, extra).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        guard posix_spawn(&child, TestSupport.hostExecutable, &actions, nil, argv, envp) == 0 else {
            throw TestFailure("posix_spawn of etl-host failed: \(String(cString: strerror(errno)))")
        }
        var status: Int32 = 0
        while waitpid(child, &status, 0) == -1, errno == EINTR {}
        let exited = status & 0x7f == 0
        return Spawned(status: exited ? (status >> 8) & 0xff : -(status & 0x7f),
                       stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }

    static func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// The last run's record, from `runs --json`.
    static func lastRun(_ sandbox: HostSandbox) throws -> [String: Any] {
        let result = try run(sandbox, ["runs", "--json"])
        let runs = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
        return try #require(runs?.last)
    }

    // MARK: PostgreSQL restarted mid-run

    /// A PostgreSQL server of this test alone (the restart must not disturb
    /// other tests): port ETL_TEST_RESTART_POSTGRES_PORT, default 54345.
    struct RestartableServer {
        let port: String
        let url: String

        static let script = TestSupport.repositoryRoot + "/scripts/postgres-server"

        init() throws {
            port = ProcessInfo.processInfo.environment["ETL_TEST_RESTART_POSTGRES_PORT"] ?? "54345"
            let started = try TestSupport.run("/bin/sh", ["-c", "ETL_TEST_POSTGRES_PORT=\(port) '\(Self.script)' start"])
            guard started.status == 0, let url = started.stdout.split(separator: "\n").last.map(String.init) else {
                throw TestFailure("scripts/postgres-server start on port \(port) failed: \(started.stderr)")
            }
            self.url = url
        }

        /// The shell command that restarts it (what ETL_CRASH_COMMAND runs).
        var restartCommand: String { "ETL_TEST_POSTGRES_PORT=\(port) '\(Self.script)' restart" }

        func stop() {
            _ = try? TestSupport.run("/bin/sh", ["-c", "ETL_TEST_POSTGRES_PORT=\(port) '\(Self.script)' stop"])
        }
    }

    @Test func aPostgresRestartMidLoadIsRetriedOnANewConnectionAndLoadsEveryRowOnce() throws {
        let server = try RestartableServer()
        defer { server.stop() }
        let sandbox = try HostSandbox("pg-restart")
        let schema = PostgresInspector.uniqueSchema("restart")
        let sync = ["sync", "csv", "postgres", "-d", "url=\(server.url)", "-d", "schema=\(schema)"]
        try Self.write("id,name\n1,Ada\n2,Grace\n", to: sandbox.root + "/people.csv")
        let seeded = try Self.run(sandbox, sync + ["-s", "path=people.csv", "--quiet"])
        #expect(seeded.status == 0, "\(seeded.stderr)")

        // The server restarts right after the first batch went into the
        // load's COPY (ETL_CRASH_COMMAND runs at the crash point and waits).
        try Self.write("id,name\n3,Alan\n4,Edsger\n", to: sandbox.root + "/people.csv")
        let result = try Self.spawn(sandbox, sync + ["-s", "path=\(sandbox.root)/people.csv", "--mode", "append",
                                                     "--max-attempts", "3"],
                                    ["ETL_CRASH_AT": "batch-written", "ETL_CRASH_COMMAND": server.restartCommand])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("etl-host: warn: stream 'people': plugin 'postgres': commit of table 'people' "
            + "failed: table \"people\": loading the rows (COPY) failed: "), "\(result.stderr)")

        let db = try PostgresInspector(url: server.url)
        defer { db.dropSchema(schema) }
        #expect(try db.rows("SELECT id, name FROM \(PostgresInspector.qualified(schema, "people")) ORDER BY id")
            == [["1", "Ada"], ["2", "Grace"], ["3", "Alan"], ["4", "Edsger"]])
        #expect(try db.rows("SELECT mode, status, rows_written FROM \(PostgresInspector.qualified(schema, "_etl_runs")) "
            + "ORDER BY finished_at") == [["replace", "succeeded", "2"], ["append", "succeeded", "2"]])

        let run = try Self.lastRun(sandbox)
        #expect(run["status"] as? String == "succeeded", "\(run)")
        #expect((run["streams"] as? [[String: Any]])?.first?["attempts"] as? Int == 2, "\(run)")
        let retries = try #require(run["retries"] as? [[String: Any]])
        #expect(retries.map { $0["by"] as? String } == ["host"], "\(retries)")
        #expect((retries.first?["reason"] as? String)?.contains("(SQLSTATE 57P01") == true
            || (retries.first?["reason"] as? String)?.contains("was lost") == true, "\(retries)")
        let show = try Self.run(sandbox, ["runs", "show", run["id"] as! String])
        #expect(show.stdout.contains("Retries: 1\n"), "\(show.stdout)")
        #expect(show.stdout.contains("  host [people]  attempt 1, waited"), "\(show.stdout)")
        let port = server.port
        #expect(show.stdout.contains("the connection to 127.0.0.1:\(port), database \"etl_test\", user "
            + "\"postgres\" was lost ("), "\(show.stdout)")
        #expect(show.stdout.contains("opened a new connection to 127.0.0.1:\(port), database \"etl_test\", "
            + "user \"postgres\" (server process "), "\(show.stdout)")
    }

    // MARK: Refused values are bad data (exit 65)

    @Test func aTextWithANulBytePostgresRefusesExitsWith65NamingTableColumnAndRow() throws {
        let sandbox = try HostSandbox("pg-nul")
        let url = try PostgresInspector.serverURL()
        let schema = PostgresInspector.uniqueSchema("nul")
        let db = try PostgresInspector(url: url)
        defer { db.dropSchema(schema) }
        try Self.write("id,name\n1,Ada\n2,Gr\u{0}ace\n", to: sandbox.root + "/people.csv")
        let result = try Self.run(sandbox, ["sync", "csv", "postgres", "-d", "url=\(url)", "-d", "schema=\(schema)",
                                            "-s", "path=people.csv", "--max-attempts", "3", "--quiet"])
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stderr.contains("etl-host: error: plugin 'postgres': commit of table 'people' failed: "
            + "table \"people\": loading the rows (COPY) failed: invalid byte sequence for encoding \"UTF8\": 0x00 "
            + "(SQLSTATE 22021; column \"name\", row 2 of the load) [ETL_ERR_DATA (10)]\n"), "\(result.stderr)")
        #expect(try db.tables(schema: schema).filter { $0 == "people" }.isEmpty)
        // Bad data is never retried.
        #expect((try Self.lastRun(sandbox)["streams"] as? [[String: Any]])?.first?["attempts"] as? Int == 1)
    }

    @Test func aNumberOutOfAPostgresColumnsRangeExitsWith65NamingColumnAndRow() throws {
        let sandbox = try HostSandbox("pg-range")
        let url = try PostgresInspector.serverURL()
        let schema = PostgresInspector.uniqueSchema("range")
        let db = try PostgresInspector(url: url)
        defer { db.dropSchema(schema) }
        let table = PostgresInspector.qualified(schema, "people")
        try db.execute("CREATE SCHEMA \(PostgresInspector.quoted(schema)); CREATE TABLE \(table) (id integer, name text); "
            + "INSERT INTO \(table) VALUES (1, 'Ada')")
        try Self.write("id,name\n2,Grace\n3000000000,Alan\n", to: sandbox.root + "/people.csv")
        let result = try Self.run(sandbox, ["sync", "csv", "postgres", "-d", "url=\(url)", "-d", "schema=\(schema)",
                                            "-s", "path=people.csv", "--mode", "append", "--quiet"])
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stderr.contains("table \"people\": merging the loaded rows (INSERT ... SELECT) failed: integer out "
            + "of range (SQLSTATE 22003; column \"id\", row 2 of the load)"), "\(result.stderr)")
        #expect(try db.rows("SELECT id, name FROM \(table)") == [["1", "Ada"]])
    }

    @Test func aDuplicatePrimaryKeyAppendedIntoSQLiteExitsWith65() throws {
        let sandbox = try HostSandbox("sqlite-dup")
        try Self.write("id,name\n1,Ada\n2,Grace\n", to: sandbox.root + "/people.csv")
        let first = try Self.run(sandbox, ["sync", "csv", "sqlite", "-s", "path=people.csv", "--mode", "upsert",
                                           "--primary-key", "id", "--quiet"])
        #expect(first.status == 0, "\(first.stderr)")
        let before = try SQLiteInspector(path: sandbox.root + "/warehouse.db").rows("SELECT id, name FROM people ORDER BY id")
        try Self.write("id,name\n3,Alan\n2,Grace\n", to: sandbox.root + "/people.csv")
        let result = try Self.run(sandbox, ["sync", "csv", "sqlite", "-s", "path=people.csv", "--mode", "append", "--quiet"])
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stderr.contains("etl-host: error: plugin 'sqlite': write to table 'people' failed: table "
            + "\"people\": INSERT of row 2 failed: UNIQUE constraint failed: people.id (SQLITE_CONSTRAINT_UNIQUE) "
            + "[ETL_ERR_DATA (10)]\n"), "\(result.stderr)")
        #expect(try SQLiteInspector(path: sandbox.root + "/warehouse.db").rows("SELECT id, name FROM people ORDER BY id")
            == before)
    }

    // MARK: A run that loads nothing creates no SQLite file

    @Test func aRunWhoseSourceFailsBeforeTheLoadCreatesNoSQLiteFile() throws {
        let sandbox = try HostSandbox("sqlite-nofile")
        let result = try Self.run(sandbox, ["sync", "csv", "sqlite", "-s", "path=missing.csv", "-d", "path=new.db"])
        #expect(result.status != 0 && result.status != 65, "\(result.stderr)")
        #expect(result.stderr.contains("missing.csv"), "\(result.stderr)")
        let left = try FileManager.default.contentsOfDirectory(atPath: sandbox.root).filter { $0.hasPrefix("new.db") }
        #expect(left == [], "\(left)")
    }

    @Test func aRunWhoseOnlyLoadFailsLeavesNoSQLiteFile() throws {
        let sandbox = try HostSandbox("sqlite-rolledback")
        try Self.write("id,name\n1,Ada\n,Grace\n", to: sandbox.root + "/people.csv")
        let result = try Self.run(sandbox, ["sync", "csv", "sqlite", "-s", "path=people.csv", "-d", "path=new.db",
                                            "--mode", "upsert", "--primary-key", "id", "--quiet"])
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stderr.contains("upsert key column \"id\" is null in row 2 of the load"), "\(result.stderr)")
        let left = try FileManager.default.contentsOfDirectory(atPath: sandbox.root).filter { $0.hasPrefix("new.db") }
        #expect(left == [], "\(left)")
    }

    @Test func anAirtableRunRefusedWith401CreatesNoSQLiteFile() throws {
        let server = try AirtableServer(fixture: CancelRetryResumeTests.fixture(tables: ["People"], records: 2))
        let sandbox = try HostSandbox("sqlite-401")
        let result = try Self.run(sandbox, ["sync", "airtable", "sqlite", "-s", "base=\(CancelRetryResumeTests.base)",
                                            "-s", "api_url=\(server.url)", "-d", "path=new.db"],
                                  ["AIRTABLE_TOKEN": "patWRONG.not-the-token"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("AUTHENTICATION_REQUIRED") || result.stderr.contains("Authentication required"),
                "\(result.stderr)")
        let left = try FileManager.default.contentsOfDirectory(atPath: sandbox.root).filter { $0.hasPrefix("new.db") }
        #expect(left == [], "\(left)")
    }
}

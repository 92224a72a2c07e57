import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// SIGKILL at every crash point of a run (`ETL_CRASH_AT`, see the host's
/// CrashPoint), in replace, append and upsert: afterwards each table holds
/// exactly its previous content or its new one (compared by a digest of
/// every row), no key is duplicated, the state folder and the registry are
/// readable, and the next run succeeds.
@Suite struct CrashMatrixTests {
    /// Twenty-one moments of a run of two streams (`a`: 3 batches, `b`: 1).
    static let moments = [
        "run-recorded", "catalog", "batch-read:1", "batch-read:2", "batch-read:3", "snapshot-written:1", "spooled:1",
        "begun:1", "batch-written:1", "batch-written:2", "batch-written:3", "committing:1", "committed:1",
        "batch-read:4", "snapshot-written:2", "spooled:2", "begun:2", "committing:2", "committed:2",
        "run-finished", "snapshots-pruned",
    ]

    /// A warehouse under test: where it is, how to reset it, how to digest a table.
    protocol Target {
        var label: String { get }
        /// The `-d` settings of a run.
        var destination: [String] { get }
        /// Empties the warehouse.
        func reset(_ sandbox: HostSandbox) throws
        /// count, distinct ids, and sums over every value of `table`.
        func digest(_ table: String, _ sandbox: HostSandbox) throws -> [String?]
    }

    struct SQLiteTarget: Target {
        var label: String { "sqlite" }
        var destination: [String] { ["-d", "path=w.db"] }
        func reset(_ sandbox: HostSandbox) throws {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: sandbox.root + "/w.db" + suffix) }
        }
        func digest(_ table: String, _ sandbox: HostSandbox) throws -> [String?] {
            try SQLiteInspector(path: sandbox.root + "/w.db").rows(CrashMatrixTests.digestSQL(table)).first ?? []
        }
    }

    struct PostgresTarget: Target {
        let url: String
        let schema: String
        init() throws {
            url = try PostgresInspector.serverURL()
            schema = PostgresInspector.uniqueSchema("crash")
        }
        var label: String { "postgres" }
        var destination: [String] { ["-d", "url=\(url)", "-d", "schema=\(schema)"] }
        func reset(_ sandbox: HostSandbox) throws {
            try PostgresInspector(url: url).execute("DROP SCHEMA IF EXISTS \"\(schema)\" CASCADE")
        }
        func digest(_ table: String, _ sandbox: HostSandbox) throws -> [String?] {
            try PostgresInspector(url: url).rows(CrashMatrixTests.digestSQL("\"\(schema)\".\(table)", initial: "ascii")).first ?? []
        }
    }

    /// Count, distinct keys, and sums that change with any id, name or score.
    static func digestSQL(_ table: String, initial: String = "unicode") -> String {
        "SELECT count(*), count(DISTINCT id), sum(id), sum(id * length(name)), sum(id * \(initial)(substr(name, 1, 1))), "
            + "sum(score * (id % 7 + 1)) FROM \(table)"
    }

    static func csv(prefix: String, ids: Range<Int>) -> String {
        var text = "id,name,score\n"
        text.reserveCapacity(ids.count * 24)
        for id in ids { text += "\(id),\(prefix)\(id),\(Double(id) / 4)\n" }
        return text
    }

    /// Writes version `version` (1 or 2) of the two source files.
    static func writeSources(_ sandbox: HostSandbox, version: Int) throws {
        let a = version == 1 ? csv(prefix: "a", ids: 0..<3_000) : csv(prefix: "b", ids: 1_500..<4_500)
        let b = version == 1 ? csv(prefix: "x", ids: 0..<5) : csv(prefix: "y", ids: 3..<8)
        try Data(a.utf8).write(to: URL(fileURLWithPath: sandbox.root + "/src/a.csv"))
        try Data(b.utf8).write(to: URL(fileURLWithPath: sandbox.root + "/src/b.csv"))
    }

    static func environment(_ sandbox: HostSandbox, crashAt: String? = nil) -> [String: String] {
        var environment = sandbox.environment
        environment["ETL_STATE_DIR"] = sandbox.root + "/state"
        if let crashAt { environment["ETL_CRASH_AT"] = crashAt }
        return environment
    }

    static func sync(_ sandbox: HostSandbox, _ target: Target, mode: String, crashAt: String? = nil) throws -> TestSupport.ProcessResult {
        var arguments = ["sync", "csv", target.label, "-s", "path=src/*.csv", "-s", "batch_rows=1000", "--mode", mode, "--quiet", "--keep-snapshots", "3"]
        arguments += target.destination
        if mode == "upsert" { arguments += ["--primary-key", "id"] }
        return try TestSupport.run(TestSupport.hostExecutable, arguments, environment: environment(sandbox, crashAt: crashAt),
                                   currentDirectory: sandbox.root)
    }

    /// Runs the matrix for one mode against `target`.
    static func matrix(_ target: Target, mode: String) throws {
        let sandbox = try HostSandbox("crash-\(target.label)-\(mode)")
        try FileManager.default.createDirectory(atPath: sandbox.root + "/src", withIntermediateDirectories: true)

        // The reference states: after version 1, and after version 2 on top of it.
        func loadVersionOne() throws {
            try target.reset(sandbox)
            try writeSources(sandbox, version: 1)
            let first = try sync(sandbox, target, mode: mode)
            #expect(first.status == 0, "\(first.stderr)")
            try writeSources(sandbox, version: 2)
        }
        try loadVersionOne()
        let old = try ["a", "b"].map { try target.digest($0, sandbox) }
        let reference = try sync(sandbox, target, mode: mode)
        #expect(reference.status == 0, "\(reference.stderr)")
        let new = try ["a", "b"].map { try target.digest($0, sandbox) }
        #expect(old != new)

        for moment in moments {
            try loadVersionOne()
            let killed = try sync(sandbox, target, mode: mode, crashAt: moment)
            #expect(killed.signaled, "\(mode) at \(moment): the run was not killed (\(killed.status)): \(killed.stderr)")
            var after: [[String?]] = []
            for (index, table) in ["a", "b"].enumerated() {
                let digest = try target.digest(table, sandbox)
                after.append(digest)
                #expect(digest == old[index] || digest == new[index], "\(target.label) \(mode), killed at \(moment): table \(table) is neither the old nor the new content: \(digest)")
                if mode != "append" {  // append adds version 2's rows as they are; keys may repeat by design
                    #expect(digest.count > 1 && digest[0] == digest[1], "\(mode) at \(moment): duplicate keys in \(table)")
                }
            }
            // The state folder and the registry are readable.
            let runs = try TestSupport.run(TestSupport.hostExecutable, ["runs", "--json"], environment: environment(sandbox), currentDirectory: sandbox.root)
            #expect(runs.status == 0, "\(moment): \(runs.stderr)")
            let records = try JSONSerialization.jsonObject(with: Data(runs.stdout.utf8)) as? [[String: Any]] ?? []
            // Killed once the end was recorded, the run is on record as it ended.
            let ended = ["run-finished", "snapshots-pruned"].contains(moment)
            #expect(records.last?["status"] as? String == (ended ? "succeeded" : "interrupted"), "\(moment): \(records.last ?? [:])")
            let plugins = try TestSupport.run(TestSupport.hostExecutable, ["plugins", "list"], environment: environment(sandbox), currentDirectory: sandbox.root)
            #expect(plugins.status == 0, "\(moment): \(plugins.stderr)")

            // The next run succeeds and lands on the new content (append
            // adds version 2 once more to whichever state the crash left).
            let next = try sync(sandbox, target, mode: mode)
            #expect(next.status == 0, "\(mode) after a kill at \(moment): \(next.stderr)")
            for (index, table) in ["a", "b"].enumerated() {
                let digest = try target.digest(table, sandbox)
                if mode == "append" {
                    let added = index == 0 ? 3_000 : 5
                    #expect(Int(digest[0] ?? "") == Int(after[index][0] ?? "")! + added, "\(moment): \(table)")
                } else {
                    #expect(digest == new[index], "\(target.label) \(mode): the run after a kill at \(moment) did not reach the new content of \(table)")
                }
            }
        }
    }

    @Test(arguments: ["replace", "append", "upsert"])
    func sqlite(mode: String) throws {
        try Self.matrix(SQLiteTarget(), mode: mode)
    }

    @Test(arguments: ["replace", "append", "upsert"])
    func postgres(mode: String) throws {
        let target = try PostgresTarget()
        defer { try? target.reset(try HostSandbox("crash-cleanup")) }
        try Self.matrix(target, mode: mode)
    }
}

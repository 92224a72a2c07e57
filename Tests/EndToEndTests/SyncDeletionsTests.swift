import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// `--deletions remove|flag` through the built binary: records that left
/// the source leave the warehouse (or are flagged) in the load's
/// transaction, after a full upsert and after an incremental one.
@Suite struct SyncDeletionsTests {
    static let base = "appDeletions00001"

    static func fixture(records: Int) -> [String: Any] {
        ["bases": [["id": base, "tables": [[
            "name": "People",
            "fields": [["name": "Name", "type": "singleLineText"], ["name": "Age", "type": "number", "options": ["precision": 0]]],
            "records": (1...records).map { ["id": String(format: "recDEL%011d", $0), "fields": ["Name": "p\($0)", "Age": $0]] },
        ]]]]]
    }

    static func id(_ n: Int) -> String { String(format: "recDEL%011d", n) }

    private func sync(_ sandbox: HostSandbox, _ server: AirtableServer, _ extra: String...) throws -> TestSupport.ProcessResult {
        let arguments = ["sync", "airtable", "sqlite", "-s", "base=\(Self.base)", "-s", "api_url=\(server.url)",
                         "-s", "incremental_lookback_seconds=0", "--quiet"] + extra
        let result = try TestSupport.run(
            TestSupport.hostExecutable, arguments,
            environment: sandbox.environment.merging(["AIRTABLE_TOKEN": AirtableServer.defaultToken]) { $1 },
            currentDirectory: sandbox.root)
        #expect(result.status == 0, "\(result.stderr)")
        return result
    }

    @Test func incrementalUpsertRemovesRecordsDeletedAtTheSource() throws {
        let server = try AirtableServer(fixture: Self.fixture(records: 150))
        let sandbox = try HostSandbox("deletions-remove")
        _ = try sync(sandbox, server, "--mode", "upsert", "--incremental", "--deletions", "remove")
        let db = try SQLiteInspector(path: sandbox.root + "/warehouse.db")
        #expect(try db.scalar("SELECT count(*) FROM people") == "150")

        // The cursor has whole seconds (the server's Date header): the changes happen in a later second on the
        // server's clock, and the next sync starts in a later one still.
        try server.advanceClock(by: 1)
        try server.updateRecords(base: Self.base, table: "People", [["id": Self.id(2), "fields": ["Name": "changed"]]])
        _ = try server.addRecords(base: Self.base, table: "People", [["id": Self.id(151), "fields": ["Name": "new", "Age": 151]]])
        _ = try server.deleteRecords(base: Self.base, table: "People", ids: [Self.id(3), Self.id(120)])
        try server.advanceClock(by: 1)
        try server.clearLog()
        _ = try sync(sandbox, server, "--mode", "upsert", "--incremental", "--deletions", "remove")

        let expected = (1...151).filter { $0 != 3 && $0 != 120 }.map { n in
            [Self.id(n), n == 2 ? "changed" : n == 151 ? "new" : "p\(n)", "\(n)"] as [String?]
        }
        #expect(try db.rows("SELECT id, name, age FROM people ORDER BY id") == expected)
        // Two changed records listed once, then every id in 2 pages of one cheap field.
        let lists = try server.log().filter { $0.endpoint == "list" }
        #expect(lists.map { $0.params?.filterByFormula != nil } == [true, false, false])
        #expect(lists.map(\.records) == [2, 100, 49])
    }

    @Test func flagKeepsDeletedRecordsWithTheirDeletionTime() throws {
        let server = try AirtableServer(fixture: Self.fixture(records: 5))
        let sandbox = try HostSandbox("deletions-flag")
        _ = try sync(sandbox, server, "--mode", "upsert", "--incremental", "--deletions", "flag")
        let db = try SQLiteInspector(path: sandbox.root + "/warehouse.db")
        #expect(try db.columns("people") == ["id TEXT", "created_time TIMESTAMP_TEXT", "name TEXT", "age INTEGER",
                                             "_etl_deleted_at TIMESTAMP_TEXT"])
        #expect(try db.scalar("SELECT count(*) FROM people WHERE _etl_deleted_at IS NULL") == "5")

        _ = try server.deleteRecords(base: Self.base, table: "People", ids: [Self.id(4)])
        let before = Date()
        _ = try sync(sandbox, server, "--mode", "upsert", "--incremental", "--deletions", "flag")
        #expect(try db.rows("SELECT id, name, _etl_deleted_at IS NOT NULL FROM people ORDER BY id") == (1...5).map { n in
            [Self.id(n), "p\(n)", n == 4 ? "1" : "0"]
        })
        let stamp = try #require(try db.scalar("SELECT _etl_deleted_at FROM people WHERE id = '\(Self.id(4))'"))
        let flaggedAt = try #require(ISO8601DateFormatter.withFractions.date(from: stamp))
        #expect(flaggedAt.timeIntervalSince(before) > -1 && flaggedAt.timeIntervalSince(before) < 10, "\(stamp)")
        // The stored schema knows the column, so a later run keeps it.
        #expect(try db.scalar("SELECT count(*) FROM _etl_schemas WHERE schema_json LIKE '%_etl_deleted_at%'") == "1")
    }

    @Test func fullUpsertOfACSVFileRemovesRowsNoLongerInIt() throws {
        let sandbox = try HostSandbox("deletions-csv")
        let path = sandbox.root + "/people.csv"
        try Data("id,name\n1,a\n2,b\n3,c\n".utf8).write(to: URL(fileURLWithPath: path))
        let first = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=\(path)", "--mode", "upsert", "--primary-key", "id",
                                        "--deletions", "remove", "--quiet")
        #expect(first.status == 0, "\(first.stderr)")
        try Data("id,name\n3,C\n4,d\n".utf8).write(to: URL(fileURLWithPath: path))
        let second = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=\(path)", "--mode", "upsert", "--primary-key", "id",
                                         "--deletions", "remove", "--quiet")
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try SQLiteInspector(path: sandbox.root + "/warehouse.db").rows("SELECT id, name FROM people ORDER BY id")
            == [["3", "C"], ["4", "d"]])
    }

    @Test func postgresRemovesOrFlagsRowsNoLongerInTheSource() throws {
        let url = try PostgresInspector.serverURL()
        let schema = PostgresInspector.uniqueSchema("deletions")
        let inspector = try PostgresInspector(url: url)
        defer { inspector.dropSchema(schema) }
        let sandbox = try HostSandbox("deletions-postgres")
        let path = sandbox.root + "/people.csv"
        func sync(_ deletions: String, stream: String) throws {
            let result = try sandbox.etlHost("sync", "csv", "postgres", "-s", "path=\(path)", "-s", "stream=\(stream)",
                                             "-d", "url=\(url)", "-d", "schema=\(schema)", "--mode", "upsert",
                                             "--primary-key", "id", "--deletions", deletions, "--quiet")
            #expect(result.status == 0, "\(result.stderr)")
        }
        try Data("id,name\n1,a\n2,b\n3,c\n".utf8).write(to: URL(fileURLWithPath: path))
        try sync("remove", stream: "removed")
        try sync("flag", stream: "flagged")
        // 1 is gone, 3 changed, 4 is new; 2 is unchanged (the merge skips it, it must stay).
        try Data("id,name\n2,b\n3,C\n4,d\n".utf8).write(to: URL(fileURLWithPath: path))
        try sync("remove", stream: "removed")
        try sync("flag", stream: "flagged")
        #expect(try inspector.rows("SELECT id, name FROM \"\(schema)\".removed ORDER BY id") == [["2", "b"], ["3", "C"], ["4", "d"]])
        #expect(try inspector.rows("SELECT id, name, _etl_deleted_at IS NOT NULL FROM \"\(schema)\".flagged ORDER BY id")
            == [["1", "a", "t"], ["2", "b", "f"], ["3", "C", "f"], ["4", "d", "f"]])
        // 1 comes back: its flag is cleared.
        try Data("id,name\n1,a\n2,b\n3,C\n4,d\n".utf8).write(to: URL(fileURLWithPath: path))
        try sync("flag", stream: "flagged")
        #expect(try inspector.rows("SELECT count(*) FROM \"\(schema)\".flagged WHERE _etl_deleted_at IS NOT NULL") == [["0"]])
    }

    @Test func misuseIsRefusedBeforeAnythingIsRead() throws {
        let sandbox = try HostSandbox("deletions-misuse")
        let path = sandbox.root + "/people.csv"
        try Data("id,name\n1,a\n".utf8).write(to: URL(fileURLWithPath: path))
        let replace = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=\(path)", "--deletions", "remove")
        #expect(replace.status == 64)
        #expect(replace.stderr.contains("--deletions remove needs --mode upsert: replace already drops what the source no longer has"), "\(replace.stderr)")
        let unknown = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=\(path)", "--mode", "upsert", "--deletions", "purge")
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("unknown --deletions 'purge'; use keep, remove or flag"), "\(unknown.stderr)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.root + "/warehouse.db"))
    }
}

extension ISO8601DateFormatter {
    /// `2024-05-01T10:00:00.123456Z`.
    nonisolated(unsafe) static let withFractions: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()
}

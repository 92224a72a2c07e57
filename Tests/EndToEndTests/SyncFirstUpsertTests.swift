import ETLTestSupport
import Foundation
import Testing

/// The first `--mode upsert` into a table that does not exist yet, through
/// the built binary: keys the file repeats end as one row per key holding
/// the key's last row, and a second upsert then merges into that table.
/// (The warehouses build the key index after such a first load: bench/first-upsert.)
@Suite struct SyncFirstUpsertTests {
    /// 40 rows over the keys 0...14 (across the SQLite plugin's 32-row
    /// INSERTs), then key 3 again with an empty amount.
    static let firstFile = "id,name,amount\n" + (0..<40).map { "\($0 % 15),v\($0),\($0)\n" }.joined() + "3,late,\n"

    /// Each key once, in the order keys first came, with its last row's values.
    static let afterFirst: [[String?]] = (0..<15).map { key -> [String?] in
        if key == 3 { return ["3", "late", nil] }
        let last = key < 10 ? key + 30 : key + 15
        return ["\(key)", "v\(last)", "\(last)"]
    }

    static let secondFile = "id,name,amount\n0,second,5\n30,third,\n30,again,7\n"

    static var afterSecond: [[String?]] {
        var rows = afterFirst
        rows[0] = ["0", "second", "5"]
        return rows + [["30", "again", "7"]]
    }

    private func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    @Test func sqliteFirstUpsertWithRepeatedKeysThenASecondUpsert() throws {
        let sandbox = try HostSandbox("first-upsert-sqlite")
        let db = sandbox.root + "/warehouse.db"
        try write(Self.firstFile, to: sandbox.root + "/items.csv")
        let first = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=items.csv", "--mode", "upsert",
                                        "--primary-key", "id", "--quiet")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try SQLiteInspector(path: db).rows("SELECT id, name, amount FROM items ORDER BY rowid") == Self.afterFirst)
        #expect(try SQLiteInspector(path: db).rows("SELECT name, sql FROM sqlite_master WHERE tbl_name = 'items' "
            + "AND type = 'index'") == [["_etl_key_items", "CREATE UNIQUE INDEX \"_etl_key_items\" ON \"items\" (\"id\")"]])

        try write(Self.secondFile, to: sandbox.root + "/items.csv")
        let second = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=items.csv", "--mode", "upsert",
                                         "--primary-key", "id", "--quiet")
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try SQLiteInspector(path: db).rows("SELECT id, name, amount FROM items ORDER BY rowid") == Self.afterSecond)
        #expect(try SQLiteInspector(path: db).columns("items") == ["id INTEGER", "name TEXT", "amount INTEGER"])
    }

    @Test func postgresFirstUpsertWithRepeatedKeysThenASecondUpsert() throws {
        let sandbox = try HostSandbox("first-upsert-pg")
        let schema = PostgresInspector.uniqueSchema("first_upsert")
        let url = try PostgresInspector.serverURL()
        let db = try PostgresInspector(url: url)
        defer { db.dropSchema(schema) }
        func sync() throws -> TestSupport.ProcessResult {
            try sandbox.etlHost("sync", "csv", "postgres", "-d", "url=\(url)", "-d", "schema=\(schema)",
                                "-s", "path=items.csv", "--mode", "upsert", "--primary-key", "id", "--quiet")
        }
        let table = PostgresInspector.qualified(schema, "items")
        try write(Self.firstFile, to: sandbox.root + "/items.csv")
        let first = try sync()
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try db.rows("SELECT id, name, amount FROM \(table) ORDER BY id") == Self.afterFirst.sorted { Int($0[0]!)! < Int($1[0]!)! })
        #expect(try db.rows("SELECT c.relname, i.indisunique::text, pg_get_indexdef(i.indexrelid, 1, true) FROM pg_index i "
            + "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = \(PostgresInspector.literal(table))::regclass")
            == [["_etl_key_items", "true", "id"]])

        try write(Self.secondFile, to: sandbox.root + "/items.csv")
        let second = try sync()
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try db.rows("SELECT id, name, amount FROM \(table) ORDER BY id") == Self.afterSecond.sorted { Int($0[0]!)! < Int($1[0]!)! })
        #expect(try db.columns("items", schema: schema) == ["id bigint", "name text", "amount bigint"])
    }
}

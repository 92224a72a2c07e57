import ETLTestSupport
import Foundation
import Testing

/// `etl-host sync` with connection URIs instead of plugin names and -s/-d
/// keys, `--table` for a single-stream sync, and the "loaded into" lines.
@Suite struct ConnectionURISyncTests {
    static let orders = "id,name,price\n1,apple,1.5\n2,\"pear, green\",2\n3,fig,\n"

    @Test func theURIFormAndTheKeyFormGiveTheSameWarehouse() throws {
        let sandbox = try CLISandbox("uri-same")
        try sandbox.write(Self.orders, to: "data/orders.csv")
        try sandbox.write("id;note\n7;x\n", to: "data/notes.csv")
        let keys = try sandbox.etlHost(["sync", "csv", "sqlite", "-s", "path=data/*.csv", "-d", "path=keys.db", "--quiet"])
        #expect(keys.status == 0, "\(keys.stderr)")
        let uri = try sandbox.etlHost(["sync", "csv://\(sandbox.root)/data/*.csv", "sqlite://\(sandbox.root)/uri.db", "--quiet"])
        #expect(uri.status == 0, "\(uri.stderr)")
        #expect(uri.stderr == "")
        let relative = try sandbox.etlHost(["sync", "csv://data/*.csv", "sqlite://relative.db", "--quiet"])
        #expect(relative.status == 0, "\(relative.stderr)")
        let expected = try sandbox.warehouseContent("keys.db")
        #expect(expected.contains("orders| integer:1|text:'apple'|real:1.5"), "\(expected)")
        #expect(try sandbox.warehouseContent("uri.db") == expected)
        #expect(try sandbox.warehouseContent("relative.db") == expected)

        // A query parameter is one more key; -s after the URI wins over it.
        let semicolon = try sandbox.etlHost(["sync", "csv://data/notes.csv?delimiter=%3B", "sqlite://notes.db", "--quiet"])
        #expect(semicolon.status == 0, "\(semicolon.stderr)")
        #expect(try SQLiteInspector(path: sandbox.root + "/notes.db").rows("SELECT id, note FROM notes") == [["7", "x"]])
        let overridden = try sandbox.etlHost(["sync", "csv://data/notes.csv?delimiter=%3B", "sqlite://notes2.db", "-s", "delimiter=,", "--quiet"])
        #expect(overridden.status == 0, "\(overridden.stderr)")
        #expect(try SQLiteInspector(path: sandbox.root + "/notes2.db").columns("notes") == ["id_note TEXT"])

        // The run records the config the URI stood for.
        let runs = try sandbox.etlHost(["runs", "--json"])
        let records = try #require(try JSONSerialization.jsonObject(with: Data(runs.stdout.utf8)) as? [[String: Any]])
        #expect(records[1]["source_config"] as? [String: String] == ["path": "\(sandbox.root)/data/*.csv"])
        #expect(records[1]["destination_config"] as? [String: String] == ["path": "\(sandbox.root)/uri.db"])
    }

    @Test func aBadURIIsExit64BeforeAnythingRuns() throws {
        let sandbox = try CLISandbox("uri-bad")
        let unknown = try sandbox.etlHost(["sync", "mysql://db/shop", "sqlite"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr == "etl-host: error: unknown connection URI scheme 'mysql://'; known: csv://, jsonl://, sqlite://, postgresql://, postgres:// (for another plugin, name it and give its keys with -s/-d KEY=VALUE)\n")
        // A URI of a warehouse in the extractor's place: the registry says so.
        let wrongSide = try sandbox.etlHost(["sync", "sqlite:///tmp/x.db", "sqlite://w.db"])
        #expect(wrongSide.status == 64, "\(wrongSide.stderr)")
        #expect(wrongSide.stderr.contains("sqlite"), "\(wrongSide.stderr)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.root + "/w.db"))
    }

    @Test func tableNamesTheTargetOfASingleStreamSyncAndIsRefusedForSeveral() throws {
        let sandbox = try CLISandbox("uri-table")
        try sandbox.write(Self.orders, to: "data/orders.csv")
        try sandbox.write("id\n1\n", to: "data/more.csv")
        let single = try sandbox.etlHost(["sync", "csv://data/orders.csv", "sqlite://w.db", "--table", "fruit", "--quiet"])
        #expect(single.status == 0, "\(single.stderr)")
        let db = try SQLiteInspector(path: sandbox.root + "/w.db")
        #expect(try db.rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_etl\\_%' ESCAPE '\\'") == [["fruit"]])
        #expect(try db.rows("SELECT count(*) FROM fruit") == [["3"]])

        let several = try sandbox.etlHost(["sync", "csv://data/*.csv", "sqlite://w2.db", "--table", "fruit"])
        #expect(several.status == 64)
        #expect(several.stderr == "etl-host: error: --table names one table, but the source has 2 streams (more, orders); pick one with --streams NAME, or leave --table out (each stream loads into a table of its own name)\n")
        #expect(!FileManager.default.fileExists(atPath: sandbox.root + "/w2.db"))

        let picked = try sandbox.etlHost(["sync", "csv://data/*.csv", "sqlite://w3.db", "--streams", "more", "--table", "few", "--quiet"])
        #expect(picked.status == 0, "\(picked.stderr)")
        #expect(try SQLiteInspector(path: sandbox.root + "/w3.db").rows("SELECT id FROM few") == [["1"]])
    }

    @Test func eachCommittedStreamSaysWhereItWentAndJSONStaysClean() throws {
        let sandbox = try CLISandbox("uri-loaded-into")
        try sandbox.write(Self.orders, to: "data/orders.csv")
        try sandbox.write("id\n1\n", to: "data/more.csv")
        let text = try sandbox.etlHost(["sync", "csv", "sqlite", "-s", "path=data/*.csv", "-d", "path=w.db"])
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(Array(lines.suffix(2)) == [
            "loaded into sqlite://\(sandbox.root)/w.db table more (1 row)",
            "loaded into sqlite://\(sandbox.root)/w.db table orders (3 rows)",
        ])
        let json = try sandbox.etlHost(["sync", "csv", "sqlite", "-s", "path=data/*.csv", "-d", "path=w.db", "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        #expect(json.stdout.split(separator: "\n").count == 1)
        #expect((try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8))) != nil)
        #expect(!json.stdout.contains("loaded into") && !json.stderr.contains("loaded into"))

        // A run that fails says where the committed streams went, then which committed.
        try sandbox.write("id\n1,2\n", to: "data/zbad.csv")
        let failed = try sandbox.etlHost(["sync", "csv", "sqlite", "-s", "path=data/*.csv", "-d", "path=w.db"])
        #expect(failed.status == 65, "\(failed.stderr)")
        #expect(Array(failed.stdout.split(separator: "\n").suffix(3)) == [
            "loaded into sqlite://\(sandbox.root)/w.db table more (1 row)",
            "loaded into sqlite://\(sandbox.root)/w.db table orders (3 rows)",
            "Committed: more (1 rows), orders (3 rows); not committed: zbad (failed)",
        ], "\(failed.stdout)")

        // The printed location works as the warehouse of `show`.
        let show = try sandbox.etlHost(["show", "orders", "sqlite://\(sandbox.root)/w.db", "--format", "csv"])
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stdout == "id,name,price\r\n1,apple,1.5\r\n2,\"pear, green\",2.0\r\n3,fig,\r\n")
    }
}

import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// Every field of the source gets a column: repeated and empty CSV header
/// names, repeated JSON keys, and header lines that cannot be read, driven
/// through the built binary into SQLite and PostgreSQL.
@Suite struct SyncFieldNamesTests {
    private func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    private func write(_ text: String, to path: String) throws { try write(Array(text.utf8), to: path) }

    private func sources(_ db: SQLiteInspector, _ table: String) throws -> [String] {
        let json = try #require(try db.scalar("SELECT schema_json FROM _etl_schemas WHERE table_name = '\(table)'"))
        return try TableSchema.decode(json).columns.map(\.source)
    }

    /// The tables of the sandbox's warehouse.db (none when there is no file).
    private func tables(_ sandbox: HostSandbox) throws -> [String] {
        guard FileManager.default.fileExists(atPath: sandbox.root + "/warehouse.db") else { return [] }
        return try SQLiteInspector(path: sandbox.root + "/warehouse.db")
            .rows("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").map { $0[0]! }
    }

    @Test func aRepeatedHeaderNameGetsAColumnOfItsOwnStableAcrossRunsAndReplay() throws {
        let sandbox = try HostSandbox("names-dup")
        try write("id,name,name,v\n1,a,b,2.0\n", to: sandbox.root + "/dup.csv")
        let first = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=dup.csv", "--json")
        #expect(first.status == 0, "\(first.stderr)")
        let db = sandbox.root + "/warehouse.db"
        #expect(try SQLiteInspector(path: db).columns("dup") == ["id INTEGER", "name TEXT", "name_2 TEXT", "v REAL"])
        #expect(try SQLiteInspector(path: db).rows("SELECT id, name, name_2, v FROM dup") == [["1", "a", "b", "2.0"]])
        #expect(try sources(SQLiteInspector(path: db), "dup") == ["id", "name", "name#2", "v"])

        // The next run maps the second `name` to the same column, whatever comes first in the stored schema.
        try write("id,name,name,v\n2,c,d,3.5\n", to: sandbox.root + "/dup.csv")
        #expect(try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=dup.csv", "--mode", "append", "--quiet").status == 0)
        #expect(try SQLiteInspector(path: db).rows("SELECT id, name, name_2, v FROM dup ORDER BY id")
            == [["1", "a", "b", "2.0"], ["2", "c", "d", "3.5"]])

        // The snapshot keeps both values and replay puts each in its column.
        let report = try JSONDecoder().decode(SyncReport.self, from: Data(first.stdout.utf8))
        let replay = try sandbox.etlHost("replay", report.runID, "sqlite", "-d", "path=replayed.db", "--quiet")
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(try SQLiteInspector(path: sandbox.root + "/replayed.db").rows("SELECT id, name, name_2, v FROM dup")
            == [["1", "a", "b", "2.0"]])
    }

    @Test func twoEmptyHeaderNamesLoadAsColumnAndColumn2() throws {
        let sandbox = try HostSandbox("names-empty")
        try write(",\n1,2\n", to: sandbox.root + "/blank.csv")
        let result = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=blank.csv", "--quiet")
        #expect(result.status == 0, "\(result.stderr)")
        let db = try SQLiteInspector(path: sandbox.root + "/warehouse.db")
        #expect(try db.columns("blank") == ["column INTEGER", "column_2 INTEGER"])
        #expect(try db.rows("SELECT \"column\", column_2 FROM blank") == [["1", "2"]])
        #expect(try sources(db, "blank") == ["", "#2"])
    }

    @Test func aRepeatWhoseSourceNameIsTakenIsRefusedNotMerged() throws {
        let sandbox = try HostSandbox("names-taken")
        try write("name,name#2,name\na,b,c\n", to: sandbox.root + "/taken.csv")
        let result = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=taken.csv")
        #expect(result.status == 65)
        #expect(result.stderr == "etl-host: error: stream 'taken': field 3 is the 2nd field named \"name\", which etl-host loads under the source name \"name#2\", but another field is already called \"name#2\"; rename one of them\n")
        #expect(try tables(sandbox).isEmpty)
    }

    @Test func aNulInAHeaderNameIsBadDataNamingTheFieldNotACutName() throws {
        let sandbox = try HostSandbox("names-nul")
        try write(Array("id,na".utf8) + [0] + Array("me,name\n1,2,3\n".utf8), to: sandbox.root + "/nul.csv")
        let cut = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=nul.csv")
        #expect(cut.status == 65)
        #expect(cut.stderr == "etl-host: error: plugin 'csv': stream 'nul': nul.csv line 1, field 2: the column name holds a NUL byte at byte 3; a column name cannot contain NUL (a UTF-16 file? convert it to UTF-8) [ETL_ERR_DATA]\n")

        try write([0, 0] + Array(",\n1,2\n".utf8), to: sandbox.root + "/fuzz.csv")
        let fuzz = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=fuzz.csv")
        #expect(fuzz.status == 65)
        #expect(fuzz.stderr.contains("fuzz.csv line 1, field 1: the column name holds a NUL byte at byte 1;"), "\(fuzz.stderr)")
        #expect(try tables(sandbox).isEmpty)
    }

    @Test func badDataInTheHeaderLineExits65NamingFileAndLineAndTheOtherFilesStillLoad() throws {
        let sandbox = try HostSandbox("names-header")
        try write(Array("id,na".utf8) + [0xFF] + Array("me\n1,2\n".utf8), to: sandbox.root + "/a_utf8.csv")
        try write("id,\"name\n1,2\n", to: sandbox.root + "/b_quote.csv")
        try write("id,name\n1,x\n", to: sandbox.root + "/c_good.csv")
        let result = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=*.csv", "--quiet")
        #expect(result.status == 65)
        #expect(result.stderr == """
            etl-host: error: plugin 'csv': stream 'a_utf8': a_utf8.csv line 1, field 2: invalid UTF-8 at byte 3 of the field; convert the file to UTF-8 [ETL_ERR_DATA]
            etl-host: error: plugin 'csv': stream 'b_quote': b_quote.csv line 1: quoted field opened here is never closed [ETL_ERR_DATA]

            """)
        let db = try SQLiteInspector(path: sandbox.root + "/warehouse.db")
        #expect(try db.rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_etl\\_%' ESCAPE '\\'") == [["c_good"]])
        #expect(try db.rows("SELECT id, name FROM c_good") == [["1", "x"]])

        // The same faults with one file: the run fails with 65, not 1.
        let single = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=b_quote.csv", "--quiet")
        #expect(single.status == 65)
        #expect(single.stderr == "etl-host: error: plugin 'csv': stream 'b_quote': b_quote.csv line 1: quoted field opened here is never closed [ETL_ERR_DATA]\n")
    }

    @Test func aRepeatedJSONKeyKeepsEveryValueInAColumnOfItsOwn() throws {
        let sandbox = try HostSandbox("names-json")
        try write("""
            {"a": 1, "a": 2, "b": "x"}
            {"a": 3}
            {"b": "y", "a": 4, "a": 5, "a": "six"}

            """, to: sandbox.root + "/events.jsonl")
        let result = try sandbox.etlHost("sync", "jsonl", "sqlite", "-s", "path=events.jsonl", "--quiet")
        #expect(result.status == 0, "\(result.stderr)")
        let db = try SQLiteInspector(path: sandbox.root + "/warehouse.db")
        #expect(try db.columns("events") == ["a INTEGER", "a_2 INTEGER", "b TEXT", "a_3 TEXT"])
        #expect(try db.rows("SELECT a, a_2, b, a_3 FROM events ORDER BY a")
            == [["1", "2", "x", nil], ["3", nil, nil, nil], ["4", "5", "y", "six"]])
        #expect(try sources(db, "events") == ["a", "a#2", "b", "a#3"])

        try write(#"{"a": 1, "a#2": 7, "a": 2}"# + "\n", to: sandbox.root + "/clash.jsonl")
        let clash = try sandbox.etlHost("sync", "jsonl", "sqlite", "-s", "path=clash.jsonl")
        #expect(clash.status == 65)
        #expect(clash.stderr == "etl-host: error: stream 'clash' line 1: the key \"a#2\" is also the source name etl-host gives to a repeated key \"a\" (its second and later occurrences in one record are \"a#2\", ...); rename one of them\n")
    }

    @Test func aJSONKeyStartingWithNulIsRefusedItIsTheHostsOwnNamespace() throws {
        let sandbox = try HostSandbox("names-json-nul")
        try write(#"{"id": 1, "\u0000etl:deleted_at": "2020-01-01T00:00:00Z"}"# + "\n", to: sandbox.root + "/people.jsonl")
        let result = try sandbox.etlHost("sync", "jsonl", "sqlite", "-s", "path=people.jsonl", "--mode", "upsert",
                                         "--primary-key", "id", "--deletions", "flag")
        #expect(result.status == 65)
        #expect(result.stderr == #"etl-host: error: stream 'people' line 1: the key "\u0000etl:deleted_at" starts with a NUL character (\u0000), which etl-host reserves for its own columns (such as _etl_deleted_at); rename the key"# + "\n")
        #expect(try tables(sandbox).isEmpty)
    }

    @Test func postgresGetsEveryHeaderFieldAsAColumn() throws {
        let target = try SyncPostgresTests.Target("names")
        try target.write("id,name,name,v\n1,a,b,2.0\n", to: "dup.csv")
        try target.write(",\n1,2\n", to: "blank.csv")
        let result = try target.sync("csv", "-s", "path=*.csv", "--quiet")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try target.db.columns("dup", schema: target.schema) == ["id bigint", "name text", "name_2 text", "v double precision"])
        #expect(try target.rows("SELECT id, name, name_2, v FROM \(target.qualified("dup"))") == [["1", "a", "b", "2"]])
        #expect(try target.db.columns("blank", schema: target.schema) == ["column bigint", "column_2 bigint"])
        #expect(try target.rows("SELECT \"column\", column_2 FROM \(target.qualified("blank"))") == [["1", "2"]])

        try target.write("id,\"name\n1,2\n", to: "dup.csv")
        let bad = try target.sync("csv", "-s", "path=dup.csv", "--quiet")
        #expect(bad.status == 65)
        #expect(bad.stderr == "etl-host: error: plugin 'csv': stream 'dup': dup.csv line 1: quoted field opened here is never closed [ETL_ERR_DATA]\n")
        #expect(try target.rows("SELECT id, name, name_2, v FROM \(target.qualified("dup"))") == [["1", "a", "b", "2"]])
    }
}

import CSQLite
import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// `etl-host sync` replacing a table that views (and a view on a view)
/// read, in both warehouses: the views answer with the new rows, and a
/// view the new columns break fails the run with its name, the table
/// unchanged.
@Suite struct SyncReplaceViewsTests {
    private func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    @Test func sqliteViewsAnswerWithTheNewRowsAndABrokenViewFailsTheRun() throws {
        let sandbox = try HostSandbox("sync-views-sqlite")
        try write("id,name,amount\n1,Ada,1.5\n2,Grace,2\n", to: sandbox.root + "/people.csv")
        var result = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=people.csv", "--quiet")
        #expect(result.status == 0, "\(result.stderr)")
        var connection: OpaquePointer?
        #expect(sqlite3_open_v2(sandbox.root + "/warehouse.db", &connection, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK)
        #expect(sqlite3_exec(connection, """
            CREATE VIEW named AS SELECT id, name FROM people;
            CREATE VIEW shouting AS SELECT id, upper(name) AS loud FROM named;
            """, nil, nil, nil) == SQLITE_OK)
        try write("id,name,amount\n7,Linus,3.5\n", to: sandbox.root + "/people.csv")
        result = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=people.csv", "--quiet")
        #expect(result.status == 0, "\(result.stderr)")
        let db = try SQLiteInspector(path: sandbox.root + "/warehouse.db")
        #expect(try db.rows("SELECT id, loud FROM shouting") == [["7", "LINUS"]])

        // A view reading "amount", which the next file no longer has.
        #expect(sqlite3_exec(connection, "CREATE VIEW spend AS SELECT id, amount FROM people", nil, nil, nil) == SQLITE_OK)
        sqlite3_close(connection)
        try write("id,name\n8,Barbara\n", to: sandbox.root + "/people.csv")
        result = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=people.csv", "--quiet")
        #expect(result.status == 1)
        #expect(result.stderr.contains("table \"people\": view \"spend\" no longer works on the new table "
            + "(no such column: amount); change or drop the view, or load the missing column again"), "\(result.stderr)")
        #expect(try db.rows("SELECT * FROM people") == [["7", "Linus", "3.5"]])
        #expect(try db.rows("SELECT * FROM spend") == [["7", "3.5"]])
    }

    @Test func postgresViewsAnswerWithTheNewRowsAndABrokenViewFailsTheRun() throws {
        let sandbox = try HostSandbox("sync-views-pg")
        let schema = PostgresInspector.uniqueSchema("syncviews")
        let url = try PostgresInspector.serverURL()
        let db = try PostgresInspector(url: url)
        defer { db.dropSchema(schema) }
        func sync() throws -> TestSupport.ProcessResult {
            try sandbox.etlHost("sync", "csv", "postgres", "-s", "path=people.csv", "-d", "url=\(url)",
                                "-d", "schema=\(schema)", "--quiet")
        }
        let people = PostgresInspector.qualified(schema, "people")
        let named = PostgresInspector.qualified(schema, "named")
        let shouting = PostgresInspector.qualified(schema, "shouting")
        try write("id,name,amount\n1,Ada,1.5\n2,Grace,2\n", to: sandbox.root + "/people.csv")
        var result = try sync()
        #expect(result.status == 0, "\(result.stderr)")
        try db.execute("""
            CREATE VIEW \(named) AS SELECT id, name FROM \(people);
            CREATE VIEW \(shouting) AS SELECT id, upper(name) AS loud FROM \(named);
            """)
        try write("id,name,amount\n7,Linus,3.5\n", to: sandbox.root + "/people.csv")
        result = try sync()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try db.rows("SELECT id, loud FROM \(shouting)") == [["7", "LINUS"]])

        try db.execute("CREATE VIEW \(PostgresInspector.qualified(schema, "spend")) AS SELECT id, amount FROM \(people)")
        try write("id,name\n8,Barbara\n", to: sandbox.root + "/people.csv")
        result = try sync()
        #expect(result.status == 1)
        #expect(result.stderr.contains("table \"people\": view \"\(schema)\".\"spend\" uses column \"amount\", which "
            + "the new rows do not have; change or drop the view, or load the column again"), "\(result.stderr)")
        #expect(try db.rows("SELECT id, name, amount::text FROM \(people)") == [["7", "Linus", "3.5"]])
        #expect(try db.rows("SELECT id, loud FROM \(shouting)") == [["7", "LINUS"]])
    }
}

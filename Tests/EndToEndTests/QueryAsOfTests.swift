import ETLTestSupport
import Foundation
import Testing

/// `etl-host query --as-of`, through the built binary, over history tables
/// made by hand in the HISTORY CONTRACT's shape, in SQLite and PostgreSQL:
/// exact rows at instants between, and exactly at, the versions'
/// boundaries (valid_from <= X < valid_to).
@Suite struct QueryAsOfTests {
    /// The four loads: 09:00 UTC on December 1st to 4th.
    static let t1 = "2026-12-01T09:00:00.000Z", t2 = "2026-12-02T09:00:00.000Z"
    static let t3 = "2026-12-03T09:00:00.000Z", t4 = "2026-12-04T09:00:00.000Z"

    /// `orders__history`: id 1 changes twice; id 2 is deleted at t3 and
    /// comes back at t4; id 3 is new at t2; id 4 is deleted at t2 for good.
    /// (id, status, total, valid_from, valid_to, run, deleted)
    static let versions: [(Int, String, String, String, String?, String, Bool)] = [
        (1, "new", "10.5", t1, t2, "r1", false),
        (1, "paid", "12.25", t2, t4, "r2", false),
        (1, "shipped", "12.25", t4, nil, "r4", false),
        (2, "new", "20", t1, t3, "r1", false),
        (2, "new", "20", t3, t4, "r3", true),
        (2, "returned", "21", t4, nil, "r4", false),
        (3, "new", "30", t2, nil, "r2", false),
        (4, "new", "5", t1, t2, "r1", false),
        (4, "new", "5", t2, nil, "r2", true),
    ]

    /// The CSV each moment must give for `SELECT * FROM orders ORDER BY id`.
    static let moments: [(String, String)] = [
        ("2026-11-30T00:00:00Z", ""),
        ("2026-12-01T09:00:00Z", "1,new,10.5\r\n2,new,20.0\r\n4,new,5.0\r\n"),
        ("2026-12-02T08:59:59.999Z", "1,new,10.5\r\n2,new,20.0\r\n4,new,5.0\r\n"),
        ("2026-12-02T10:00:00+01:00", "1,paid,12.25\r\n2,new,20.0\r\n3,new,30.0\r\n"),
        ("2026-12-03", "1,paid,12.25\r\n2,new,20.0\r\n3,new,30.0\r\n"),
        ("2026-12-03T09:00:00Z", "1,paid,12.25\r\n3,new,30.0\r\n"),
        ("2026-12-04T09:00:00.000Z", "1,shipped,12.25\r\n2,returned,21.0\r\n3,new,30.0\r\n"),
        ("2030-01-01T00:00:00Z", "1,shipped,12.25\r\n2,returned,21.0\r\n3,new,30.0\r\n"),
    ]

    /// The statements that make the tables, for SQLite (`sqlite`) or
    /// PostgreSQL: the current `orders`, its history, the list of history
    /// tables, and `regions`, a table without history.
    static func setup(postgres: Bool) -> [String] {
        let instant = postgres ? "timestamptz" : "TEXT"
        let flag = postgres ? "boolean" : "INTEGER"
        let real = postgres ? "double precision" : "REAL"
        var statements = [
            "CREATE TABLE orders (id bigint, status text, total \(real), _etl_loaded_at text)",
            "INSERT INTO orders VALUES (1, 'shipped', 12.25, 'x'), (2, 'returned', 21, 'x'), (3, 'new', 30, 'x')",
            "CREATE TABLE orders__history (id bigint, status text, total \(real), _etl_valid_from \(instant) NOT NULL, "
                + "_etl_valid_to \(instant), _etl_run_id text, _etl_row_hash text, _etl_deleted \(flag) NOT NULL)",
            "CREATE TABLE _etl_history_tables (table_name TEXT PRIMARY KEY, history_table TEXT NOT NULL)",
            "INSERT INTO _etl_history_tables VALUES ('orders', 'orders__history')",
            "CREATE TABLE regions (id bigint, name text)",
            "INSERT INTO regions VALUES (1, 'north'), (2, 'south'), (4, 'east')",
        ]
        for (id, status, total, from, to, run, deleted) in versions {
            let until = to.map { "'\($0)'" } ?? "NULL"
            let gone = postgres ? (deleted ? "true" : "false") : (deleted ? "1" : "0")
            statements.append("INSERT INTO orders__history VALUES (\(id), '\(status)', \(total), '\(from)', \(until), '\(run)', "
                + "'h\(id)\(run)', \(gone))")
        }
        return statements
    }

    /// A SQLite warehouse `history.db` holding the fixture.
    static func sqliteWarehouse(_ label: String) throws -> HostSandbox {
        let sandbox = try HostSandbox("asof-\(label)")
        let path = sandbox.root + "/history.db"
        _ = FileManager.default.createFile(atPath: path, contents: Data())
        let db = try SQLiteInspector(path: path, writable: true)
        for statement in setup(postgres: false) { _ = try db.rows(statement) }
        return sandbox
    }

    @Test(arguments: moments) func sqliteReadsTheTableAsItWas(_ moment: (String, String)) throws {
        let sandbox = try Self.sqliteWarehouse("sqlite")
        let result = try sandbox.etlHost("query", "sqlite", "-d", "path=history.db", "--format", "csv", "--as-of", moment.0,
                                         "SELECT * FROM orders ORDER BY id")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "id,status,total\r\n" + moment.1, "as of \(moment.0)")
    }

    @Test func postgresReadsTheTableAsItWasAtEveryMoment() throws {
        let url = try PostgresInspector.serverURL()
        let schema = PostgresInspector.uniqueSchema("asof")
        let db = try PostgresInspector(url: url)
        defer { db.dropSchema(schema) }
        try db.execute("CREATE SCHEMA \(schema); SET search_path = \(schema)")
        for statement in Self.setup(postgres: true) { try db.execute(statement) }
        let sandbox = try HostSandbox("asof-pg")
        for (instant, expected) in Self.moments {
            let result = try sandbox.etlHost("query", "postgres", "-d", "url=\(url)", "-d", "schema=\(schema)", "--format", "csv",
                                             "--as-of", instant, "SELECT * FROM orders ORDER BY id")
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout == "id,status,total\r\n" + expected, "as of \(instant)")
        }
        let joined = try sandbox.etlHost("query", "postgres", "-d", "url=\(url)", "-d", "schema=\(schema)", "--format", "csv",
                                         "--as-of", "2026-12-01T12:00:00Z",
                                         "SELECT o.id, r.name FROM orders o JOIN regions r ON r.id = o.id ORDER BY o.id")
        #expect(joined.stdout == "id,name\r\n1,north\r\n2,south\r\n4,east\r\n", "\(joined.stderr)")
        let syntax = try sandbox.etlHost("query", "postgres", "-d", "url=\(url)", "-d", "schema=\(schema)",
                                         "--as-of", "2026-12-01", "SELECT * FORM orders")
        #expect(syntax.status == 64)
        #expect(syntax.stderr.contains("syntax error at or near \"FORM\" at offset 9 (SQLSTATE 42601"), "\(syntax.stderr)")
    }

    /// A run id means the moment that run ended (as for `rebuild --as-of`):
    /// a run that ends now sees the versions open since t4.
    @Test func aRunIDMeansTheMomentThatRunEnded() throws {
        let sandbox = try Self.sqliteWarehouse("run-id")
        let environment = ["ETL_STATE_DIR": sandbox.root + "/state"]
        try Data("id\n1\n".utf8).write(to: URL(fileURLWithPath: sandbox.root + "/marks.csv"))
        let sync = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=marks.csv", "-d", "path=history.db", "--json",
                                       environment: environment)
        #expect(sync.status == 0, "\(sync.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(sync.stdout.utf8)) as? [String: Any])
        let runID = try #require(summary["run_id"] as? String)
        let result = try sandbox.etlHost("query", "sqlite", "-d", "path=history.db", "--format", "csv", "--as-of", runID,
                                         "SELECT * FROM orders ORDER BY id", environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "id,status,total\r\n1,shipped,12.25\r\n2,returned,21.0\r\n3,new,30.0\r\n")
    }

    @Test func withoutAsOfTheCurrentTableAnswers() throws {
        let sandbox = try Self.sqliteWarehouse("current")
        let result = try sandbox.etlHost("query", "sqlite", "-d", "path=history.db", "--format", "csv", "SELECT * FROM orders ORDER BY id")
        #expect(result.stdout == "id,status,total,_etl_loaded_at\r\n1,shipped,12.25,x\r\n2,returned,21.0,x\r\n3,new,30.0,x\r\n")
    }

    @Test func tablesWithoutHistoryAndTheStatementsOwnWithClauseStayAsTheyAre() throws {
        let sandbox = try Self.sqliteWarehouse("with")
        let joined = try sandbox.etlHost("query", "sqlite", "-d", "path=history.db", "--format", "csv", "--as-of", "2026-12-01T12:00:00Z",
                                         "WITH big AS (SELECT * FROM orders WHERE total >= 10) "
                                             + "SELECT big.id, r.name FROM big JOIN regions r ON r.id = big.id ORDER BY big.id")
        #expect(joined.status == 0, "\(joined.stderr)")
        #expect(joined.stdout == "id,name\r\n1,north\r\n2,south\r\n")
        let own = try sandbox.etlHost("query", "sqlite", "-d", "path=history.db", "--format", "csv", "--as-of", "2026-12-01T12:00:00Z",
                                      "WITH orders AS (SELECT 7 AS id) SELECT * FROM orders")
        #expect(own.status == 0, "\(own.stderr)")
        #expect(own.stdout == "id\r\n7\r\n")
        #expect(own.stderr == "etl-host: note: the statement defines \"orders\" itself; that name keeps its meaning and is not read as of 2026-12-01T12:00:00.000Z\n")
        let qualified = try sandbox.etlHost("query", "sqlite", "-d", "path=history.db", "--format", "csv", "--as-of", "2026-12-01T12:00:00Z",
                                            "SELECT count(*) AS n FROM main.orders")
        #expect(qualified.stdout == "n\r\n3\r\n")
    }

    @Test func errorsNameTheUsersOffsetAndAWarehouseWithoutHistory() throws {
        let sandbox = try Self.sqliteWarehouse("errors")
        let syntax = try sandbox.etlHost("query", "sqlite", "-d", "path=history.db", "--as-of", "2026-12-01", "SELECT * FORM orders")
        #expect(syntax.status == 64)
        #expect(syntax.stderr == "etl-host: error: plugin 'sqlite': query failed: near \"FORM\": syntax error at offset 9 (SQLITE_ERROR) [ETL_ERR_INVALID_ARGUMENT (2)]\n")
        let badTime = try sandbox.etlHost("query", "sqlite", "-d", "path=history.db", "--as-of", "last tuesday", "SELECT 1")
        #expect(badTime.status == 64)
        #expect(badTime.stderr.hasPrefix("etl-host: error: 'last tuesday' is not a time or a run id"), "\(badTime.stderr)")

        _ = FileManager.default.createFile(atPath: sandbox.root + "/plain.db", contents: Data())
        let plain = try sandbox.etlHost("query", "sqlite", "-d", "path=plain.db", "--as-of", "2026-12-01", "SELECT 1")
        #expect(plain.status == 64)
        #expect(plain.stdout == "")
        #expect(plain.stderr == "etl-host: error: warehouse has no history tables; sync with --history "
            + "(or `history: scd2` in a pipeline's sync step) to keep them\n")
    }
}

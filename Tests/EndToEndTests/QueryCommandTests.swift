import ETLTestSupport
import Foundation
import Testing

/// `etl-host query`, through the built binary and the real sqlite and
/// postgres plugins: exact output in each format, limits, and errors with
/// their exit codes.
@Suite struct QueryCommandTests {
    /// A sandbox with `typed.db`: one table holding each of the SQLite
    /// plugin's column types, three rows.
    static func typedWarehouse(_ label: String) throws -> HostSandbox {
        let sandbox = try HostSandbox("query-\(label)")
        let path = sandbox.root + "/typed.db"
        _ = FileManager.default.createFile(atPath: path, contents: Data())
        let db = try SQLiteInspector(path: path, writable: true)
        _ = try db.rows(#"CREATE TABLE t (i INTEGER, r REAL, d DECIMAL_TEXT(12,2), b BOOLEAN, day DATE_TEXT, "#
            + #"at TIMESTAMP_TEXT, j JSON_TEXT, raw BLOB, s TEXT)"#)
        _ = try db.rows(#"INSERT INTO t VALUES (1, 0.1, '12.50', 1, '2026-12-06', '2026-12-06T09:00:00.000000Z', "#
            + #"'{"a":[1,2]}', x'00ff', 'a,b "q"')"#)
        _ = try db.rows("INSERT INTO t VALUES (-7, 1e-05, '-0.01', 0, '1999-12-31', '1999-12-31T23:59:59.999999Z', "
            + "'null', x'', 'line1' || char(10) || 'line2')")
        _ = try db.rows("INSERT INTO t VALUES (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '')")
        return sandbox
    }

    @Test func tableIsAlignedWithNumbersRightAndACountLine() throws {
        let sandbox = try Self.typedWarehouse("table")
        let result = try sandbox.etlHost("query", "sqlite", "-d", "path=typed.db", "SELECT i, r, d, b, day, s FROM t ORDER BY i")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr == "")
        #expect(result.stdout == """
             i      r      d  b      day         s
            --  -----  -----  -----  ----------  ------------
            -7  1e-05  -0.01  false  1999-12-31  line1\\nline2
             1    0.1  12.50  true   2026-12-06  a,b "q"
             3   NULL   NULL  NULL   NULL
            (3 rows)

            """)
    }

    @Test func csvIsRFC4180WithAHeaderAndExactValues() throws {
        let sandbox = try Self.typedWarehouse("csv")
        let result = try sandbox.etlHost("query", "sqlite", "-d", "path=typed.db", "--format", "csv", "SELECT * FROM t ORDER BY i")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == [
            "i,r,d,b,day,at,j,raw,s",
            #"-7,1e-05,-0.01,false,1999-12-31,1999-12-31T23:59:59.999999Z,null,\x,"line1"#,
            #"line2""#,
            #"1,0.1,12.50,true,2026-12-06,2026-12-06T09:00:00.000000Z,"{""a"":[1,2]}",\x00ff,"a,b ""q""""#,
            #"3,,,,,,,,"""#,
        ].joined(separator: "\r\n").replacingOccurrences(of: "line1\r\nline2", with: "line1\nline2") + "\r\n")
    }

    @Test func jsonLinesHaveNumbersAsNumbersAndNullAsNull() throws {
        let sandbox = try Self.typedWarehouse("json")
        let result = try sandbox.etlHost("query", "sqlite", "-d", "path=typed.db", "--format", "json", "SELECT *, i AS i FROM t ORDER BY i")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n", omittingEmptySubsequences: false) == [
            #"{"i":-7,"r":1e-05,"d":-0.01,"b":false,"day":"1999-12-31","at":"1999-12-31T23:59:59.999999Z","j":null,"raw":"\\x","s":"line1\nline2","i_2":-7}"#,
            #"{"i":1,"r":0.1,"d":12.50,"b":true,"day":"2026-12-06","at":"2026-12-06T09:00:00.000000Z","j":{"a":[1,2]},"raw":"\\x00ff","s":"a,b \"q\"","i_2":1}"#,
            #"{"i":3,"r":null,"d":null,"b":null,"day":null,"at":null,"j":null,"raw":null,"s":"","i_2":3}"#,
            "",
        ])
        for line in result.stdout.split(separator: "\n") {
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "not JSON: \(line)")
        }
    }

    @Test func limitCutsEveryFormatAndTheTableSaysHowManyMore() throws {
        let sandbox = try Self.typedWarehouse("limit")
        let table = try sandbox.etlHost("query", "sqlite", "-d", "path=typed.db", "--limit", "1", "SELECT i FROM t ORDER BY i")
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout == " i\n--\n-7\n... 2 more rows (1 shown; --limit N or --format csv for all)\n")
        let csv = try sandbox.etlHost("query", "sqlite", "-d", "path=typed.db", "--format", "csv", "--limit", "2", "SELECT i FROM t ORDER BY i")
        #expect(csv.stdout == "i\r\n-7\r\n1\r\n")
        let none = try sandbox.etlHost("query", "sqlite", "-d", "path=typed.db", "--format", "json", "--limit", "0", "SELECT i FROM t")
        #expect(none.status == 0)
        #expect(none.stdout == "")
    }

    @Test func theTableShowsAHundredRowsUnlessTold() throws {
        let sandbox = try Self.typedWarehouse("cap")
        let query = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 250) SELECT x FROM n"
        let result = try sandbox.etlHost("query", "sqlite", "-d", "path=typed.db", query)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2 + 100 + 1)
        #expect(lines[101] == "100")
        #expect(lines.last == "... 150 more rows (100 shown; --limit N or --format csv for all)")
        let all = try sandbox.etlHost("query", "sqlite", "-d", "path=typed.db", "--limit", "1000", query)
        #expect(all.stdout.hasSuffix("250\n(250 rows)\n"))
    }

    @Test func aStatementTheWarehouseRefusesExits64WithItsMessageAndOffset() throws {
        let sandbox = try Self.typedWarehouse("refused")
        let syntax = try sandbox.etlHost("query", "sqlite", "-d", "path=typed.db", "SELECT * FORM t")
        #expect(syntax.status == 64)
        #expect(syntax.stdout == "")
        #expect(syntax.stderr == "etl-host: error: plugin 'sqlite': query failed: near \"FORM\": syntax error at offset 9 (SQLITE_ERROR) [ETL_ERR_INVALID_ARGUMENT (2)]\n")
        let writes = try sandbox.etlHost("query", "sqlite", "-d", "path=typed.db", "DELETE FROM t")
        #expect(writes.status == 64, "\(writes.stderr)")
        #expect(try SQLiteInspector(path: sandbox.root + "/typed.db").scalar("SELECT count(*) FROM t") == "3")
        let format = try sandbox.etlHost("query", "sqlite", "-d", "path=typed.db", "--format", "xml", "SELECT 1")
        #expect(format.status == 64)
        #expect(format.stderr == "etl-host: error: unknown --format 'xml'; use table, csv or json\n")
        let config = try sandbox.etlHost("query", "sqlite", "-d", "nope=1", "SELECT 1")
        #expect(config.status == 64, "\(config.stderr)")
    }

    /// A warehouse built for ABI 1.1 has no query operation.
    @Test func aWarehouseWithoutQueryExits64() throws {
        let sandbox = try HostSandbox("query-noop")
        let library = try sandbox.compile(["Tests/Fixtures/BrokenPlugins/memory_warehouse.c"], defines: ["MEMWH_ABI_1_1"],
                                          name: "libmemwh11.so")
        let install = try sandbox.etlHost("plugins", "install", library)
        #expect(install.status == 0, "\(install.stderr)")
        let result = try sandbox.etlHost("query", "memwh", "-d", "name=x", "SELECT 1")
        #expect(result.status == 64)
        #expect(result.stdout == "")
        #expect(result.stderr == "etl-host: error: plugin 'memwh' does not implement query (answering SQL queries)\n")
    }

    @Test func postgresValuesPrintExactly() throws {
        let sandbox = try HostSandbox("query-pg")
        let url = try PostgresInspector.serverURL()
        let schema = PostgresInspector.uniqueSchema("query")
        let db = try PostgresInspector(url: url)
        defer { db.dropSchema(schema) }
        try db.execute("CREATE SCHEMA \(schema); CREATE TABLE \(schema).t (i bigint, r double precision, d numeric(12,2), "
            + "b boolean, day date, at timestamptz, j jsonb, raw bytea, s text)")
        try db.execute("INSERT INTO \(schema).t VALUES (1, 0.1, 12.50, true, '2026-12-06', '2026-12-06T10:00:00.5+01:00', "
            + #"'{"a": [1, 2]}', '\x00ff', 'a,b "q"'), (2, 'NaN', 'NaN', false, NULL, NULL, NULL, NULL, NULL)"#)
        let result = try sandbox.etlHost("query", "postgres", "-d", "url=\(url)", "-d", "schema=\(schema)", "--format", "json",
                                         "SELECT * FROM t ORDER BY i")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == #"""
            {"i":1,"r":0.1,"d":12.50,"b":true,"day":"2026-12-06","at":"2026-12-06T09:00:00.500000Z","j":{"a": [1, 2]},"raw":"\\x00ff","s":"a,b \"q\""}
            {"i":2,"r":"NaN","d":"NaN","b":false,"day":null,"at":null,"j":null,"raw":null,"s":null}

            """#)
        let refused = try sandbox.etlHost("query", "postgres", "-d", "url=\(url)", "-d", "schema=\(schema)", "SELECT nope FROM t")
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("column \"nope\" does not exist at offset 7 (SQLSTATE 42703"), "\(refused.stderr)")
    }
}

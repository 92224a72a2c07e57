import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

/// The message of the error `body` throws.
private func failure(_ body: () throws -> Void) -> String {
    do {
        try body()
        return "no error"
    } catch {
        return "\(error)"
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (year 0 is 1 BC).
private func days(_ year: Int, _ month: Int, _ day: Int) -> Int32 {
    Int32(DateText.days(year: year, month: month, day: day))
}

@Suite("PostgreSQL warehouse: execute and query (ABI 1.2)")
struct SQLOperationsTests {
    @Test("the descriptor declares sql_execute and sql_query and sets both operations")
    func declared() throws {
        let descriptor = try PostgresPlugin.load().descriptor
        #expect(descriptor.capabilities.contains("sql_execute"))
        #expect(descriptor.capabilities.contains("sql_query"))
        #expect(descriptor.optionalOperations.contains("execute"))
        #expect(descriptor.optionalOperations.contains("query"))
    }

    @Test("execute counts the rows INSERT, UPDATE, DELETE and CREATE TABLE AS wrote; DDL and SELECT count none")
    func executeCounts() throws {
        let warehouse = try TestWarehouse("sqlexec")
        let t = warehouse.qualified("t")
        let instance = warehouse.instance
        #expect(try instance.execute(sql: "CREATE SCHEMA \(PostgresInspector.quoted(warehouse.schema))") == nil)
        #expect(try instance.execute(sql: "CREATE TABLE \(t) (id bigint PRIMARY KEY, name text)") == nil)
        #expect(try instance.execute(sql: "INSERT INTO \(t) VALUES (1, 'a'), (2, 'b'), (3, 'c');") == 3)
        #expect(try instance.execute(sql: "UPDATE \(t) SET name = 'z' WHERE id >= 2") == 2)
        #expect(try instance.execute(sql: "DELETE FROM \(t) WHERE id = 9") == 0)
        #expect(try instance.execute(sql: "INSERT INTO \(t) VALUES (4, 'd') RETURNING id") == 1)
        #expect(try instance.execute(sql: "SELECT * FROM \(t)") == nil)
        #expect(try instance.execute(sql: "CREATE TABLE \(warehouse.qualified("c")) AS SELECT * FROM \(t)") == 4)
        #expect(try warehouse.rows("SELECT id::text, name FROM \(t) ORDER BY id")
            == [["1", "a"], ["2", "z"], ["3", "z"], ["4", "d"]])
        // A statement that fails changes nothing, and a duplicate key is bad data with its SQLSTATE.
        let duplicate = hostError { _ = try instance.execute(sql: "INSERT INTO \(t) VALUES (5, 'e'), (1, 'x')") }
        #expect(duplicate?.kind == .badData)
        #expect(duplicate?.sqlstate == "23505")
        #expect(duplicate?.description == "plugin 'postgres': execute failed: duplicate key value violates unique "
            + "constraint \"t_pkey\" (SQLSTATE 23505; table \"t\", constraint \"t_pkey\") [ETL_ERR_DATA (10)]")
        #expect(try warehouse.rows("SELECT count(*)::text FROM \(t)") == [["4"]])
    }

    @Test("a query returns every column of a loaded table in the type it was loaded with, values exact")
    func loadedColumns() throws {
        let warehouse = try TestWarehouse("sqlloaded")
        let fields = [
            ArrowField("flag", .bool), ArrowField("count", .int64), ArrowField("ratio", .float64),
            ArrowField("name", .utf8), ArrowField("doc", .utf8, annotation: .json),
            ArrowField("price", .utf8, annotation: .decimal(precision: 38, scale: 9)), ArrowField("day", .date32),
            ArrowField("at", .timestampMicrosecondsUTC), ArrowField("bytes", .binary),
        ]
        try warehouse.load("typed", fields, [[
            [.bool(true), .int(Int64.max), .real(0.1), .text("O'Brien \"q\" \\ \t\r\n ✓ 🙂"), .text(#"{"a":[1,"x"]}"#),
             .text("12345678901234567890123456789.123456789012"), .date(-719_528), .timestamp(1_700_000_000_123_456),
             .bytes([0, 1, 255])],
            [.bool(false), .int(Int64.min), .real(-2.5e-300), .text(""), .text(#"[1.5e3, "é", {"b": null}]"#),
             .text("1.50"), .date(2_932_896), .timestamp(-62_135_596_800_000_000), .bytes([0])],
            [.null, .int(0), .real(.infinity), .null, .null, .null, .null, .null, .null],
        ]])
        let result = try queryRows(warehouse.instance, "SELECT * FROM \(warehouse.qualified("typed")) ORDER BY count DESC")
        #expect(result.fields == ["flag: bool", "count: int64", "ratio: float64", "name: utf8", "doc: utf8 json",
                                  "price: utf8 decimal(38,9)", "day: date32", "at: timestamp[us, UTC]", "bytes: binary"])
        #expect(result.rows == [
            [.bool(true), .int(Int64.max), .real(0.1), .text("O'Brien \"q\" \\ \t\r\n ✓ 🙂"), .text(#"{"a": [1, "x"]}"#),
             .text("12345678901234567890123456789.123456789012"), .date(-719_528), .timestamp(1_700_000_000_123_456),
             .bytes([0, 1, 255])],
            [.null, .int(0), .real(.infinity), .null, .null, .null, .null, .null, .null],
            [.bool(false), .int(Int64.min), .real(-2.5e-300), .text(""), .text(#"[1500, "é", {"b": null}]"#),
             .text("1.50"), .date(2_932_896), .timestamp(-62_135_596_800_000_000), .bytes([0])],
        ])
    }

    @Test("columns of PostgreSQL's own types map to the v1 types; others are text naming their type")
    func serverTypes() throws {
        let warehouse = try TestWarehouse("sqltypes")
        let k = warehouse.qualified("k")
        try warehouse.db.execute("CREATE SCHEMA \(PostgresInspector.quoted(warehouse.schema))")
        #expect(try warehouse.instance.execute(sql: """
            CREATE TABLE \(k) (i2 smallint, i4 integer, i8 bigint, f4 real, f8 double precision, n numeric(10,2),
              b boolean, t text, v varchar(5), c char(3), nm name, by bytea, d date, ts timestamp, tz timestamptz,
              j json, jb jsonb, u uuid, iv interval, arr integer[])
            """) == nil)
        #expect(try warehouse.instance.execute(sql: #"""
            INSERT INTO \#(k) VALUES (-32768, 2147483647, -9223372036854775808, 1.1, '-Infinity', 12.5, true, 'é',
              'abc', 'ab', 'pg', '\x00ff00', '0044-03-15 BC', '2024-02-29 23:59:59.999999',
              '1969-12-31 23:59:59.999999+00', '{"b": 1,  "a":2}', '{"b": 1, "a": 2}',
              'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '1 day 02:00:00', '{1,2}'),
              (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
              NULL, NULL, NULL)
            """#) == 2)
        do {
            let stream = try warehouse.instance.query(sql: "SELECT * FROM \(k)")
            #expect(stream.schema.fields.map { $0.metadata["etl.source_type"] ?? "" }
                == Array(repeating: "", count: 17) + ["uuid", "interval", "integer[]"])
            while try stream.next() != nil {}
        }
        let result = try queryRows(warehouse.instance, "SELECT * FROM \(k) ORDER BY i2 NULLS LAST")
        #expect(result.fields == [
            "i2: int64", "i4: int64", "i8: int64", "f4: float64", "f8: float64", "n: utf8 decimal(10,2)", "b: bool",
            "t: utf8", "v: utf8", "c: utf8", "nm: utf8", "by: binary", "d: date32", "ts: timestamp[us, UTC]",
            "tz: timestamp[us, UTC]", "j: utf8 json", "jb: utf8 json", "u: utf8", "iv: utf8", "arr: utf8",
        ])
        #expect(result.rows == [
            [.int(-32768), .int(2_147_483_647), .int(Int64.min), .real(Double(Float(1.1))), .real(-.infinity),
             .text("12.50"), .bool(true), .text("é"), .text("abc"), .text("ab "), .text("pg"), .bytes([0, 255, 0]),
             .date(days(-43, 3, 15)), .timestamp(Int64(days(2024, 2, 29)) * 86_400_000_000 + 86_399_999_999),
             .timestamp(-1), .text(#"{"b": 1,  "a":2}"#), .text(#"{"a": 2, "b": 1}"#),
             .text("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), .text("1 day 02:00:00"), .text("{1,2}")],
            Array(repeating: .null, count: 20),
        ])
    }

    @Test("expressions take their result types: int4 literals int64, numeric decimal, NULL text")
    func expressionTypes() throws {
        let warehouse = try TestWarehouse("sqlexpr")
        let result = try queryRows(warehouse.instance, #"""
            SELECT 7 AS i, 2.5 AS n, 2.5::float8 AS r, 'x' AS t, '\x0102'::bytea AS b, NULL AS z,
                   1.25::numeric(4,1) AS p, 2::numeric ^ 70 AS big, true AND NULL AS maybe, now() > '2000-01-01' AS later
            """#)
        #expect(result.fields == ["i: int64", "n: utf8 decimal(38,9)", "r: float64", "t: utf8", "b: binary", "z: utf8",
                                  "p: utf8 decimal(4,1)", "big: utf8 decimal(38,9)", "maybe: bool", "later: bool"])
        #expect(result.rows == [[.int(7), .text("2.5"), .real(2.5), .text("x"), .bytes([1, 2]), .null, .text("1.3"),
                                 .text("1180591620717411303424.0000000000000000"), .null, .bool(true)]])
        let special = try queryRows(warehouse.instance,
                                    "SELECT 'NaN'::float8 AS d, 'NaN'::numeric AS n, '-Infinity'::numeric AS m")
        guard case .real(let nan) = special.rows.first?.first else {
            Issue.record("no double: \(special.rows)")
            return
        }
        #expect(nan.isNaN)
        #expect(special.rows.first?.dropFirst() == [.text("NaN"), .text("-Infinity")])
        let none = try queryRows(warehouse.instance, "SELECT 1 AS one WHERE false")
        #expect(none.fields == ["one: int64"])
        #expect(none.batchSizes == [])
    }

    @Test("a large result comes in batches of at most 1024 rows")
    func boundedBatches() throws {
        let warehouse = try TestWarehouse("sqlbatches")
        let result = try queryRows(warehouse.instance, "SELECT v FROM generate_series(1, 2500) AS v")
        #expect(result.batchSizes == [1024, 1024, 452])
        #expect(result.rows == (1...2500).map { [.int(Int64($0))] })
        #expect(try queryRows(warehouse.instance, "SELECT v FROM generate_series(1, 2048) AS v").batchSizes == [1024, 1024])
    }

    @Test("infinite dates and timestamps beyond the Arrow range fail the stream naming row and column")
    func valuesWithoutArrowValues() throws {
        let warehouse = try TestWarehouse("sqlinfinity")
        let date = failure {
            _ = try queryRows(warehouse.instance, "SELECT d FROM (VALUES (1, '2024-01-01'::date), (2, 'infinity')) AS v(k, d) ORDER BY k")
        }
        #expect(date == #"plugin 'postgres': query: row 2, column "d": 'infinity' has no value in the column's Arrow "#
            + "type; CAST the column AS text to read it [ETL_ERR_DATA]")
        let timestamp = failure {
            _ = try queryRows(warehouse.instance, "SELECT '-infinity'::timestamp AS at")
        }
        #expect(timestamp == #"plugin 'postgres': query: row 1, column "at": '-infinity' has no value in the column's "#
            + "Arrow type; CAST the column AS text to read it [ETL_ERR_DATA]")
        let far = failure {
            _ = try queryRows(warehouse.instance, "SELECT '294270-01-01 00:00:00+00'::timestamptz AS far")
        }
        #expect(far == #"plugin 'postgres': query: row 1, column "far": the timestamp is beyond what the Arrow type "#
            + "holds (microseconds since 1970 in 64 bits: up to 294247-01-10); CAST the column AS text to read it "
            + "[ETL_ERR_DATA]")
        // The edges that fit are exact; the instance is usable after a failed stream.
        #expect(try queryRows(warehouse.instance, """
            SELECT '4713-01-01 BC'::date AS first, '5874897-12-31'::date AS last,
                   '294247-01-10 04:00:54.775807+00'::timestamptz AS latest,
                   '0044-03-15 12:00:00.5+00 BC'::timestamptz AS ides, '0001-12-31 23:59:59 BC'::timestamp AS eve
            """).rows == [[.date(days(-4712, 1, 1)), .date(days(5_874_897, 12, 31)), .timestamp(Int64.max),
                           .timestamp(Int64(days(-43, 3, 15)) * 86_400_000_000 + 43_200_500_000),
                           .timestamp(Int64(days(0, 12, 31)) * 86_400_000_000 + 86_399_000_000)]])
    }

    @Test("a statement failing in its first batch fails the query call; later, the stream, and the instance goes on")
    func runtimeFailures() throws {
        let warehouse = try TestWarehouse("sqlruntime")
        let first = hostError { _ = try warehouse.instance.query(sql: "SELECT 1 / 0 AS x") }
        #expect(first?.kind == .badData)
        #expect(first?.sqlstate == "22012")
        #expect(first?.description == "plugin 'postgres': query failed: division by zero (SQLSTATE 22012) [ETL_ERR_DATA (10)]")
        let later = failure {
            _ = try queryRows(warehouse.instance, "SELECT 1 / (v - 1500) AS x FROM generate_series(1, 2000) AS v")
        }
        #expect(later == "plugin 'postgres': query: division by zero (SQLSTATE 22012) [ETL_ERR_DATA]")
        #expect(try queryRows(warehouse.instance, "SELECT 2 AS two").rows == [[.int(2)]])
    }

    @Test("refusals: syntax errors with SQLSTATE and offset, two statements, statements a query cannot run")
    func refusals() throws {
        let warehouse = try TestWarehouse("sqlrefuse")
        let t = warehouse.qualified("t")
        try warehouse.db.execute("CREATE SCHEMA \(PostgresInspector.quoted(warehouse.schema))")
        #expect(try warehouse.instance.execute(sql: "CREATE TABLE \(t) (id bigint)") == nil)
        let syntax = hostError { _ = try warehouse.instance.query(sql: "SELECT id FORM t") }
        #expect(syntax?.sqlstate == "42601")
        #expect(syntax?.description == #"plugin 'postgres': query failed: syntax error at or near "t" at offset 15 "#
            + "(SQLSTATE 42601) [ETL_ERR_INVALID_ARGUMENT (2)]")
        // The offset counts bytes: é is two.
        #expect(failure { _ = try warehouse.instance.execute(sql: "SELECT 'é' FORM t") }
            == #"plugin 'postgres': execute failed: syntax error at or near "t" at offset 17 (SQLSTATE 42601) "#
            + "[ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(failure { _ = try warehouse.instance.execute(sql: "INSERT INTO nope VALUES (1)") }
            == #"plugin 'postgres': execute failed: relation "nope" does not exist at offset 12 (SQLSTATE 42P01) "#
            + "[ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(failure { _ = try warehouse.instance.execute(sql: "DELETE FROM \(t); DROP TABLE \(t)") }
            == "plugin 'postgres': execute failed: cannot insert multiple commands into a prepared statement "
            + "(SQLSTATE 42601; pass one statement per call) [ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(failure { _ = try warehouse.instance.query(sql: "SELECT 1; SELECT 2") }
            == "plugin 'postgres': query failed: cannot insert multiple commands into a prepared statement "
            + "(SQLSTATE 42601; pass one statement per call) [ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(failure { _ = try warehouse.instance.query(sql: "DELETE FROM \(t)") }
            == "plugin 'postgres': query failed: the statement returns no columns; run it with execute "
            + "[ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(failure { _ = try warehouse.instance.query(sql: "INSERT INTO \(t) VALUES (1) RETURNING id") }
            == "plugin 'postgres': query failed: a query reads rows through a cursor, which takes SELECT, VALUES, "
            + "TABLE or WITH ... SELECT, not INSERT (a query is read-only; run statements that write with execute) "
            + "[ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(try warehouse.instance.execute(sql: "CREATE SEQUENCE \(warehouse.qualified("s"))") == nil)
        #expect(failure { _ = try warehouse.instance.query(sql: "SELECT nextval('\(warehouse.qualified("s"))')") }
            == "plugin 'postgres': query failed: cannot execute nextval() in a read-only transaction (SQLSTATE "
            + "25006) [ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(failure { _ = try warehouse.instance.execute(sql: "BEGIN") }
            == "plugin 'postgres': execute failed: transaction control (BEGIN) is refused: every statement runs in "
            + "its own transaction [ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(failure { _ = try warehouse.instance.query(sql: " /* a /* nested */ comment */ -- and a line\n commit") }
            == "plugin 'postgres': query failed: transaction control (COMMIT) is refused: every statement runs in "
            + "its own transaction [ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(failure { _ = try warehouse.instance.execute(sql: " ; -- nothing") }
            == "plugin 'postgres': execute failed: the SQL holds no statement [ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(failure { _ = try warehouse.instance.execute(sql: "COPY \(t) FROM STDIN") }
            == "plugin 'postgres': execute failed: COPY ... FROM STDIN needs a data stream, which execute does not "
            + "have; load rows with a sync, or COPY from a file on the server [ETL_ERR_INVALID_ARGUMENT (2)]")
        // Nothing was written, and the connection is ready for the next statement.
        #expect(try warehouse.rows("SELECT count(*)::text FROM \(t)") == [["0"]])
        #expect(try queryRows(warehouse.instance, "SELECT count(*) AS n FROM \(t)").rows == [[.int(0)]])
    }

    @Test("SQL is refused while a writer of the instance is open; another instance reads the old rows until the commit")
    func writerOpen() throws {
        let warehouse = try TestWarehouse("sqlwriter")
        let fields = [ArrowField("id", .int64)]
        try warehouse.load("t", fields, [[[.int(1)], [.int(2)]]])
        let writer = try warehouse.instance.begin(table: "t", schema: ArrowBatchSchema(fields), mode: .replace, runID: "r2")
        try writer.write(try makeBatch(fields, [[.int(3)]]))
        #expect(failure { _ = try warehouse.instance.query(sql: "SELECT 1") }
            == "plugin 'postgres': query failed: a writer is open on this instance (begin without commit or rollback); "
            + "run query on another instance [ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(failure { _ = try warehouse.instance.execute(sql: "SELECT 1") }
            == "plugin 'postgres': execute failed: a writer is open on this instance (begin without commit or "
            + "rollback); run execute on another instance [ETL_ERR_INVALID_ARGUMENT (2)]")
        let reader = try PluginInstance(plugin: try PostgresPlugin.load(), configJSON: #"""
            {"url": "\#(try PostgresInspector.serverURL())", "schema": "\#(warehouse.schema)"}
            """#)
        let t = warehouse.qualified("t")
        #expect(try queryRows(reader, "SELECT id FROM \(t) ORDER BY id").rows == [[.int(1)], [.int(2)]])
        try writer.commit()
        #expect(try queryRows(reader, "SELECT id FROM \(t) ORDER BY id").rows == [[.int(3)]])
        #expect(try queryRows(warehouse.instance, "SELECT id FROM \(t) ORDER BY id").rows == [[.int(3)]])
    }

    @Test("unqualified names resolve in the configured schema first, then public; also after a reconnect")
    func configuredSchemaFirst() throws {
        let warehouse = try TestWarehouse("sqlsearchpath")
        try warehouse.load("t", [ArrowField("id", .int64)], [[[.int(7)]]])
        #expect(try queryRows(warehouse.instance, "SELECT id FROM t").rows == [[.int(7)]])
        #expect(try warehouse.instance.execute(sql: "UPDATE t SET id = 8") == 1)
        #expect(try queryRows(warehouse.instance, "SELECT pg_catalog.current_schema()::text").rows
            == [[.text(warehouse.schema)]])
        // A new server process (the old one terminated) gets the same search_path.
        let pid = try #require(try queryRows(warehouse.instance, "SELECT pg_catalog.pg_backend_pid()").rows.first?.first)
        guard case .int(let backend) = pid else { Issue.record("pid is \(pid)"); return }
        _ = try warehouse.rows("SELECT pg_terminate_backend(\(backend), 10000)::text")
        #expect(try queryRows(warehouse.instance, "SELECT id FROM t").rows == [[.int(8)]])
    }

    @Test("a stream reads one snapshot: rows appended and committed while it is read are not in it")
    func oneSnapshot() throws {
        let warehouse = try TestWarehouse("sqlsnapshot")
        let fields = [ArrowField("id", .int64)]
        try warehouse.load("t", fields, [(1...1500).map { [.int(Int64($0))] }])
        let reader = try PluginInstance(plugin: try PostgresPlugin.load(), configJSON: #"""
            {"url": "\#(try PostgresInspector.serverURL())", "schema": "\#(warehouse.schema)"}
            """#)
        let stream = try reader.query(sql: "SELECT id FROM \(warehouse.qualified("t")) ORDER BY id")
        #expect(try stream.next()?.rowCount == 1024)
        try warehouse.load("t", fields, [[[.int(2000)]]], mode: .append, runID: "r2")
        #expect(try warehouse.rows("SELECT count(*)::text FROM \(warehouse.qualified("t"))") == [["1501"]])
        #expect(try stream.next()?.rowCount == 476)
        #expect(try stream.next() == nil)
    }

    @Test("a stream released early ends its transaction; a call while a stream is open is refused")
    func releasedEarly() throws {
        let warehouse = try TestWarehouse("sqlrelease")
        do {
            let stream = try warehouse.instance.query(sql: "SELECT v FROM generate_series(1, 5000) AS v")
            #expect(try stream.next()?.rowCount == 1024)
            // The host refuses first (the contract allows no other call while a stream lives).
            #expect(failure { _ = try warehouse.instance.execute(sql: "SELECT 1") }
                == "plugin 'postgres': execute refused: the rows of a query on this instance are still being read (a "
                + "QueryStream is alive); until its stream is released, the contract allows no other call on the "
                + "instance: read it to the end and close it (QueryStream.close()), or use another instance")
            withExtendedLifetime(stream) {}
        }  // the stream is released here, after 1024 of its 5000 rows
        #expect(try warehouse.instance.execute(sql: "CREATE SCHEMA \(PostgresInspector.quoted(warehouse.schema))") == nil)
        #expect(try warehouse.rows("SELECT count(*)::text FROM pg_namespace WHERE nspname = "
            + PostgresInspector.literal(warehouse.schema)) == [["1"]])
    }

    @Test("a connection the server dropped: query reconnects and answers; execute fails retryable, the next reconnects")
    func lostConnection() throws {
        let name = "etl-sqlops-\(getpid())-\(UUID().uuidString.prefix(8))"
        let warehouse = try TestWarehouse("sqllost", extraConfig: #", "application_name": "\#(name)""#)
        let backend = "SELECT pid FROM pg_stat_activity WHERE application_name = '\(name)'"
        func terminate() throws {
            #expect(try warehouse.db.rows("SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE "
                + "application_name = '\(name)'") == [["t"]])
        }
        let first = try #require(try warehouse.db.scalar(backend))
        try terminate()
        #expect(try queryRows(warehouse.instance, "SELECT 1 AS one").rows == [[.int(1)]])
        let second = try #require(try warehouse.db.scalar(backend))
        #expect(second != first)
        try terminate()
        let lost = hostError { _ = try warehouse.instance.execute(sql: "SELECT 1") }
        #expect(lost?.sqlstate == "57P01")
        #expect(lost?.retryable == true)
        #expect(lost?.description == "plugin 'postgres': execute failed: terminating connection due to administrator "
            + "command (SQLSTATE 57P01) [ETL_ERR_IO (4)]")
        #expect(try warehouse.instance.execute(sql: "SELECT 1") == nil)
        #expect(try warehouse.db.scalar(backend) != second)
    }
}

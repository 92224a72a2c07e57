import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// `etl-host sync postgres ...`: the PostgreSQL extractor, driven through
/// the built binary against the test server (`scripts/postgres-server`),
/// reading a schema of its own and loading into SQLite or into another
/// schema of the same server.
@Suite struct PostgresSourceTests {
    /// A source schema on the test server, a sandbox, and helpers to run
    /// `etl-host` on them.
    final class Source {
        let sandbox: HostSandbox
        let schema: String
        let url: String
        let db: PostgresInspector
        /// Schemas to drop at the end (warehouse targets).
        var targets: [String] = []

        init(_ label: String) throws {
            sandbox = try HostSandbox("pg-source-\(label)")
            schema = PostgresInspector.uniqueSchema("src_\(label)")
            url = try PostgresInspector.serverURL()
            db = try PostgresInspector(url: url)
            try db.execute("CREATE SCHEMA \(PostgresInspector.quoted(schema))")
        }

        deinit {
            db.dropSchema(schema)
            targets.forEach { db.dropSchema($0) }
        }

        /// `etl-host <arguments>` in the sandbox.
        func run(_ arguments: [String], environment: [String: String] = [:]) throws -> TestSupport.ProcessResult {
            try TestSupport.run(TestSupport.hostExecutable, arguments,
                                environment: sandbox.environment.merging(environment) { $1 }, currentDirectory: sandbox.root)
        }

        /// `etl-host sync postgres sqlite` from this schema into `out.db`.
        func syncToSQLite(_ arguments: String..., environment: [String: String] = [:]) throws -> TestSupport.ProcessResult {
            try run(["sync", "postgres", "sqlite", "-s", "url=\(url)", "-s", "schemas=\(schema)",
                     "-d", "path=out.db"] + arguments, environment: environment)
        }

        /// `etl-host sync postgres postgres` from this schema into `target`
        /// (default: a new schema).
        func syncToPostgres(_ arguments: String..., into existing: String? = nil) throws -> (String, TestSupport.ProcessResult) {
            let target = existing ?? PostgresInspector.uniqueSchema("dst")
            if existing == nil { targets.append(target) }
            let result = try run(["sync", "postgres", "postgres", "-s", "url=\(url)", "-s", "schemas=\(schema)",
                                  "-d", "url=\(url)", "-d", "schema=\(target)"] + arguments)
            return (target, result)
        }

        func table(_ name: String) -> String { PostgresInspector.qualified(schema, name) }

        func sqlite() throws -> SQLiteInspector { try SQLiteInspector(path: sandbox.root + "/out.db") }
    }

    /// A table with every mapped type and edge values: extremes, NULLs,
    /// numeric(38,10), timestamptz written in three zones, JSON with
    /// unicode, bytea with zero bytes, empty arrays.
    static func createKinds(in source: Source) throws {
        try source.db.execute("""
            CREATE TABLE \(source.table("kinds")) (
              id integer PRIMARY KEY, small smallint, big bigint, flag boolean, price numeric(38,10),
              ratio real, amount double precision, label text, code varchar(12), day date, at timestamp,
              at_tz timestamptz, doc json, docb jsonb, uid uuid, bytes bytea, tags text[], nums integer[],
              free numeric, span interval);
            INSERT INTO \(source.table("kinds")) VALUES
              (1, -32768, -9223372036854775808, true, -9999999999999999999999999999.9999999999,
               1.1, 1.7976931348623157e308, E'h\\u00e9llo "q"\\nline', 'ABC', '0001-01-01', '1970-01-01 00:00:00',
               '2026-03-29 01:30:00+01', '{"k": "üñí 🙂",  "n": [1,2]}', '{"b": null, "a": [true]}',
               'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '\\x00ff0001', '{}', '{1,NULL,3}', 12345678901234567890.5,
               '1 day 2 hours'),
              (2, 32767, 9223372036854775807, false, 0.0000000001, -2.5, 5e-324, '', '', '9999-12-31',
               '2038-01-19 03:14:07.999999', '1999-12-31 23:59:59.999999-08', '[]', '[]',
               '00000000-0000-0000-0000-000000000000', '\\x', '{"a,b","c\\"d"}', '{}', -0.000, '-3 minutes'),
              (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
               NULL, NULL, NULL);
            """)
    }

    @Test func everyTypeRoundTripsIntoSQLite() throws {
        let source = try Source("sqlite")
        try Self.createKinds(in: source)
        let result = try source.syncToSQLite()
        #expect(result.status == 0, "\(result.stderr)")
        let out = try source.sqlite()
        let columns = try out.columns("kinds")
        #expect(columns == [
            "id INTEGER", "small INTEGER", "big INTEGER", "flag BOOLEAN", "price DECIMAL_TEXT(38,9)", "ratio REAL",
            "amount REAL", "label TEXT", "code TEXT", "day DATE_TEXT", "at TIMESTAMP_TEXT", "at_tz TIMESTAMP_TEXT",
            "doc JSON_TEXT", "docb JSON_TEXT", "uid TEXT", "bytes BLOB", "tags JSON_TEXT", "nums JSON_TEXT",
            "free TEXT", "span TEXT",
        ], "\(columns)")
        #expect(try out.rows("""
            SELECT id, small, big, flag, price, label, code, day, at, at_tz, doc, docb, uid, hex(bytes), typeof(bytes),
                   tags, nums, free, span FROM kinds ORDER BY id
            """) == [
            ["1", "-32768", "-9223372036854775808", "1", "-9999999999999999999999999999.9999999999", "héllo \"q\"\nline",
             "ABC", "0001-01-01", "1970-01-01T00:00:00.000000Z", "2026-03-29T00:30:00.000000Z",
             #"{"k": "üñí 🙂",  "n": [1,2]}"#, #"{"a": [true], "b": null}"#, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
             "00FF0001", "blob", "[]", "[1,null,3]", "12345678901234567890.5", "P1DT2H"],
            ["2", "32767", "9223372036854775807", "0", "0.0000000001", "", "", "9999-12-31",
             "2038-01-19T03:14:07.999999Z", "2000-01-01T07:59:59.999999Z", "[]", "[]",
             "00000000-0000-0000-0000-000000000000", "", "blob", #"["a,b","c\"d"]"#, "[]", "0.000", "PT-3M"],
            ["3", nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, "", "null", nil, nil, nil, nil],
        ])
        // Doubles compared as numbers (SQLite prints 15 digits): real 1.1 stays 1.1, not 1.100000023841858.
        #expect(try out.rows("""
            SELECT ratio = 1.1, amount = 1.7976931348623157e308 FROM kinds WHERE id = 1
            UNION ALL SELECT ratio = -2.5, amount = 4.9406564584124654e-324 FROM kinds WHERE id = 2
            """) == [["1", "1"], ["1", "1"]])
    }

    @Test func everyTypeRoundTripsIntoPostgres() throws {
        let source = try Source("pg")
        try Self.createKinds(in: source)
        let (target, result) = try source.syncToPostgres()
        #expect(result.status == 0, "\(result.stderr)")
        let copy = PostgresInspector.qualified(target, "kinds")
        // Every column the same value (as text, or as jsonb for JSON, arrays and jsonb, whose spelling
        // the warehouse's jsonb normalizes; `timestamp` arrives as UTC timestamptz).
        let same = try source.db.rows("""
            SELECT s.id,
              s.small::text = d.small::text, s.big::text = d.big::text, s.flag = d.flag,
              s.price::text = d.price::text, s.ratio::text = d.ratio::text, s.amount::text = d.amount::text,
              s.label = d.label, s.code = d.code, s.day = d.day, (s.at AT TIME ZONE 'UTC') = d.at, s.at_tz = d.at_tz,
              s.doc::jsonb = d.doc, s.docb = d.docb, s.uid::text = d.uid, s.bytes = d.bytes,
              array_to_json(s.tags)::jsonb = d.tags, array_to_json(s.nums)::jsonb = d.nums,
              s.free::text = d.free, s.span::text IS NULL = (d.span IS NULL)
            FROM \(source.table("kinds")) s JOIN \(copy) d ON d.id = s.id WHERE s.id < 3 ORDER BY s.id
            """)
        #expect(same == [["1"] + Array(repeating: "t", count: 19), ["2"] + Array(repeating: "t", count: 19)])
        #expect(try source.db.rows("SELECT price::text, bytes::text, uid, at_tz::text FROM \(copy) ORDER BY id") == [
            ["-9999999999999999999999999999.9999999999", "\\x00ff0001", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
             "2026-03-29 00:30:00+00"],
            ["0.0000000001", "\\x", "00000000-0000-0000-0000-000000000000", "2000-01-01 07:59:59.999999+00"],
            [nil, nil, nil, nil],
        ])
        #expect(try source.db.scalar("SELECT count(*) FROM \(copy) WHERE id = 3 AND num_nulls(small, big, flag, price, "
            + "ratio, amount, label, code, day, at, at_tz, doc, docb, uid, bytes, tags, nums, free, span) = 19") == "1")
        // The catalog's primary key is the stream's key: an upsert needs no --primary-key and merges on id.
        try source.db.execute("UPDATE \(source.table("kinds")) SET label = 'changed' WHERE id = 2")
        let upsert = try source.syncToPostgres("--mode", "upsert", into: target)
        #expect(upsert.1.status == 0, "\(upsert.1.stderr)")
        #expect(try source.db.rows("SELECT id, label FROM \(copy) ORDER BY id") == [
            ["1", "héllo \"q\"\nline"], ["2", "changed"], ["3", nil],
        ])
    }

    @Test func incrementalTiesAtTheBatchBoundaryAreNeitherLostNorRepeated() throws {
        let source = try Source("incr")
        // 25 rows share one cursor value; batches of 7 rows cut through them.
        try source.db.execute("""
            CREATE TABLE \(source.table("events")) (id integer PRIMARY KEY, changed timestamptz, note text);
            INSERT INTO \(source.table("events"))
              SELECT i, CASE WHEN i <= 5 THEN '2026-01-01 00:00:00+00' ELSE '2026-01-02 00:00:00+00' END::timestamptz, 'v1'
              FROM generate_series(1, 30) AS i;
            INSERT INTO \(source.table("events")) VALUES (31, NULL, 'no cursor');
            """)
        let arguments = ["-s", #"cursor={"events": "changed"}"#, "-s", "batch_rows=7", "--mode", "append", "--incremental"]
        func sync() throws {
            let result = try source.run(["sync", "postgres", "sqlite", "-s", "url=\(source.url)", "-s",
                                         "schemas=\(source.schema)", "-d", "path=out.db"] + arguments)
            #expect(result.status == 0, "\(result.stderr)")
        }
        try sync()
        let out = try source.sqlite()
        #expect(try out.rows("SELECT id FROM events ORDER BY rowid").map { $0[0] ?? "" } == (1...30).map(String.init))
        // Rows after the boundary: more with the same cursor value (larger ids), one later, one changed.
        try source.db.execute("""
            INSERT INTO \(source.table("events"))
              SELECT i, '2026-01-02 00:00:00+00', 'tie' FROM generate_series(32, 40) AS i;
            INSERT INTO \(source.table("events")) VALUES (41, '2026-01-03 00:00:00+00', 'later');
            UPDATE \(source.table("events")) SET changed = '2026-01-04 00:00:00+00', note = 'v2' WHERE id = 3;
            """)
        try sync()
        #expect(try out.rows("SELECT id, note FROM events WHERE rowid > 30 ORDER BY rowid") ==
            (32...40).map { [String($0), "tie"] } + [["41", "later"], ["3", "v2"]])
        // A third run with nothing new adds nothing.
        try sync()
        #expect(try out.scalar("SELECT count(*) FROM events") == "41")
        #expect(try out.scalar("SELECT state_json FROM _etl_state WHERE state_key LIKE '%events%'")
            == #"{"cursor":"2026-01-04 00:00:00+00","key":["3"]}"#)
    }

    @Test func incrementalUpsertWithDeletionsRemovesRowsGoneAtTheSource() throws {
        let source = try Source("deletions")
        try source.db.execute("""
            CREATE TABLE \(source.table("items")) (id integer PRIMARY KEY, version integer NOT NULL, name text);
            INSERT INTO \(source.table("items")) SELECT i, 1, 'item ' || i FROM generate_series(1, 10) AS i;
            """)
        func sync() throws {
            let result = try source.syncToSQLite("-s", #"cursor={"items": "version"}"#, "-s", "batch_rows=3",
                                                 "--mode", "upsert", "--incremental", "--deletions", "remove")
            #expect(result.status == 0, "\(result.stderr)")
        }
        try sync()
        try source.db.execute("""
            DELETE FROM \(source.table("items")) WHERE id IN (2, 7);
            UPDATE \(source.table("items")) SET version = 2, name = 'renamed' WHERE id = 5;
            """)
        try sync()
        #expect(try source.sqlite().rows("SELECT id, name FROM items ORDER BY id") == [
            ["1", "item 1"], ["3", "item 3"], ["4", "item 4"], ["5", "renamed"], ["6", "item 6"], ["8", "item 8"],
            ["9", "item 9"], ["10", "item 10"],
        ])
    }

    @Test func aTableDroppedBetweenDiscoverAndReadIsNamedAndTheWarehouseIsUnchanged() throws {
        let source = try Source("dropped")
        try source.db.execute("""
            CREATE TABLE \(source.table("orders")) (id integer PRIMARY KEY, total numeric(10,2));
            INSERT INTO \(source.table("orders")) VALUES (1, 9.99);
            """)
        #expect(try source.syncToSQLite().status == 0)
        try source.db.execute("INSERT INTO \(source.table("orders")) VALUES (2, 5.00)")
        let before = try source.sqlite().dump()
        // The host stops right after discover and runs the command: the table is gone when read() comes.
        let drop = "psql -X '\(source.url)' -q -c 'DROP TABLE \(source.table("orders")) '"
        let result = try source.syncToSQLite(environment: ["ETL_CRASH_AT": "catalog", "ETL_CRASH_COMMAND": drop])
        #expect(result.status != 0)
        #expect(result.stderr.contains(#"stream "orders": the table "\#(source.schema)"."orders" no longer exists"#),
                "\(result.stderr)")
        #expect(!result.stderr.contains("password"))
        #expect(try source.sqlite().dump() == before)
    }

    @Test func parallelStreamsReadOneSnapshotTakenAtDiscover() throws {
        let source = try Source("parallel")
        let names = (1...6).map { "t\($0)" }
        for name in names {
            try source.db.execute("CREATE TABLE \(source.table(name)) (id integer PRIMARY KEY); "
                + "INSERT INTO \(source.table(name)) VALUES (1)")
        }
        // Right after discover (before the other workers open), every table gets a second row. Workers
        // opened later would see it in a transaction of their own; importing the first instance's
        // exported snapshot, no stream does.
        let inserts = names.map { "INSERT INTO \(source.table($0)) VALUES (2);" }.joined(separator: " ")
        let result = try source.syncToSQLite("--parallel", "3", "--log-level", "debug",
                                             environment: ["ETL_CRASH_AT": "catalog",
                                                           "ETL_CRASH_COMMAND": "psql -X '\(source.url)' -q -c '\(inserts)'"])
        #expect(result.status == 0, "\(result.stderr)")
        let out = try source.sqlite()
        for name in names {
            #expect(try out.rows("SELECT id FROM \(name)") == [["1"]], "\(name)")
        }
        #expect(result.stderr.contains("reading in the snapshot "), "\(result.stderr)")
        #expect(try source.db.scalar("SELECT count(*) FROM \(source.table("t6"))") == "2")
    }

    @Test func configMistakesAreNamedAndNoPasswordIsPrinted() throws {
        let source = try Source("mistakes")
        try source.db.execute("""
            CREATE TABLE \(source.table("logs")) (at timestamptz, line text);
            CREATE TABLE \(source.table("orders")) (id integer PRIMARY KEY, total numeric(10,2));
            """)
        func sync(_ settings: String...) throws -> TestSupport.ProcessResult {
            try source.run(["sync", "postgres", "sqlite", "-s", "schemas=\(source.schema)", "-d", "path=out.db"]
                + settings.flatMap { ["-s", $0] })
        }
        let noKey = try sync("url=\(source.url)", #"cursor={"logs": "at"}"#)
        #expect(noKey.status == 64)
        #expect(noKey.stderr.contains(#"stream "logs": config "cursor" names "at", but the stream has no primary key to order rows that share a cursor value; give one with "keys": {"logs": ["id"]}"#), "\(noKey.stderr)")
        let noColumn = try sync("url=\(source.url)", #"cursor={"orders": "updated_at"}"#)
        #expect(noColumn.status == 64)
        #expect(noColumn.stderr.contains(#"stream "orders": config "cursor" names the column "updated_at", which the table "\#(source.schema)"."orders" does not have (columns: id, total)"#), "\(noColumn.stderr)")
        let unknownStream = try sync("url=\(source.url)", #"cursor={"nope": "id"}"#)
        #expect(unknownStream.status == 64)
        #expect(unknownStream.stderr.contains(#"config "cursor" names the stream "nope", which is not one of this config's streams (logs, orders)"#), "\(unknownStream.stderr)")
        let refused = try sync("url=postgresql://postgres:s3cret-pw@127.0.0.1:1/etl_test")
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("connecting to 127.0.0.1:1"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("s3cret-pw"), "\(refused.stderr)")
    }

    @Test func queriesAndListedTablesAreStreams() throws {
        let source = try Source("queries")
        try source.db.execute("""
            CREATE TABLE \(source.table("orders")) (id integer PRIMARY KEY, total numeric(10,2));
            CREATE TABLE \(source.table("ignored")) (id integer);
            INSERT INTO \(source.table("orders")) VALUES (1, 9.99), (2, 120.00), (3, 300.50);
            """)
        let big = "SELECT id, total * 2 AS doubled FROM \(source.table("orders")) WHERE total > 100"
        let result = try source.run(["sync", "postgres", "sqlite", "-s", "url=\(source.url)", "-s", "schemas=\(source.schema)",
                                     "-s", "tables=orders", "-s", "queries={\"big\": \"\(big.replacingOccurrences(of: "\"", with: "\\\""))\"}",
                                     "-d", "path=out.db"])
        #expect(result.status == 0, "\(result.stderr)")
        let out = try source.sqlite()
        #expect(try out.rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_etl%' ESCAPE '\\' ORDER BY 1")
            == [["big"], ["orders"]])
        #expect(try out.rows("SELECT id, doubled FROM big ORDER BY id") == [["2", "240.00"], ["3", "601.00"]])
    }

    @Test func theConformanceSuitePasses() throws {
        let source = try Source("conformance")
        try Self.createKinds(in: source)
        try source.db.execute("""
            CREATE TABLE \(source.table("events")) (id integer PRIMARY KEY, changed date);
            INSERT INTO \(source.table("events")) VALUES (1, '2026-01-01'), (2, '2026-01-02'), (3, '2026-01-02');
            """)
        let result = try source.run(["plugins", "test", "postgres", "--kind", "extractor", "-c", "url=\(source.url)",
                                     "-c", "schemas=\(source.schema)", "-c", #"cursor={"events": "changed"}"#])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(!result.stdout.contains("FAIL"), "\(result.stdout)")
        let ambiguous = try source.run(["plugins", "test", "postgres", "-c", "url=\(source.url)"])
        #expect(ambiguous.status == 64)
        #expect(ambiguous.stderr.contains("plugin 'postgres' is both an extractor and a warehouse; say which with --kind"),
                "\(ambiguous.stderr)")
    }

    @Test func aPipelineStepSyncsFromPostgres() throws {
        let source = try Source("pipeline")
        try source.db.execute("""
            CREATE TABLE \(source.table("orders")) (id integer PRIMARY KEY, total numeric(10,2));
            INSERT INTO \(source.table("orders")) VALUES (1, 9.99), (2, 120.00);
            """)
        let pipeline = """
            name: pg-to-sqlite
            connections:
              shop: {plugin: postgres, url: "\(source.url)", schemas: ["\(source.schema)"]}
              lake: {plugin: sqlite, path: out.db}
            steps:
              load: {sync: {from: shop, to: lake}}
            """
        try Data(pipeline.utf8).write(to: URL(fileURLWithPath: source.sandbox.root + "/etl.yaml"))
        let result = try source.run(["run", "-f", "etl.yaml"])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(try source.sqlite().rows("SELECT id, total FROM orders ORDER BY id") == [["1", "9.99"], ["2", "120.00"]])
    }
}

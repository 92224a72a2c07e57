import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// `etl-host sync ... postgres`, driven through the built binary into the
/// test server (`scripts/postgres-server`), each test in its own schema.
@Suite struct SyncPostgresTests {
    /// A sandbox, a schema of its own, and a connection to read it.
    final class Target {
        let sandbox: HostSandbox
        let schema: String
        let url: String
        let db: PostgresInspector

        init(_ label: String) throws {
            sandbox = try HostSandbox("sync-pg-\(label)")
            schema = PostgresInspector.uniqueSchema(label)
            url = try PostgresInspector.serverURL()
            db = try PostgresInspector(url: url)
        }

        deinit { db.dropSchema(schema) }

        /// `etl-host sync <extractor> postgres` with the URL and schema, then `arguments`.
        func sync(_ extractor: String, _ arguments: String..., environment: [String: String] = [:]) throws
            -> TestSupport.ProcessResult
        {
            try TestSupport.run(TestSupport.hostExecutable,
                                ["sync", extractor, "postgres", "-d", "url=\(url)", "-d", "schema=\(schema)"] + arguments,
                                environment: sandbox.environment.merging(environment) { $1 },
                                currentDirectory: sandbox.root)
        }

        func write(_ text: String, to name: String) throws {
            try Data(text.utf8).write(to: URL(fileURLWithPath: sandbox.root + "/" + name))
        }

        func qualified(_ table: String) -> String { PostgresInspector.qualified(schema, table) }

        func rows(_ sql: String) throws -> [[String?]] { try db.rows(sql) }

        func dump() throws -> String { try db.dump(schema: schema) }
    }

    @Test func csvLoadsTypedWithNormalizedNamesAndReplaceTwiceIsIdentical() throws {
        let target = try Target("csv")
        try target.write([
            "Order ID,First Name,first_name,First-Name,Order,Group,🙂,2nd,Amount,Paid,Day,At,Code,Quote\"d",
            "1,Ada,a,A,x,g,smile,two,1.5,true,2024-01-05,2024-01-05T10:00:00Z,007,q",
            #"2,"Grace ""G""",b,,y,h,,,2,FALSE,2024-02-29,2024-02-29 23:59:59.5,010,"a,b""#,
        ].joined(separator: "\r\n") + "\r\n", to: "people.csv")
        let result = try target.sync("csv", "-s", "path=people.csv")
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.contains(": csv -> postgres (replace), succeeded in ") == true)
        #expect(lines.dropFirst(2).first?.hasPrefix("people  people  succeeded  2     2        0         0            ") == true)
        #expect(try target.db.columns("people", schema: target.schema) == [
            "order_id bigint", "first_name text", "first_name_2 text", "first_name_3 text", "order text", "group text",
            "column text", "_2nd text", "amount double precision", "paid boolean", "day date",
            "at timestamp with time zone", "code text", "quote_d text",
        ])
        #expect(try target.rows("""
            SELECT order_id, first_name, first_name_3, "order", "group", "column", amount::text, paid::text, day::text,
                   at::text, code, quote_d FROM \(target.qualified("people")) ORDER BY order_id
            """) == [
            ["1", "Ada", "A", "x", "g", "smile", "1.5", "true", "2024-01-05", "2024-01-05 10:00:00+00", "007", "q"],
            ["2", "Grace \"G\"", nil, "y", "h", nil, "2", "false", "2024-02-29", "2024-02-29 23:59:59.5+00", "010", "a,b"],
        ])
        #expect(try target.rows("SELECT stream, table_name, mode, status, rows_read, rows_written FROM "
            + "\(target.qualified("_etl_runs"))") == [["people", "people", "replace", "succeeded", "2", "2"]])
        let people = "SELECT t::text FROM \(target.qualified("people")) t ORDER BY 1"
        let first = try target.rows(people)
        #expect(try target.sync("csv", "-s", "path=people.csv", "--quiet").status == 0)
        #expect(try target.rows(people) == first)
        #expect(try target.db.tables(schema: target.schema) == ["_etl_runs", "_etl_schemas", "people"])
        #expect(try target.rows("SELECT count(*) FROM \(target.qualified("_etl_runs"))") == [["2"]])
    }

    @Test func appendDoublesAndUpsertMerges() throws {
        let target = try Target("modes")
        try target.write("id,name,price\n1,apple,1.0\n2,pear,2.5\n3,fig,3\n", to: "items.csv")
        #expect(try target.sync("csv", "-s", "path=items.csv", "--quiet").status == 0)
        let items = target.qualified("items")
        let first = try target.rows("SELECT * FROM \(items) ORDER BY id")
        #expect(first == [["1", "apple", "1"], ["2", "pear", "2.5"], ["3", "fig", "3"]])
        #expect(try target.sync("csv", "-s", "path=items.csv", "--quiet").status == 0)
        #expect(try target.rows("SELECT * FROM \(items) ORDER BY id") == first)

        #expect(try target.sync("csv", "-s", "path=items.csv", "--mode", "append", "--quiet").status == 0)
        #expect(try target.rows("SELECT count(*) FROM \(items)") == [["6"]])

        #expect(try target.sync("csv", "-s", "path=items.csv", "--quiet").status == 0)
        try target.write("id,name,price\n2,pear,9.99\n4,kiwi,0.5\n", to: "items.csv")
        let upsert = try target.sync("csv", "-s", "path=items.csv", "--mode", "upsert", "--primary-key", "id", "--quiet")
        #expect(upsert.status == 0, "\(upsert.stderr)")
        #expect(try target.rows("SELECT id, name, price FROM \(items) ORDER BY id")
            == [["1", "apple", "1"], ["2", "pear", "9.99"], ["3", "fig", "3"], ["4", "kiwi", "0.5"]])
    }

    @Test func lateColumnsAndWidenedTypesLoadWithoutLosingValues() throws {
        let target = try Target("late")
        try target.write("id,code\n1,5\n2,6\n", to: "t.csv")
        #expect(try target.sync("csv", "-s", "path=t.csv", "--quiet").status == 0)
        try target.write("id,code,extra\n3,007,x\n", to: "t.csv")
        let result = try target.sync("csv", "-s", "path=t.csv", "--mode", "append", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONDecoder().decode(SyncReport.self, from: Data(result.stdout.utf8))
        #expect(report.streams.first?.newColumns == ["extra"])
        #expect(report.streams.first?.widenedColumns == ["code: integer -> text"])
        #expect(try target.rows("SELECT id, code, extra FROM \(target.qualified("t")) ORDER BY id")
            == [["1", "5", nil], ["2", "6", nil], ["3", "007", "x"]])

        let lines = [
            #"{"id": 1, "name": "Ada", "tags": ["a", "b"], "meta": {"x": 1, "y": [true, null]}, "zip": "007"}"#,
            #"{"id": 2, "name": "Gr\u00e2ce", "score": 1.5}"#,
            #"{"name": "no id", "id": 3, "score": 2, "flag": true, "Order": "x", "order": "y", "big": 18446744073709551616}"#,
        ]
        try target.write(lines.joined(separator: "\n") + "\n", to: "events.jsonl")
        let jsonl = try target.sync("jsonl", "-s", "path=events.jsonl", "--quiet")
        #expect(jsonl.status == 0, "\(jsonl.stderr)")
        #expect(try target.db.columns("events", schema: target.schema) == [
            "id bigint", "name text", "tags jsonb", "meta jsonb", "zip text", "score double precision", "flag boolean",
            "order text", "order_2 text", "big numeric",  // beyond Int64: exact, digit for digit
        ])
        #expect(try target.rows("""
            SELECT id, name, tags::text, meta->'y'->>0, zip, score::text, flag::text, "order", order_2, big
            FROM \(target.qualified("events")) ORDER BY id
            """) == [
            ["1", "Ada", #"["a", "b"]"#, "true", "007", nil, nil, nil, nil, nil],
            ["2", "Grâce", nil, nil, nil, "1.5", nil, nil, nil, nil],
            ["3", "no id", nil, nil, nil, "2", "true", "x", "y", "18446744073709551616"],
        ])
    }

    @Test func badInputFailsWithExitCode65AndLeavesTheTablesUnchanged() throws {
        let target = try Target("bad")
        try target.write("id,amount\n1,10\n2,20\n", to: "orders.csv")
        #expect(try target.sync("csv", "-s", "path=orders.csv", "--quiet").status == 0)
        try target.write("{\"id\": 1}\n", to: "events.jsonl")
        #expect(try target.sync("jsonl", "-s", "path=events.jsonl", "--quiet").status == 0)
        let before = try target.dump()

        try target.write("id,amount\n1,10\n2,20,oops\n3,30\n", to: "orders.csv")
        try target.write("{\"id\": 2}\n{\"id\": 3,, }\n", to: "events.jsonl")
        for mode in ["replace", "append", "upsert"] {
            let csv = try target.sync("csv", "-s", "path=orders.csv", "--mode", mode, "--primary-key", "id")
            #expect(csv.status == 65)
            #expect(csv.stderr.contains("orders.csv line 3: expected 2 fields, found 3"), "\(csv.stderr)")
            let jsonl = try target.sync("jsonl", "-s", "path=events.jsonl", "--mode", mode, "--primary-key", "id")
            #expect(jsonl.status == 65)
            #expect(jsonl.stderr.contains("events.jsonl line 2, column 10: "), "\(jsonl.stderr)")
            #expect(try target.dump() == before)
        }
    }

    @Test func maxBadRowsSetsMalformedRecordsAsideInEtlRejects() throws {
        let target = try Target("rejects")
        let bytes = Array("id,name\n1,a\n2,b,extra\n3,c\n4,".utf8) + [0xFF, 0xFE] + Array("\n5,e\n".utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: target.sandbox.root + "/people.csv"))
        let result = try target.sync("csv", "-s", "path=people.csv", "--max-bad-rows", "2", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try target.rows("SELECT id, name FROM \(target.qualified("people")) ORDER BY id")
            == [["1", "a"], ["3", "c"], ["5", "e"]])
        #expect(try target.db.columns("_etl_rejects", schema: target.schema).contains("raw_bytes bytea"))
        #expect(try target.rows("SELECT location, raw, encode(raw_bytes, 'hex') FROM \(target.qualified("_etl_rejects")) "
            + "ORDER BY location") == [
            ["people.csv line 3", "2,b,extra", "322c622c6578747261"],
            ["people.csv line 5", "4,\u{FFFD}\u{FFFD}", "342cfffe"],
        ])
    }

    @Test func hostileNamesInTablesAndColumns() throws {
        let target = try Target("hostile")
        try target.write("select,\"a \"\"quoted\"\" name\",🙂,User\n1,x,y,z\n", to: "Robert'); DROP TABLE x;--.csv")
        let result = try target.sync("csv", "-s", "path=Robert'); DROP TABLE x;--.csv", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONDecoder().decode(SyncReport.self, from: Data(result.stdout.utf8))
        let table = try #require(report.streams.first?.table)
        #expect(try target.db.columns(table, schema: target.schema) == [
            "select bigint", "a_quoted_name text", "column text", "user text",
        ])
        #expect(try target.rows("SELECT * FROM \(target.qualified(table))") == [["1", "x", "y", "z"]])
        #expect(try target.sync("csv", "-s", "path=Robert'); DROP TABLE x;--.csv", "--mode", "upsert",
                                "--primary-key", "select", "--quiet").status == 0)
    }

    @Test func aSyncKilledDuringReplaceLeavesThePreviousTableIntact() throws {
        let target = try Target("kill")
        var text = "id,name,score\n"
        for row in 0 ..< 30_000 { text += "\(row),name \(row),\(Double(row) / 4)\n" }
        try target.write(text, to: "big.csv")
        #expect(try target.sync("csv", "-s", "path=big.csv", "--quiet").status == 0)
        let check = "SELECT count(*), sum(id), sum(score), max(name) FROM \(target.qualified("big"))"
        let expected = try target.rows(check)
        #expect(expected == [["30000", "449985000", "112496250", "name 9999"]])

        // SIGKILL at exact moments spread over a whole run: reading, loading, swapping, committing.
        let session = "etl-kill-\(target.schema)"
        for point in SyncCommandTests.replaceKillPoints {
            let killed = try target.sync("csv", "-s", "path=big.csv", "-s", "batch_rows=10000", "-d",
                                         "application_name=\(session)", "--quiet", environment: ["ETL_CRASH_AT": point])
            #expect(killed.signaled && killed.status == SIGKILL, "\(point): \(killed)")
            #expect(try target.rows(check) == expected, "killed at \(point)")
        }
        // The killed sessions' transactions end with their backends (this waits for every one
        // of them to exit): no staging table survives them.
        _ = try target.rows("SELECT pg_terminate_backend(pid, 60000) FROM pg_stat_activity WHERE application_name = '\(session)'")
        let staging = try target.rows("SELECT relname FROM pg_class WHERE relname LIKE '\\_etl\\_staging%' "
            + "AND relnamespace = '\(target.schema)'::regnamespace")
        #expect(staging.isEmpty)
        #expect(try target.sync("csv", "-s", "path=big.csv", "--quiet").status == 0)
        #expect(try target.rows(check) == expected)
        #expect(try target.db.tables(schema: target.schema) == ["_etl_runs", "_etl_schemas", "big"])
    }

    @Test func aReaderInAnotherConnectionNeverSeesAnEmptyTableDuringReplaces() throws {
        let target = try Target("reader")
        func file(_ rows: Int, batch: Int) -> String {
            "id,batch\n" + (0 ..< rows).map { "\($0),\(batch)\n" }.joined()
        }
        try target.write(file(30_000, batch: 0), to: "t.csv")
        #expect(try target.sync("csv", "-s", "path=t.csv", "--quiet").status == 0)
        let table = target.qualified("t")
        let reader = QueryLoop(url: target.url,
                               sql: "SELECT count(*)::text || ':' || min(batch)::text || ':' || max(batch)::text FROM \(table)")
        var allowed: Set<String> = ["30000:0:0"]
        for round in 1 ... 4 {
            let rows = round % 2 == 0 ? 30_000 : 50_000
            try target.write(file(rows, batch: round), to: "t.csv")
            allowed.insert("\(rows):\(round):\(round)")
            let result = try target.sync("csv", "-s", "path=t.csv", "--quiet")
            #expect(result.status == 0, "\(result.stderr)")
        }
        let seen = try reader.stop()
        #expect(seen.count > 20, "the reader ran \(seen.count) queries")
        #expect(seen.allSatisfy { allowed.contains($0) }, "\(Set(seen).subtracting(allowed))")
        #expect(Set(seen).count >= 3, "the reader saw \(Set(seen))")
    }

    @Test func anAirtableBaseLoadsTypedIntoPostgres() throws {
        let server = try AirtableServer(fixture: SyncAirtableTests.fixture)
        let target = try Target("airtable")
        let result = try target.sync("airtable", "-s", "base=\(SyncAirtableTests.base)", "-s", "api_url=\(server.url)",
                                     "--json", environment: ["AIRTABLE_TOKEN": AirtableServer.defaultToken])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.contains(AirtableServer.defaultToken) && !result.stderr.contains(AirtableServer.defaultToken))
        #expect(try target.db.columns("customers", schema: target.schema) == [
            "id text", "created_time timestamp with time zone", "name text", "first_name text", "first_name_2 text",
            "active boolean", "orders bigint", "balance double precision", "since date", "tags jsonb", "segment text",
            "notes text", "never_filled text",
        ])
        #expect(try target.rows("SELECT id, created_time::text, name, first_name, first_name_2, active::text, "
            + "orders::text, balance::text, since::text, tags::text, segment, notes, never_filled FROM "
            + "\(target.qualified("customers")) ORDER BY id") == [
            ["recAAAAAAAAAAAAA1", "2024-01-05 09:30:00+00", "Ada", "Ada", "ada", "true", "3", "10.5", "2020-02-29",
             #"["vip", "eu"]"#, "Retail", "line 1\r\nsaid \"hi\" 🙂; DROP TABLE customers; --", nil],
            ["recAAAAAAAAAAAAA2", "2024-01-06 10:00:00+00", "Grace", nil, nil, "false", "0", "5", nil, nil, nil, nil, nil],
        ])
        // Incremental: the state is in _etl_state, committed with the rows.
        let incremental = try target.sync("airtable", "-s", "base=\(SyncAirtableTests.base)", "-s", "api_url=\(server.url)",
                                          "--mode", "upsert", "--incremental", "--quiet",
                                          environment: ["AIRTABLE_TOKEN": AirtableServer.defaultToken])
        #expect(incremental.status == 0, "\(incremental.stderr)")
        #expect(try target.rows("SELECT state_key FROM \(target.qualified("_etl_state"))") == [["airtable/Customers"]])
    }

    @Test func theServerComesFromLibpqsEnvironmentAndPasswordsAreNeverPrinted() throws {
        let target = try Target("env")
        try target.write("id\n1\n", to: "x.csv")
        let url = URL(string: target.url)!
        let environment = ["PGHOST": url.host!, "PGPORT": String(url.port!), "PGUSER": url.user!,
                           "PGDATABASE": String(url.path.dropFirst())]
        let result = try TestSupport.run(TestSupport.hostExecutable,
                                         ["sync", "csv", "postgres", "-s", "path=x.csv", "-d", "schema=\(target.schema)", "--quiet"],
                                         environment: target.sandbox.environment.merging(environment) { $1 },
                                         currentDirectory: target.sandbox.root)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try target.rows("SELECT id FROM \(target.qualified("x"))") == [["1"]])

        let secret = "not-the-Password-42"
        let withPassword = target.url.replacingOccurrences(of: "postgres@", with: "etl_secret:\(secret)@")
        let wrong = try TestSupport.run(TestSupport.hostExecutable,
                                        ["sync", "csv", "postgres", "-s", "path=x.csv", "-d", "url=\(withPassword)",
                                         "-d", "schema=\(target.schema)"],
                                        environment: target.sandbox.environment, currentDirectory: target.sandbox.root)
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains("password authentication failed for user \"etl_secret\""), "\(wrong.stderr)")
        #expect(!wrong.stderr.contains(secret) && !wrong.stdout.contains(secret))
        let fromEnvironment = try TestSupport.run(TestSupport.hostExecutable,
                                                  ["sync", "csv", "postgres", "-s", "path=x.csv", "-d", "schema=\(target.schema)"],
                                                  environment: target.sandbox.environment.merging(environment) { $1 }
                                                      .merging(["PGUSER": "etl_secret", "PGPASSWORD": secret]) { $1 },
                                                  currentDirectory: target.sandbox.root)
        #expect(fromEnvironment.status != 0)
        #expect(!fromEnvironment.stderr.contains(secret) && !fromEnvironment.stdout.contains(secret))
    }
}

/// A query run over and over on its own thread (not the test's task pool,
/// which blocking test bodies can fill), until stopped.
private final class QueryLoop: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [String] = []
    private var failure: (any Error)?
    private var stopped = false
    private let done = DispatchSemaphore(value: 0)

    /// Starts running `sql` on a new connection to `url`; each result is
    /// the first value of the first row (`"NULL"` for none).
    init(url: String, sql: String) {
        let thread = Thread { [self] in
            defer { done.signal() }
            do {
                let db = try PostgresInspector(url: url)
                while !lock.withLock({ stopped }) {
                    let value = (try db.rows(sql).first?.first ?? nil) ?? "NULL"
                    lock.withLock { results.append(value) }
                }
            } catch {
                lock.withLock { failure = error }
            }
        }
        thread.start()
    }

    /// Stops the loop and returns every result, or throws its error.
    func stop() throws -> [String] {
        lock.withLock { stopped = true }
        done.wait()
        return try lock.withLock {
            if let failure { throw failure }
            return results
        }
    }
}

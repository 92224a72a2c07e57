import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// `etl-host sync`, driven through the built binary into real SQLite files.
@Suite struct SyncCommandTests {
    private func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    @Test func csvLoadsTypedWithNormalizedNamesAndTheSummary() throws {
        let sandbox = try HostSandbox("sync-csv")
        try write([
            "Order ID,First Name,first_name,First-Name,Order,Group,🙂,2nd,Amount,Paid,Day,At,Code",
            "1,Ada,a,A,x,g,smile,two,1.5,true,2024-01-05,2024-01-05T10:00:00Z,007",
            #"2,"Grace ""G""",b,,y,h,,,2,FALSE,2024-02-29,2024-02-29 23:59:59.5,010"#,
        ].joined(separator: "\r\n") + "\r\n", to: sandbox.root + "/people.csv")
        let result = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=people.csv")
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("Run ") == true)
        #expect(lines.first?.hasSuffix(": csv -> sqlite (replace), succeeded in \(lines.first!.split(separator: " ").dropLast(1).last!) s") == true)
        #expect(lines.dropFirst().first == "STREAM  TABLE   STATUS     READ  WRITTEN  REJECTED  NEW COLUMNS  SECONDS")
        #expect(lines.dropFirst(2).first?.hasPrefix("people  people  succeeded  2     2        0         0            ") == true)

        let db = try SQLiteInspector(path: sandbox.root + "/warehouse.db")
        #expect(try db.rows("SELECT name FROM pragma_table_info('people')").map { $0[0]! } == [
            "order_id", "first_name", "first_name_2", "first_name_3", "order", "group", "column", "_2nd",
            "amount", "paid", "day", "at", "code",
        ])
        #expect(try db.rows("""
            SELECT typeof(order_id), order_id, first_name, first_name_3, "order", "group", "column",
                   typeof(amount), amount, typeof(paid), paid, day, at, typeof(code), code
            FROM people ORDER BY order_id
            """) == [
            ["integer", "1", "Ada", "A", "x", "g", "smile", "real", "1.5", "integer", "1", "2024-01-05", "2024-01-05T10:00:00.000000Z", "text", "007"],
            ["integer", "2", "Grace \"G\"", nil, "y", "h", nil, "real", "2.0", "integer", "0", "2024-02-29", "2024-02-29T23:59:59.500000Z", "text", "010"],
        ])
        let schema = try #require(try db.scalar("SELECT schema_json FROM _etl_schemas WHERE table_name = 'people'"))
        let stored = try TableSchema.decode(schema)
        #expect(stored.columns.map(\.type) == [.integer, .text, .text, .text, .text, .text, .text, .text, .number, .boolean, .date, .timestamp, .text])
        #expect(stored.columns[1].source == "First Name")
        #expect(try db.rows("SELECT stream, table_name, mode, status, rows_read, rows_written FROM _etl_runs")
            == [["people", "people", "replace", "succeeded", "2", "2"]])
    }

    @Test func replaceTwiceAppendDoublesAndUpsertMerges() throws {
        let sandbox = try HostSandbox("sync-modes")
        let path = sandbox.root + "/items.csv"
        try write("id,name,price\n1,apple,1.0\n2,pear,2.5\n3,fig,3\n", to: path)
        #expect(try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=items.csv", "--quiet").status == 0)
        let first = try SQLiteInspector(path: sandbox.root + "/warehouse.db").rows("SELECT * FROM items ORDER BY id")
        #expect(try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=items.csv", "--quiet").status == 0)
        let second = try SQLiteInspector(path: sandbox.root + "/warehouse.db").rows("SELECT * FROM items ORDER BY id")
        #expect(first == second)
        #expect(first == [["1", "apple", "1.0"], ["2", "pear", "2.5"], ["3", "fig", "3.0"]])

        #expect(try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=items.csv", "--mode", "append", "--quiet").status == 0)
        #expect(try SQLiteInspector(path: sandbox.root + "/warehouse.db").scalar("SELECT count(*) FROM items") == "6")

        #expect(try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=items.csv", "--quiet").status == 0)
        try write("id,name,price\n2,pear,9.99\n4,kiwi,0.5\n", to: path)
        let upsert = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=items.csv", "--mode", "upsert", "--primary-key", "id", "--quiet")
        #expect(upsert.status == 0, "\(upsert.stderr)")
        #expect(try SQLiteInspector(path: sandbox.root + "/warehouse.db").rows("SELECT id, name, price FROM items ORDER BY id")
            == [["1", "apple", "1.0"], ["2", "pear", "9.99"], ["3", "fig", "3.0"], ["4", "kiwi", "0.5"]])

        let noKey = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=items.csv", "--mode", "upsert")
        #expect(noKey.status == 64)  // a config problem, found once the stream was read
        #expect(noKey.stderr == "etl-host: error: stream 'items': --mode upsert needs a primary key; pass --primary-key COLUMN[,COLUMN] (the source defines none)\n")
    }

    @Test func aWidenedTypeAndANewColumnLoadWithoutLosingValues() throws {
        let sandbox = try HostSandbox("sync-evolve")
        let path = sandbox.root + "/t.csv"
        try write("id,code\n1,5\n2,6\n", to: path)
        #expect(try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=t.csv", "--quiet").status == 0)
        try write("id,code,extra\n3,007,x\n", to: path)
        let result = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=t.csv", "--mode", "append", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONDecoder().decode(SyncReport.self, from: Data(result.stdout.utf8))
        #expect(report.streams.first?.newColumns == ["extra"])
        #expect(report.streams.first?.widenedColumns == ["code: integer -> text"])
        let db = try SQLiteInspector(path: sandbox.root + "/warehouse.db")
        #expect(try db.rows("SELECT id, typeof(code), code, extra FROM t ORDER BY id")
            == [["1", "text", "5", nil], ["2", "text", "6", nil], ["3", "text", "007", "x"]])
    }

    @Test func badInputFailsNamingThePlaceAndLeavesTheWarehouseUnchanged() throws {
        let sandbox = try HostSandbox("sync-bad")
        let path = sandbox.root + "/orders.csv"
        try write("id,amount\n1,10\n2,20\n", to: path)
        #expect(try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=orders.csv", "--quiet").status == 0)
        let before = try SQLiteInspector(path: sandbox.root + "/warehouse.db").dump()

        try write("id,amount\n1,10\n2,20,oops\n3,30\n", to: path)
        for mode in ["replace", "append", "upsert"] {
            let result = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=orders.csv", "--mode", mode, "--primary-key", "id")
            #expect(result.status == 65)
            #expect(result.stderr.contains("orders.csv line 3: expected 2 fields, found 3"), "\(result.stderr)")
            #expect(try SQLiteInspector(path: sandbox.root + "/warehouse.db").dump() == before)
        }
    }

    @Test func maxBadRowsSetsMalformedRecordsAsideInEtlRejects() throws {
        let sandbox = try HostSandbox("sync-rejects")
        let bytes = Array("id,name\n1,a\n2,b,extra\n3,c\n4,".utf8) + [0xFF, 0xFE] + Array("\n5,e\n".utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: sandbox.root + "/people.csv"))

        let tooFew = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=people.csv", "--max-bad-rows", "1")
        #expect(tooFew.status == 65)
        #expect(tooFew.stderr.contains("people.csv line 5, field 2: invalid UTF-8 at byte 1 of the field"), "\(tooFew.stderr)")
        if FileManager.default.fileExists(atPath: sandbox.root + "/warehouse.db") {
            #expect(try SQLiteInspector(path: sandbox.root + "/warehouse.db").rows("SELECT name FROM sqlite_master WHERE name = 'people'").isEmpty)
        }

        let result = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=people.csv", "--max-bad-rows", "2", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONDecoder().decode(SyncReport.self, from: Data(result.stdout.utf8))
        #expect(report.streams.map(\.rowsRead) == [5])
        #expect(report.streams.map(\.rowsWritten) == [3])
        #expect(report.streams.map(\.rowsRejected) == [2])
        let db = try SQLiteInspector(path: sandbox.root + "/warehouse.db")
        #expect(try db.rows("SELECT id, name FROM people ORDER BY id") == [["1", "a"], ["3", "c"], ["5", "e"]])
        #expect(try db.rows("SELECT stream, table_name, location, reason, raw, hex(raw_bytes) FROM _etl_rejects ORDER BY location") == [
            ["people", "people", "people.csv line 3", "expected 2 fields, found 3", "2,b,extra", "322C622C6578747261"],
            ["people", "people", "people.csv line 5", "field 2: invalid UTF-8 at byte 1 of the field; convert the file to UTF-8", "4,\u{FFFD}\u{FFFD}", "342CFFFE"],
        ])
        #expect(try db.rows("SELECT rows_read, rows_written, rows_rejected FROM _etl_runs") == [["5", "3", "2"]])
    }

    @Test func configErrorsListTheValidKeys() throws {
        let sandbox = try HostSandbox("sync-config")
        let unknown = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "paht=x.csv")
        #expect(unknown.status == 64)
        #expect(unknown.stderr == "etl-host: error: csv: unknown config key 'paht'; valid keys: batch_rows, delimiter, encoding, has_header, path, quote, stream\n")
        let missing = try sandbox.etlHost("sync", "csv", "sqlite")
        #expect(missing.status == 64)
        #expect(missing.stderr.hasPrefix("etl-host: error: csv: missing required config key 'path'"))
        let wrongKind = try sandbox.etlHost("sync", "sqlite", "csv")
        #expect(wrongKind.status == 64)
        #expect(wrongKind.stderr.contains("is a warehouse, but an extractor is needed here"))
        try write("id\n1\n", to: sandbox.root + "/x.csv")
        let notIncremental = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=x.csv", "--mode", "upsert", "--incremental")
        #expect(notIncremental.status == 64)
        #expect(notIncremental.stderr == "etl-host: error: extractor 'csv' is not incremental: drop --incremental to read everything\n")
        #expect(!FileManager.default.fileExists(atPath: sandbox.root + "/warehouse.db"))
    }

    @Test func aConfigFileHoldsThePipelineAndTheCommandLineWins() throws {
        let sandbox = try HostSandbox("sync-file")
        try write("id,v\n1,a\n", to: sandbox.root + "/a.csv")
        try write("id,v\n2,b\n", to: sandbox.root + "/b.csv")
        try write(#"{"extractor": "csv", "warehouse": "sqlite", "source": {"path": "*.csv"}, "destination": {"path": "file.db"}, "streams": ["b"]}"#,
                  to: sandbox.root + "/pipeline.json")
        let result = try sandbox.etlHost("sync", "--config", "pipeline.json", "-d", "path=cli.db", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONDecoder().decode(SyncReport.self, from: Data(result.stdout.utf8))
        #expect(report.streams.map(\.stream) == ["b"])
        #expect(!FileManager.default.fileExists(atPath: sandbox.root + "/file.db"))
        #expect(try SQLiteInspector(path: sandbox.root + "/cli.db").rows("SELECT id, v FROM b") == [["2", "b"]])

        try write(#"{"extractor": "csv", "sourse": {}}"#, to: sandbox.root + "/typo.json")
        let typo = try sandbox.etlHost("sync", "--config", "typo.json")
        #expect(typo.status == 64)
        #expect(typo.stderr == "etl-host: error: the config file 'typo.json' has an unknown key 'sourse'; valid keys: allow_empty, deletions, destination, extractor, incremental, mode, primary_key, source, streams, warehouse\n")
        let unknownStream = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=*.csv", "--streams", "c")
        #expect(unknownStream.status == 64)
        #expect(unknownStream.stderr == "etl-host: error: extractor 'csv' has no stream 'c'; its streams: a, b\n")
    }

    @Test func onATerminalAProgressLineShowsRowsAndRate() throws {
        let sandbox = try HostSandbox("sync-tty")
        try write("id\n1\n2\n", to: sandbox.root + "/p.csv")
        // `script` gives the command a pseudo-terminal, as a user's shell would.
        let command = "'\(TestSupport.hostExecutable)' sync csv sqlite -s path=p.csv"
        let result = try TestSupport.run("/usr/bin/script", ["-qec", command, "/dev/null"],
                                         environment: sandbox.environment, currentDirectory: sandbox.root)
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.hasPrefix("\r\u{1B}[Kp: reading 2 rows ("), "\(result.stdout.debugDescription)")
        #expect(result.stdout.contains(" rows/s)\r\u{1B}[KRun "))
        let quiet = try TestSupport.run("/usr/bin/script", ["-qec", command + " --quiet", "/dev/null"],
                                        environment: sandbox.environment, currentDirectory: sandbox.root)
        #expect(quiet.status == 0)
        #expect(quiet.stdout == "")
    }

    /// SIGKILL at moments spread over a replace (reading, spooling, loading the staging
    /// table, just before and after the commit), each at an exact crash point.
    static let replaceKillPoints = ["catalog", "batch-read:2", "spooled", "begun", "batch-written:1", "batch-written:3",
                                    "committing", "committed"]

    @Test func aSyncKilledDuringReplaceLeavesThePreviousTableIntact() throws {
        let sandbox = try HostSandbox("sync-kill")
        let path = sandbox.root + "/big.csv"
        var text = "id,name,score\n"
        for row in 0 ..< 30_000 { text += "\(row),name \(row),\(Double(row) / 4)\n" }
        try write(text, to: path)
        let arguments = ["sync", "csv", "sqlite", "-s", "path=big.csv", "-s", "batch_rows=10000", "--quiet"]
        #expect(try TestSupport.run(TestSupport.hostExecutable, arguments, environment: sandbox.environment,
                                    currentDirectory: sandbox.root).status == 0)
        let expected = try SQLiteInspector(path: sandbox.root + "/warehouse.db").rows("SELECT count(*), sum(id), sum(score), max(name) FROM big")
        #expect(expected.first?.first == "30000")

        for point in Self.replaceKillPoints {
            let killed = try TestSupport.run(TestSupport.hostExecutable, arguments,
                                             environment: sandbox.environment.merging(["ETL_CRASH_AT": point]) { $1 },
                                             currentDirectory: sandbox.root)
            #expect(killed.signaled && killed.status == SIGKILL, "\(point): \(killed)")
            let db = try SQLiteInspector(path: sandbox.root + "/warehouse.db")
            #expect(try db.rows("SELECT count(*), sum(id), sum(score), max(name) FROM big") == expected, "killed at \(point)")
            #expect(try db.rows("SELECT name FROM sqlite_master WHERE name LIKE '_etl_staging%'").count <= 1)
        }
        // And the next run succeeds, leaves no staging table behind, and
        // removes the spool folders of the killed runs.
        let spools = sandbox.root + "/home/.local/state/etl-host/spool"
        // A killed run's folder (pid 2^22+1 is above Linux's pid_max: surely gone).
        try FileManager.default.createDirectory(atPath: spools + "/4194305-1", withIntermediateDirectories: true)
        #expect(try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=big.csv", "--quiet").status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: spools) == [])
        let db = try SQLiteInspector(path: sandbox.root + "/warehouse.db")
        #expect(try db.rows("SELECT count(*), sum(id), sum(score), max(name) FROM big") == expected)
        #expect(try db.rows("SELECT name FROM sqlite_master WHERE name LIKE '_etl_staging%'").isEmpty)
    }
}

/// JSON Lines records, flattened and typed by the host.
@Suite struct SyncJSONLinesTests {
    @Test func lateKeysAddColumnsNestedValuesStayJSONAndStringsStayStrings() throws {
        let sandbox = try HostSandbox("sync-jsonl")
        let lines = [
            #"{"id": 1, "name": "Ada", "tags": ["a", "b"], "meta": {"x": 1, "y": [true, null]}, "zip": "007", "at": "2024-01-05T10:00:00Z"}"#,
            #"{"id": 2, "name": "Gr\u00e2ce \"G\"", "zip": "010", "score": 1.5}"#,
            #"{"name": "no id", "id": 3, "score": 2, "flag": true, "Order": "x", "order": "y", "big": 18446744073709551616}"#,
        ]
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: sandbox.root + "/events.jsonl"))
        let result = try sandbox.etlHost("sync", "jsonl", "sqlite", "-s", "path=events.jsonl", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONDecoder().decode(SyncReport.self, from: Data(result.stdout.utf8))
        #expect(report.status == "succeeded")
        #expect(report.streams.map(\.rowsWritten) == [3])

        let db = try SQLiteInspector(path: sandbox.root + "/warehouse.db")
        #expect(try db.rows("SELECT name FROM pragma_table_info('events')").map { $0[0]! }
            == ["id", "name", "tags", "meta", "zip", "at", "score", "flag", "order", "order_2", "big"])
        #expect(try db.rows("SELECT id, name, tags, meta, zip, at, typeof(score), score, flag, \"order\", order_2, typeof(big), big FROM events ORDER BY id") == [
            ["1", "Ada", #"["a", "b"]"#, #"{"x": 1, "y": [true, null]}"#, "007", "2024-01-05T10:00:00.000000Z", "null", nil, nil, nil, nil, "null", nil],
            ["2", "Grâce \"G\"", nil, nil, "010", nil, "real", "1.5", nil, nil, nil, "null", nil],
            ["3", "no id", nil, nil, nil, nil, "real", "2.0", "1", "x", "y", "text", "18446744073709551616"],
        ])
        let stored = try TableSchema.decode(try #require(try db.scalar("SELECT schema_json FROM _etl_schemas WHERE table_name = 'events'")))
        // big: beyond Int64, an exact decimal (text in SQLite, digit for digit).
        #expect(stored.columns.map(\.type) == [.integer, .text, .json, .json, .text, .timestamp, .number, .boolean, .text, .text, .decimal])
    }

    @Test func aMalformedLineFailsNamingFileLineAndColumnAndChangesNothing() throws {
        let sandbox = try HostSandbox("sync-jsonl-bad")
        let path = sandbox.root + "/events.jsonl"
        try Data("{\"id\": 1}\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(try sandbox.etlHost("sync", "jsonl", "sqlite", "-s", "path=events.jsonl", "--quiet").status == 0)
        let before = try SQLiteInspector(path: sandbox.root + "/warehouse.db").dump()
        try Data("{\"id\": 2}\n{\"id\": 3,, }\n".utf8).write(to: URL(fileURLWithPath: path))
        let result = try sandbox.etlHost("sync", "jsonl", "sqlite", "-s", "path=events.jsonl", "--mode", "append")
        #expect(result.status == 65)
        #expect(result.stderr.contains("events.jsonl line 2, column 10: "), "\(result.stderr)")
        #expect(try SQLiteInspector(path: sandbox.root + "/warehouse.db").dump() == before)
    }
}

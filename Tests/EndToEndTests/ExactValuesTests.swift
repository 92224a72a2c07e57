import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// Numbers and JSON values reach the warehouse exactly (docs/TYPES.md,
/// "Numbers"): through the built binary, from JSON Lines, CSV and a typed C
/// extractor, into SQLite and PostgreSQL, read back with their types.
@Suite struct ExactValuesTests {
    /// One warehouse of a test: where a sync loads, and how to read a column
    /// back as `type:text` cells.
    final class Warehouse {
        enum Kind { case sqlite, postgres }
        let kind: Kind
        let sandbox: HostSandbox
        private let schema: String
        private let postgres: PostgresInspector?
        private let url: String?

        init(_ kind: Kind, _ label: String) throws {
            self.kind = kind
            sandbox = try HostSandbox("exact-\(label)")
            schema = PostgresInspector.uniqueSchema(label)
            if kind == .postgres {
                url = try PostgresInspector.serverURL()
                postgres = try PostgresInspector(url: url)
            } else {
                url = nil
                postgres = nil
            }
        }

        deinit { postgres?.dropSchema(schema) }

        /// `etl-host sync <extractor> <this warehouse> arguments...`.
        func sync(_ extractor: String, _ arguments: [String]) throws -> TestSupport.ProcessResult {
            let destination = kind == .sqlite ? ["sqlite", "-d", "path=w.db"]
                : ["postgres", "-d", "url=\(url!)", "-d", "schema=\(schema)"]
            return try TestSupport.run(TestSupport.hostExecutable, ["sync", extractor] + destination + arguments,
                                       environment: sandbox.environment, currentDirectory: sandbox.root)
        }

        func write(_ text: String, to name: String) throws {
            try Data(text.utf8).write(to: URL(fileURLWithPath: sandbox.root + "/" + name))
        }

        /// Each row's `columns` as `type:value` (SQLite: storage class and
        /// doubles with 17 digits; PostgreSQL: type and text), by `id`.
        func cells(_ table: String, _ columns: [String], orderBy: String = "id") throws -> [[String]] {
            switch kind {
            case .sqlite:
                let list = columns.map { column in
                    "typeof(\(column)) || ':' || CASE typeof(\(column)) WHEN 'real' THEN printf('%!.17g', \(column)) "
                        + "ELSE coalesce(\(column), 'NULL') END"
                }
                let db = try SQLiteInspector(path: sandbox.root + "/w.db")
                return try db.rows("SELECT \(list.joined(separator: ", ")) FROM \(table) ORDER BY \(orderBy)").map { $0.map { $0 ?? "?" } }
            case .postgres:
                let list = columns.map { "pg_typeof(\($0))::text || ':' || coalesce(\($0)::text, 'NULL')" }
                return try postgres!.rows("SELECT \(list.joined(separator: ", ")) FROM \(PostgresInspector.qualified(schema, table)) "
                    + "ORDER BY \(orderBy)").map { $0.map { $0 ?? "?" } }
            }
        }

        /// One SQL answer (`sql` may name the table as `T`).
        func scalar(_ sql: String, table: String) throws -> String? {
            switch kind {
            case .sqlite:
                return try SQLiteInspector(path: sandbox.root + "/w.db").scalar(sql.replacingOccurrences(of: " T ", with: " \(table) "))
            case .postgres:
                return try postgres!.scalar(sql.replacingOccurrences(of: " T ", with: " \(PostgresInspector.qualified(schema, table)) "))
            }
        }

        /// The types `_etl_schemas` records for `table`.
        func storedTypes(_ table: String) throws -> [ColumnType] {
            let json = try #require(try scalar("SELECT schema_json FROM T WHERE table_name = '\(table)'", table: "_etl_schemas"))
            return try TableSchema.decode(json).columns.map(\.type)
        }
    }

    /// The cells a warehouse holds for a decimal column's text `value`.
    private func decimal(_ kind: Warehouse.Kind, _ value: String) -> String {
        kind == .sqlite ? "text:\(value)" : "numeric:\(value)"
    }

    private func bigint(_ kind: Warehouse.Kind, _ value: String) -> String {
        kind == .sqlite ? "integer:\(value)" : "bigint:\(value)"
    }

    private func double(_ kind: Warehouse.Kind, sqlite: String, postgres: String) -> String {
        kind == .sqlite ? "real:\(sqlite)" : "double precision:\(postgres)"
    }

    @Test("integers beyond 2^53 beside fractional numbers make the column decimal, never rounded (JSON Lines and CSV)",
          arguments: [Warehouse.Kind.sqlite, .postgres])
    func largeIntegersBesideFractions(_ kind: Warehouse.Kind) throws {
        let warehouse = try Warehouse(kind, "large")
        try warehouse.write("""
            {"id":1,"v":1.5,"w":2.5}
            {"id":2,"v":9007199254740993,"w":9007199254740992}
            {"id":3,"v":9223372036854775807,"w":-1152921504606846976}

            """, to: "big.jsonl")
        try warehouse.write("id,v,w\n1,1.5,2.5\n2,9007199254740993,9007199254740992\n3,9223372036854775807,-1152921504606846976\n",
                            to: "big.csv")
        for (extractor, file) in [("jsonl", "big.jsonl"), ("csv", "big.csv")] {
            let result = try warehouse.sync(extractor, ["-s", "path=\(file)", "--quiet"])
            #expect(result.status == 0, "\(extractor): \(result.stderr)")
            #expect(result.stderr == "")
            // v: 2^53 + 1 and 2^63 - 1 have no double: decimal, digit for digit.
            // w: 2^53 and -2^60 are doubles exactly: the column stays a number.
            #expect(try warehouse.cells("big", ["v", "w"]) == [
                [decimal(kind, "1.5"), double(kind, sqlite: "2.5", postgres: "2.5")],
                [decimal(kind, "9007199254740993"), double(kind, sqlite: "9007199254740992.0", postgres: "9.007199254740992e+15")],
                [decimal(kind, "9223372036854775807"), double(kind, sqlite: "-1.152921504606847e+18", postgres: "-1.152921504606847e+18")],
            ], "\(extractor)")
            #expect(try warehouse.scalar("SELECT count(*) FROM T WHERE w = -1152921504606846976", table: "big") == "1")
            #expect(try warehouse.storedTypes("big") == [.integer, .decimal, .number], "\(extractor)")
        }
    }

    @Test("numbers no double holds (underflow, overflow, too many digits) are decimal; those it holds are doubles; -0 is 0",
          arguments: [Warehouse.Kind.sqlite, .postgres])
    func theDoubleRule(_ kind: Warehouse.Kind) throws {
        let warehouse = try Warehouse(kind, "rule")
        try warehouse.write("""
            {"id":1,"under":1e-400,"sub":2e-324,"over":1e309,"long":0.1000000000000000055511151231257827,"held":1e-320,"short":0.1,"zero":-0.0}
            {"id":2,"under":1.5,"sub":1.5,"over":1.5,"long":1.5,"held":0.30000000000000004,"short":-0.5E-2,"zero":1}

            """, to: "n.jsonl")
        try warehouse.write("""
            id,under,sub,over,long,held,short,zero
            1,1e-400,2e-324,1e309,0.1000000000000000055511151231257827,1e-320,0.1,-0.0
            2,1.5,1.5,1.5,1.5,0.30000000000000004,-0.5E-2,1

            """, to: "n.csv")
        for (extractor, file) in [("jsonl", "n.jsonl"), ("csv", "n.csv")] {
            let result = try warehouse.sync(extractor, ["-s", "path=\(file)", "--quiet"])
            #expect(result.status == 0, "\(extractor): \(result.stderr)")
            #expect(try warehouse.cells("n", ["under", "sub", "over", "long"]) == [
                [decimal(kind, kind == .sqlite ? "1e-400" : "0." + String(repeating: "0", count: 399) + "1"),
                 decimal(kind, kind == .sqlite ? "2e-324" : "0." + String(repeating: "0", count: 323) + "2"),
                 decimal(kind, kind == .sqlite ? "1e309" : "1" + String(repeating: "0", count: 309)),
                 decimal(kind, "0.1000000000000000055511151231257827")],
                [decimal(kind, "1.5"), decimal(kind, "1.5"), decimal(kind, "1.5"), decimal(kind, "1.5")],
            ], "\(extractor)")
            #expect(try warehouse.cells("n", ["held", "short", "zero"]) == [
                [double(kind, sqlite: "9.9998886718268301e-321", postgres: "1e-320"), double(kind, sqlite: "0.10000000000000001", postgres: "0.1"),
                 double(kind, sqlite: "0.0", postgres: "0")],
                [double(kind, sqlite: "0.30000000000000004", postgres: "0.30000000000000004"),
                 double(kind, sqlite: "-0.0050000000000000001", postgres: "-0.005"), double(kind, sqlite: "1.0", postgres: "1")],
            ], "\(extractor)")
            #expect(try warehouse.scalar("SELECT count(*) FROM T WHERE held = 1e-320 AND short = 0.1", table: "n") == "1")
            #expect(try warehouse.storedTypes("n") == [.integer, .decimal, .decimal, .decimal, .decimal, .number, .number, .number])
        }
    }

    @Test("an upsert that brings an integer no double holds into a REAL / double precision column widens it to decimal",
          arguments: [Warehouse.Kind.sqlite, .postgres])
    func upsertIntoARealColumn(_ kind: Warehouse.Kind) throws {
        let warehouse = try Warehouse(kind, "upsert")
        try warehouse.write("{\"id\":1,\"v\":0.1}\n{\"id\":2,\"v\":2.5}\n", to: "u.jsonl")
        #expect(try warehouse.sync("jsonl", ["-s", "path=u.jsonl", "--quiet"]).status == 0)
        try warehouse.write("{\"id\":2,\"v\":9007199254740993}\n{\"id\":3,\"v\":4}\n", to: "u.jsonl")
        let result = try warehouse.sync("jsonl", ["-s", "path=u.jsonl", "--mode", "upsert", "--primary-key", "id", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        // The stored 0.1 keeps its shortest text (not 0.1000000000000000055...).
        #expect(try warehouse.cells("u", ["id", "v"]) == [
            [bigint(kind, "1"), decimal(kind, "0.1")],
            [bigint(kind, "2"), decimal(kind, "9007199254740993")],
            [bigint(kind, "3"), decimal(kind, "4")],
        ])
        #expect(try warehouse.storedTypes("u") == [.integer, .decimal])
    }

    @Test("a CSV column of true/false and numbers loads as JSON Lines does: 1, 0 and the numbers",
          arguments: [Warehouse.Kind.sqlite, .postgres])
    func booleansAndNumbers(_ kind: Warehouse.Kind) throws {
        let warehouse = try Warehouse(kind, "bools")
        try warehouse.write("id,v,r\n1,true,TRUE\n2,false,1.5\n3,5,\n", to: "b.csv")
        try warehouse.write("{\"id\":1,\"v\":true,\"r\":true}\n{\"id\":2,\"v\":false,\"r\":1.5}\n{\"id\":3,\"v\":5}\n", to: "b.jsonl")
        for (extractor, file) in [("csv", "b.csv"), ("jsonl", "b.jsonl")] {
            let result = try warehouse.sync(extractor, ["-s", "path=\(file)", "--quiet"])
            #expect(result.status == 0, "\(extractor): \(result.stderr)")
            let null = kind == .sqlite ? "null:NULL" : "double precision:NULL"
            #expect(try warehouse.cells("b", ["v", "r"]) == [
                [bigint(kind, "1"), double(kind, sqlite: "1.0", postgres: "1")],
                [bigint(kind, "0"), double(kind, sqlite: "1.5", postgres: "1.5")],
                [bigint(kind, "5"), null],
            ], "\(extractor)")
            #expect(try warehouse.storedTypes("b") == [.integer, .integer, .number])
        }
    }

    @Test("a typed float64 extractor's infinities, -0.0 and subnormals reach the warehouse as they are",
          arguments: [Warehouse.Kind.sqlite, .postgres])
    func typedDoubles(_ kind: Warehouse.Kind) throws {
        let warehouse = try Warehouse(kind, "typed")
        try warehouse.sandbox.install(try warehouse.sandbox.buildDoubles())
        let result = try warehouse.sync("doubles", ["-s", "count=5", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try warehouse.cells("numbers", ["v"], orderBy: "n") == [
            [double(kind, sqlite: "1.5", postgres: "1.5")], [double(kind, sqlite: "Inf", postgres: "Infinity")],
            [double(kind, sqlite: "-Inf", postgres: "-Infinity")], [double(kind, sqlite: "0.0", postgres: "0")],
            [double(kind, sqlite: "9.9998886718268301e-321", postgres: "1e-320")],
        ])
        #expect(try warehouse.scalar("SELECT count(*) FROM T WHERE v = 1e-320", table: "numbers") == "1")
    }

    @Test("NaN loads into PostgreSQL's double precision; SQLite, which has no NaN, refuses the row: exit 65, or --max-bad-rows")
    func notANumber() throws {
        let postgres = try Warehouse(.postgres, "nan")
        try postgres.sandbox.install(try postgres.sandbox.buildDoubles())
        let loaded = try postgres.sync("doubles", ["-s", "count=7", "--quiet"])
        #expect(loaded.status == 0, "\(loaded.stderr)")
        #expect(try postgres.cells("numbers", ["v"], orderBy: "n").suffix(2) == [["double precision:NaN"], ["double precision:1.75"]])

        let sqlite = try Warehouse(.sqlite, "nan")
        try sqlite.sandbox.install(try sqlite.sandbox.buildDoubles())
        #expect(try sqlite.sync("doubles", ["-s", "count=5", "--quiet"]).status == 0)
        let before = try SQLiteInspector(path: sqlite.sandbox.root + "/w.db").dump()
        let refused = try sqlite.sync("doubles", ["-s", "count=7", "--quiet"])
        #expect(refused.status == 65)  // bad input data: the warehouse is unchanged
        #expect(refused.stderr.contains("table \"numbers\": column \"v\" is REAL but row 6 holds NaN, which SQLite "
            + "cannot store (a REAL NaN reads back as NULL); the row is refused [ETL_ERR_DATA (10)]"), "\(refused.stderr)")
        #expect(try SQLiteInspector(path: sqlite.sandbox.root + "/w.db").dump() == before)

        // --max-bad-rows sets the row aside in _etl_rejects, like a malformed record.
        let setAside = try sqlite.sync("doubles", ["-s", "count=7", "--max-bad-rows", "1", "--json"])
        #expect(setAside.status == 0, "\(setAside.stderr)")
        let report = try JSONDecoder().decode(SyncReport.self, from: Data(setAside.stdout.utf8))
        #expect(report.streams.map { [$0.rowsRead, $0.rowsWritten, $0.rowsRejected] } == [[7, 6, 1]])
        let db = try SQLiteInspector(path: sqlite.sandbox.root + "/w.db")
        #expect(try db.rows("SELECT n FROM numbers ORDER BY n").map { $0[0]! } == ["1", "2", "3", "4", "5", "7"])
        #expect(try db.rows("SELECT stream, table_name, location, reason, raw, hex(raw_bytes) FROM _etl_rejects") == [[
            "numbers", "numbers", "table \"numbers\" row 6 of the load",
            "column \"v\" holds NaN, which SQLite cannot store (a REAL NaN reads back as NULL)", "NaN", "4E614E",
        ]])
        #expect(try db.rows("SELECT rows_read, rows_written, rows_rejected FROM _etl_runs ORDER BY finished_at DESC LIMIT 1")
            == [["7", "6", "1"]])
    }

    @Test("a value that breaks the source's declared type fails the stream blaming the source, or is set aside by --max-bad-rows")
    func declaredTypeMismatch() throws {
        let warehouse = try Warehouse(.sqlite, "hint")
        try warehouse.sandbox.install(try warehouse.sandbox.buildDoubles())
        let failed = try warehouse.sync("doubles", ["-s", "count=9", "--quiet"])
        #expect(failed.status == 65)
        #expect(failed.stderr.contains("stream 'numbers' row 8, column 'code' (source field 'code'): the value is not a valid "
            + "integer, and the source declared integer for this field; the source's type hint is wrong"), "\(failed.stderr)")
        if FileManager.default.fileExists(atPath: warehouse.sandbox.root + "/w.db") {
            #expect(try SQLiteInspector(path: warehouse.sandbox.root + "/w.db").rows("SELECT name FROM sqlite_master WHERE name = 'numbers'")
                .isEmpty)
        }

        // Two bad rows allowed: row 8 (the hint) and row 6 (NaN, which SQLite refuses) are set aside.
        let setAside = try warehouse.sync("doubles", ["-s", "count=9", "--max-bad-rows", "2", "--json"])
        #expect(setAside.status == 0, "\(setAside.stderr)")
        let report = try JSONDecoder().decode(SyncReport.self, from: Data(setAside.stdout.utf8))
        #expect(report.streams.map { [$0.rowsRead, $0.rowsWritten, $0.rowsRejected] } == [[9, 7, 2]])
        let db = try SQLiteInspector(path: warehouse.sandbox.root + "/w.db")
        #expect(try db.rows("SELECT n, typeof(code), code FROM numbers ORDER BY n").map { $0.map { $0! } } == [
            ["1", "integer", "1"], ["2", "integer", "2"], ["3", "integer", "3"], ["4", "integer", "4"], ["5", "integer", "5"],
            ["7", "integer", "7"], ["9", "integer", "9"],
        ])
        #expect(try db.rows("SELECT location, raw FROM _etl_rejects ORDER BY location") == [
            ["stream 'numbers' row 8, column 'code'", "8x"], ["table \"numbers\" row 6 of the load", "NaN"],
        ])

        // One allowed: the hint takes it, and the NaN then fails the stream; the table keeps its rows.
        let before = try db.dump()
        let oneAllowed = try warehouse.sync("doubles", ["-s", "count=9", "--max-bad-rows", "1", "--quiet"])
        #expect(oneAllowed.status == 65)
        #expect(oneAllowed.stderr.contains("row 6 holds NaN"), "\(oneAllowed.stderr)")
        #expect(try SQLiteInspector(path: warehouse.sandbox.root + "/w.db").dump() == before)
    }

    @Test("columns widened to JSON hold the JSON the host sends, in both warehouses: timestamps in the host's form, numbers exact",
          arguments: [Warehouse.Kind.sqlite, .postgres])
    func widenedToJSON(_ kind: Warehouse.Kind) throws {
        let warehouse = try Warehouse(kind, "json")
        try warehouse.write("""
            {"id":1,"t":"2024-03-10T06:30:00Z","r":1e-320,"z":-0.0,"b":true,"s":"say \\"hi\\"","d":"2024-03-10","i":42}

            """, to: "j.jsonl")
        #expect(try warehouse.sync("jsonl", ["-s", "path=j.jsonl", "--quiet"]).status == 0)
        try warehouse.write("""
            {"id":2,"t":{"a":1},"r":[1],"z":{},"b":[],"s":[],"d":{},"i":[]}

            """, to: "j.jsonl")
        let result = try warehouse.sync("jsonl", ["-s", "path=j.jsonl", "--mode", "append", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try warehouse.storedTypes("j") == [.integer, .json, .json, .json, .json, .json, .json, .json])
        if kind == .sqlite {
            let db = try SQLiteInspector(path: warehouse.sandbox.root + "/w.db")
            #expect(try db.columns("j") == ["id INTEGER", "t JSON_TEXT", "r JSON_TEXT", "z JSON_TEXT", "b JSON_TEXT", "s JSON_TEXT",
                                            "d JSON_TEXT", "i JSON_TEXT"])
            #expect(try db.rows("SELECT t, r, z, b, s, d, i FROM j WHERE id = 1") == [
                [#""2024-03-10T06:30:00.000000Z""#, "1e-320", "0.0", "true", #""say \"hi\"""#, #""2024-03-10""#, "42"],
            ])
        } else {
            // jsonb keeps the JSON value, not its spelling: compared as jsonb.
            let expected: [String] = [#""2024-03-10T06:30:00.000000Z""#, "1e-320", "0", "true", #""say \"hi\"""#, #""2024-03-10""#, "42"]
            for (column, json) in zip(["t", "r", "z", "b", "s", "d", "i"], expected) {
                #expect(try warehouse.scalar("SELECT count(*) FROM T WHERE id = 1 AND \(column) = '\(json)'::jsonb", table: "j") == "1",
                        "\(column)")
            }
            #expect(try warehouse.cells("j", ["t"]).first == [#"jsonb:"2024-03-10T06:30:00.000000Z""#])
        }
    }
}

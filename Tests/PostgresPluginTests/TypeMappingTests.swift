import ETLHost
import ETLPluginKit
import ETLTestSupport
import Testing

@Suite("PostgreSQL warehouse: types, values and names")
struct TypeMappingTests {
    static let fields = [
        ArrowField("flag", .bool),
        ArrowField("count", .int64),
        ArrowField("ratio", .float64),
        ArrowField("name", .utf8),
        ArrowField("raw", .utf8, annotation: .untyped),
        ArrowField("doc", .utf8, annotation: .json),
        ArrowField("price", .utf8, annotation: .decimal(precision: 38, scale: 9)),
        ArrowField("day", .date32),
        ArrowField("at", .timestampMicrosecondsUTC),
        ArrowField("bytes", .binary),
        ArrowField("nothing", .null),
    ]

    @Test("each Arrow type gets its PostgreSQL type")
    func declaredTypes() throws {
        let warehouse = try TestWarehouse("types")
        try warehouse.load("typed", Self.fields, [[[.bool(true), .int(1), .real(1), .text("a"), .text("b"),
                                                  .text("5"), .text("1.50"), .date(0), .timestamp(0),
                                                  .bytes([1]), .null]]])
        #expect(try warehouse.columns("typed") == [
            "flag boolean", "count bigint", "ratio double precision", "name text", "raw text", "doc jsonb",
            "price numeric", "day date", "at timestamp with time zone", "bytes bytea", "nothing text",
        ])
    }

    @Test("values round-trip exactly: integers, doubles bit for bit, text byte for byte, decimals with their scale")
    func valuesRoundTrip() throws {
        let warehouse = try TestWarehouse("values")
        let rows: [[Cell]] = [
            [.bool(true), .int(Int64.max), .real(0.1), .text("007"), .text(" 42 "), .text("5"), .text("1.50"),
             .date(19723), .timestamp(1_700_000_000_123_456), .bytes([0, 1, 255]), .null],
            [.bool(false), .int(Int64.min), .real(-2.5e-300), .text(""), .text("1e3"), .text(#"{"a":[1,"x"]}"#),
             .text("-0.001"), .date(-1), .timestamp(-1), .bytes([]), .null],
            [.null, .null, .null, .null, .null, .null, .null, .null, .null, .null, .null],
            [.bool(true), .int(0), .real(.infinity), .text("O'Brien \"q\" \\ \t\r\n ✓ 🙂"), .text("true"),
             .text("null"), .text("12345678901234567890123456789.123456789012"), .date(-719_528),
             .timestamp(253_402_300_799_999_999), .bytes([0]), .null],
            [.bool(false), .int(-1), .real(-.infinity), .text("x"), .text(""), .text(#"[1.5e3, "é", {"b": null}]"#),
             .text("0.000"), .date(2_932_896), .timestamp(-62_135_596_800_000_000), .null, .null],
        ]
        try warehouse.load("typed", Self.fields, [Array(rows[0...1]), Array(rows[2...])])
        let stored = try warehouse.rows("""
            SELECT flag::text, count::text, float8send(ratio)::text, encode(convert_to(name, 'UTF8'), 'hex'), raw,
                   doc::text, price::text, (day - date '1970-01-01')::text,
                   (extract(epoch FROM at) * 1000000)::bigint::text, encode(bytes, 'hex'), nothing
            FROM \(warehouse.qualified("typed")) AS t ORDER BY t.count NULLS LAST
            """)
        func hex(_ value: Double) -> String { "\\x" + String(value.bitPattern, radix: 16).leftPadded(to: 16) }
        func hex(_ text: String) -> String { text.utf8.map { String($0, radix: 16).leftPadded(to: 2) }.joined() }
        #expect(stored == [
            ["false", String(Int64.min), hex(-2.5e-300), "", "1e3", #"{"a": [1, "x"]}"#, "-0.001", "-1",
             "-1", "", nil],
            ["false", "-1", hex(-Double.infinity), hex("x"), "", #"[1500, "é", {"b": null}]"#, "0.000", "2932896",
             "-62135596800000000", nil, nil],
            ["true", "0", hex(Double.infinity), hex("O'Brien \"q\" \\ \t\r\n ✓ 🙂"), "true", "null",
             "12345678901234567890123456789.123456789012", "-719528", "253402300799999999", "00", nil],
            ["true", String(Int64.max), hex(0.1), hex("007"), " 42 ", "5", "1.50", "19723", "1700000000123456",
             "0001ff", nil],
            [nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil],
        ])
    }

    @Test("decimals load exactly, with their scale, in every form the text can take; other text is refused")
    func decimals() throws {
        let warehouse = try TestWarehouse("decimals")
        let fields = [ArrowField("n", .int64), ArrowField("d", .utf8, annotation: .decimal(precision: 38, scale: 9))]
        let cases: [(String, String)] = [
            ("0", "0"), ("-0", "0"), ("10000", "10000"), ("0.0001", "0.0001"), ("99999999.99999999", "99999999.99999999"),
            ("123456789.000000001", "123456789.000000001"), ("-1.5e-3", "-0.0015"), ("1E+5", "100000"), (".5", "0.5"),
            ("1.", "1"), ("+7", "7"), ("00012.3400", "12.3400"), ("NaN", "NaN"), ("Infinity", "Infinity"),
            ("-infinity", "-Infinity"), ("1" + String(repeating: "0", count: 40), "1" + String(repeating: "0", count: 40)),
        ]
        try warehouse.load("d", fields, [cases.enumerated().map { [.int(Int64($0.offset)), .text($0.element.0)] }])
        #expect(try warehouse.rows("SELECT d::text FROM \(warehouse.qualified("d")) ORDER BY n").map { $0[0] ?? "NULL" }
            == cases.map(\.1))
        for bad in ["abc", "1e", "--1", "1.2.3", "", "0x10"] {
            let failure = hostError { try warehouse.load("bad", fields, [[[.int(1), .text(bad)]]]) }
            #expect(failure?.message == "plugin 'postgres': write to table 'bad' failed: table \"bad\": column "
                + "\"d\", row 1 of the load: not a decimal number [ETL_ERR_DATA (10)]", "\(bad)")
        }
    }

    @Test("JSON keeps its meaning, not its spelling: jsonb normalizes spaces and key order")
    func jsonIsSemantic() throws {
        let warehouse = try TestWarehouse("json")
        try warehouse.load("docs", [ArrowField("doc", .utf8, annotation: .json)],
                           [[[.text(#"{"b":1,  "a" : [true,null]}"#)], [.text("\"text\"")], [.text("12.50")]]])
        #expect(try warehouse.rows("SELECT doc::text, jsonb_typeof(doc) FROM \(warehouse.qualified("docs")) ORDER BY 1")
            == [["\"text\"", "string"], ["12.50", "number"], [#"{"a": [true, null], "b": 1}"#, "object"]])
    }

    @Test("NaN and infinities are stored as such; dates and timestamps outside PostgreSQL's range are refused")
    func specialValues() throws {
        let warehouse = try TestWarehouse("special")
        try warehouse.load("d", [ArrowField("x", .float64)], [[[.real(.nan)], [.real(-.infinity)], [.real(1)]]])
        #expect(try warehouse.rows("SELECT x::text FROM \(warehouse.qualified("d")) ORDER BY x")
            == [["-Infinity"], ["1"], ["NaN"]])

        let dates = [ArrowField("id", .int64), ArrowField("day", .date32)]
        let date = hostError {
            try warehouse.load("dates", dates, [[[.int(1), .date(0)], [.int(2), .date(Int32.max)]]])
        }
        #expect(date?.message == "plugin 'postgres': write to table 'dates' failed: table \"dates\": column "
            + "\"day\", row 2 of the load: a date outside PostgreSQL's range (4713 BC to 5874897 AD) [ETL_ERR_DATA (10)]")
        let times = [ArrowField("at", .timestampMicrosecondsUTC)]
        let time = hostError { try warehouse.load("times", times, [[[.timestamp(0)]], [[.timestamp(Int64.min)]]]) }
        #expect(time?.message == "plugin 'postgres': write to table 'times' failed: table \"times\": column "
            + "\"at\", row 2 of the load: a timestamp outside PostgreSQL's range (4713 BC to 294276 AD) "
            + "[ETL_ERR_DATA (10)]")
        #expect(try warehouse.tables() == ["d"])
    }

    @Test("a value the server refuses fails with its SQLSTATE, the table, the column and the row, never the value")
    func serverRefusal() throws {
        let warehouse = try TestWarehouse("refused")
        let fields = [ArrowField("id", .int64), ArrowField("doc", .utf8, annotation: .json), ArrowField("note", .utf8)]
        let json = hostError {
            try warehouse.load("t", fields, [[[.int(1), .text("[1]"), .text("a")]],
                                             [[.int(2), .text("{}"), .null], [.int(3), .text("{secret-value"), .null]]])
        }
        // The server reports a bad row when it reaches it: at a later write, or at commit.
        #expect(json?.message.contains("table \"t\": loading the rows (COPY) failed: invalid input syntax for "
            + "type json (SQLSTATE 22P02; column \"doc\", row 3 of the load) [ETL_ERR_DATA (10)]") == true,
                "\(json?.message ?? "")")
        #expect(json?.message.contains("secret-value") == false)
        let nul = hostError { try warehouse.load("t", fields, [[[.int(1), .text("{}"), .text("a\u{0}b")]]]) }
        #expect(nul?.message.contains("table \"t\": loading the rows (COPY) failed: invalid byte sequence for "
            + "encoding \"UTF8\": 0x00 (SQLSTATE 22021; column \"note\", row 1 of the load") == true, "\(nul?.message ?? "")")
        #expect(try warehouse.tables().isEmpty)
    }

    @Test("quotes, spaces, emoji, upper case and reserved words work as table and column names, in every mode")
    func hostileNames() throws {
        let warehouse = try TestWarehouse("names")
        let fields = [ArrowField("Group", .int64), ArrowField(#"a"b"#, .utf8), ArrowField("🙂", .float64),
                      ArrowField("1st", .bool), ArrowField("select", .utf8), ArrowField("with space", .int64),
                      ArrowField("group", .utf8), ArrowField("x'y;--", .utf8)]
        for table in ["Order", #"t"q"#, "🙂 table", "1st", "user", "Robert'); DROP TABLE students;--"] {
            try warehouse.load(table, fields, [[[.int(1), .text("x"), .real(1.5), .bool(true), .text("s"), .int(9),
                                                .text("lower"), .text("q")]]])
            try warehouse.load(table, fields, [[[.int(2), .text("y"), .real(2.5), .bool(false), .text("t"), .int(8),
                                                .text("l2"), .text("r")]]], mode: .append)
            try warehouse.load(table, fields, [[[.int(2), .text("z"), .real(3.5), .bool(true), .text("u"), .int(7),
                                                .text("l3"), .text("s")]]], mode: .upsert, keys: [#"a"b"#, "Group"])
            #expect(try warehouse.rows("""
                SELECT "Group", "a""b", "🙂", "1st", "select", "with space", "group", "x'y;--"
                FROM \(warehouse.qualified(table)) ORDER BY "Group", "a""b"
                """) == [
                    ["1", "x", "1.5", "t", "s", "9", "lower", "q"],
                    ["2", "y", "2.5", "f", "t", "8", "l2", "r"],
                    ["2", "z", "3.5", "t", "u", "7", "l3", "s"],
                ])
            #expect(try warehouse.instance.tableSchema(name: table) == ArrowBatchSchema(fields))
        }
    }

    @Test("names longer than PostgreSQL's 63 bytes are refused, never cut; 63 bytes work, also for the key index")
    func identifierLimit() throws {
        let warehouse = try TestWarehouse("limit")
        let longest = String(repeating: "é", count: 31) + "x"  // 63 bytes
        let tooLong = String(repeating: "é", count: 32)  // 64 bytes
        let fields = [ArrowField(longest, .int64), ArrowField("v", .utf8)]
        try warehouse.load(longest, fields, [[[.int(1), .text("a")]]])
        try warehouse.load(longest, fields, [[[.int(1), .text("b")]]], mode: .upsert, keys: [longest])
        #expect(try warehouse.rows("SELECT * FROM \(warehouse.qualified(longest))") == [["1", "b"]])
        let indexes = try warehouse.rows("SELECT indexname FROM pg_indexes WHERE schemaname = '\(warehouse.schema)'")
        #expect(indexes.count == 1)
        #expect(indexes.first?.first??.utf8.count ?? 0 <= 63)

        let table = hostError { _ = try warehouse.load(tooLong, fields, [[]]) }
        #expect(table?.message == "plugin 'postgres': begin replace of table '\(tooLong)' failed: table "
            + "\"\(tooLong)\": the name is 64 bytes long, but PostgreSQL identifiers hold at most 63 bytes (longer ones "
            + "are cut, so two names could become one); use a shorter name [ETL_ERR_INVALID_ARGUMENT (2)]")
        let column = hostError { _ = try warehouse.load("t", [ArrowField(tooLong + "a", .int64)], [[]]) }
        #expect(column?.pluginStatus == 2)
        #expect(column?.message.contains("column \"\(tooLong)a\": the name is 65 bytes long") == true)
        #expect(try warehouse.tables() == [longest])
    }

    @Test("table_schema maps the column types back to the Arrow schema that created the table")
    func tableSchemaRoundTrip() throws {
        let warehouse = try TestWarehouse("schema")
        try warehouse.load("typed", Self.fields, [])
        // Untyped text is a hint for the host; a column of nulls is created as text.
        var expected = Self.fields
        expected[4] = ArrowField("raw", .utf8)
        expected[10] = ArrowField("nothing", .utf8)
        #expect(try warehouse.instance.tableSchema(name: "typed") == ArrowBatchSchema(expected))
        #expect(try warehouse.instance.tableSchema(name: "TYPED") == nil)
        #expect(try warehouse.instance.tableSchema(name: "missing") == nil)
    }

    @Test("table_schema describes tables made by other tools by type family")
    func foreignTableSchema() throws {
        let warehouse = try TestWarehouse("foreign")
        try warehouse.db.execute("""
            CREATE SCHEMA \(PostgresInspector.quoted(warehouse.schema));
            CREATE TABLE \(warehouse.qualified("legacy")) (a varchar(20), b integer, c real, d numeric(10,2),
                e json, f timestamp, g uuid, h smallint, i char(3), j text[]);
            """)
        #expect(try warehouse.instance.tableSchema(name: "legacy") == ArrowBatchSchema([
            ArrowField("a", .utf8), ArrowField("b", .int64), ArrowField("c", .float64),
            ArrowField("d", .utf8, annotation: .decimal(precision: 10, scale: 2)),
            ArrowField("e", .utf8, annotation: .json), ArrowField("f", .timestampMicrosecondsUTC),
            ArrowField("g", .utf8), ArrowField("h", .int64), ArrowField("i", .utf8), ArrowField("j", .utf8),
        ]))
        try warehouse.db.execute("CREATE VIEW \(warehouse.qualified("v")) AS SELECT 1 AS x")
        let view = hostError {
            _ = try warehouse.instance.begin(table: "v", schema: ArrowBatchSchema([ArrowField("x", .int64)]),
                                             mode: .append, runID: "r")
        }
        #expect(view?.message == "plugin 'postgres': begin append of table 'v' failed: table \"v\": "
            + "\"\(warehouse.schema)\".\"v\" is a view, not a table; choose another table name or drop it "
            + "[ETL_ERR_INVALID_ARGUMENT (2)]")
    }
}

extension String {
    /// The string with `0`s in front up to `width` characters.
    func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}

import ETLHost
import ETLPluginKit
import ETLTestSupport
import Testing

@Suite("SQLite warehouse: types, values and names")
struct TypeMappingTests {
    static let fields = [
        ArrowField("flag", .bool),
        ArrowField("count", .int64),
        ArrowField("ratio", .float64),
        ArrowField("name", .utf8),
        ArrowField("raw", .utf8, annotation: .untyped),
        ArrowField("doc", .utf8, annotation: .json),
        ArrowField("price", .utf8, annotation: .decimal(precision: 12, scale: 2)),
        ArrowField("day", .date32),
        ArrowField("at", .timestampMicrosecondsUTC),
        ArrowField("bytes", .binary),
        ArrowField("nothing", .null),
    ]

    @Test("each Arrow type gets its declared type, with the affinity that keeps its values")
    func declaredTypes() throws {
        let warehouse = try TestWarehouse()
        try warehouse.load("typed", Self.fields, [[[.bool(true), .int(1), .real(1), .text("a"), .text("b"),
                                                  .text("5"), .text("1.50"), .date(0), .timestamp(0),
                                                  .bytes([1]), .null]]])
        let db = try warehouse.database()
        #expect(try db.columns("typed") == [
            "text:\"flag BOOLEAN\"", "text:\"count INTEGER\"", "text:\"ratio REAL\"", "text:\"name TEXT\"",
            "text:\"raw TEXT\"", "text:\"doc JSON_TEXT\"", "text:\"price DECIMAL_TEXT(12,2)\"",
            "text:\"day DATE_TEXT\"", "text:\"at TIMESTAMP_TEXT\"", "text:\"bytes BLOB\"", "text:\"nothing \"",
        ])
    }

    @Test("values round-trip byte for byte, with the storage class their type promises")
    func valuesRoundTrip() throws {
        let warehouse = try TestWarehouse()
        let rows: [[Cell]] = [
            [.bool(true), .int(Int64.max), .real(0.1), .text("007"), .text(" 42 "), .text("5"), .text("1.50"),
             .date(19723), .timestamp(1_700_000_000_123_456), .bytes([0, 1, 255]), .null],
            [.bool(false), .int(Int64.min), .real(-2.5e-300), .text(""), .text("1e3"), .text(#"{"a":[1,"x"]}"#),
             .text("-0.001"), .date(-1), .timestamp(-1), .bytes([]), .null],
            [.null, .null, .null, .null, .null, .null, .null, .null, .null, .null, .null],
            [.bool(true), .int(0), .real(.infinity), .text("O'Brien \"q\" ✓ 🙂"), .text("true"), .text("null"),
             .text("12345678901.99"), .date(-719_528), .timestamp(253_402_300_799_999_999), .bytes([0]), .null],
        ]
        try warehouse.load("typed", Self.fields, [rows])
        let db = try warehouse.database()
        let stored = try db.rows("SELECT * FROM typed ORDER BY rowid")
        #expect(stored == [
            [.integer(1), .integer(Int64.max), .real(0.1), .text("007"), .text(" 42 "), .text("5"), .text("1.50"),
             .text("2024-01-01"), .text("2023-11-14T22:13:20.123456Z"), .blob([0, 1, 255]), .null],
            [.integer(0), .integer(Int64.min), .real(-2.5e-300), .text(""), .text("1e3"), .text(#"{"a":[1,"x"]}"#),
             .text("-0.001"), .text("1969-12-31"), .text("1969-12-31T23:59:59.999999Z"), .blob([]), .null],
            [.null, .null, .null, .null, .null, .null, .null, .null, .null, .null, .null],
            [.integer(1), .integer(0), .real(.infinity), .text("O'Brien \"q\" ✓ 🙂"), .text("true"), .text("null"),
             .text("12345678901.99"), .text("0000-01-01"), .text("9999-12-31T23:59:59.999999Z"), .blob([0]), .null],
        ])
        // typeof() agrees: JSON "5", "007" and "1.50" stay text, the empty blob stays a blob.
        #expect(try db.rows("SELECT typeof(doc), typeof(name), typeof(price), typeof(bytes) FROM typed WHERE rowid IN (1, 2)")
            == [[.text("text"), .text("text"), .text("text"), .text("blob")],
                [.text("text"), .text("text"), .text("text"), .text("blob")]])
    }

    @Test("SQLite's date functions read the stored dates and timestamps")
    func dateFunctions() throws {
        let warehouse = try TestWarehouse()
        try warehouse.load("times", [ArrowField("day", .date32), ArrowField("at", .timestampMicrosecondsUTC)],
                           [[[.date(19723), .timestamp(1_700_000_000_123_456)]]])
        let db = try warehouse.database()
        #expect(try db.rows("SELECT date(day, '+1 day'), datetime(at), strftime('%f', at), unixepoch(at) FROM times")
            == [[.text("2024-01-02"), .text("2023-11-14 22:13:20"), .text("20.123"), .integer(1_700_000_000)]])
    }

    @Test("infinities are stored as REAL; NaN, which SQLite cannot store (it reads back as NULL), is refused with its row")
    func specialDoubles() throws {
        let warehouse = try TestWarehouse()
        try warehouse.load("d", [ArrowField("x", .float64)], [[[.real(.infinity)], [.real(-.infinity)], [.real(1)]]])
        #expect(try warehouse.database().rows("SELECT x, typeof(x) FROM d ORDER BY rowid") == [
            [.real(.infinity), .text("real")], [.real(-.infinity), .text("real")], [.real(1), .text("real")],
        ])
        let refusal = #expect(throws: (any Error).self) {
            try warehouse.load("d", [ArrowField("x", .float64)], [[[.real(2)], [.real(.nan)]]], mode: .append)
        }
        #expect("\(refusal!)".contains("table \"d\": column \"x\" is REAL but row 2 holds NaN, which SQLite cannot store "
            + "(a REAL NaN reads back as NULL); the row is refused [ETL_ERR_DATA (10)]"), "\(refusal!)")
        #expect(try warehouse.database().rows("SELECT count(*) FROM d") == [[.integer(3)]])
    }

    @Test("keywords, quotes, emoji and leading digits work as table and column names, in every mode")
    func hostileNames() throws {
        let warehouse = try TestWarehouse()
        let fields = [ArrowField("Group", .int64), ArrowField(#"a"b"#, .utf8), ArrowField("🙂", .float64),
                      ArrowField("1st", .bool), ArrowField("select", .utf8), ArrowField("with space", .int64)]
        for table in ["Order", #"t"q"#, "🙂 table", "1st"] {
            try warehouse.load(table, fields, [[[.int(1), .text("x"), .real(1.5), .bool(true), .text("s"), .int(9)]]])
            try warehouse.load(table, fields, [[[.int(2), .text("y"), .real(2.5), .bool(false), .text("t"), .int(8)]]],
                               mode: .append)
            try warehouse.load(table, fields, [[[.int(2), .text("z"), .real(3.5), .bool(true), .text("u"), .int(7)]]],
                               mode: .upsert, keys: [#"a"b"#, "Group"])
            let quoted = "\"" + table.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            #expect(try warehouse.database().rows("SELECT \"Group\", \"a\"\"b\", \"🙂\", \"1st\", \"select\", \"with space\" "
                + "FROM \(quoted) ORDER BY rowid") == [
                    [.integer(1), .text("x"), .real(1.5), .integer(1), .text("s"), .integer(9)],
                    [.integer(2), .text("y"), .real(2.5), .integer(0), .text("t"), .integer(8)],
                    [.integer(2), .text("z"), .real(3.5), .integer(1), .text("u"), .integer(7)],
                ])
            #expect(try warehouse.instance.tableSchema(name: table) == ArrowBatchSchema(fields))
        }
    }

    @Test("table_schema maps the declared types back to the Arrow schema that created the table")
    func tableSchemaRoundTrip() throws {
        let warehouse = try TestWarehouse()
        try warehouse.load("typed", Self.fields, [])
        // Untyped text is a hint for the host; once stored it is plain text.
        var expected = Self.fields
        expected[4] = ArrowField("raw", .utf8)
        #expect(try warehouse.instance.tableSchema(name: "typed") == ArrowBatchSchema(expected))
        #expect(try warehouse.instance.tableSchema(name: "TYPED") == ArrowBatchSchema(expected))
        #expect(try warehouse.instance.tableSchema(name: "missing") == nil)
    }

    @Test("table_schema describes tables made by other tools by SQLite's affinity rules")
    func foreignTableSchema() throws {
        let warehouse = try TestWarehouse()
        try warehouse.database().execute("""
            CREATE TABLE legacy (a VARCHAR(20), b BIGINT, c DOUBLE PRECISION, d NUMERIC(10,2), e, f BLOB, g CLOB,
            h DATETIME, i BOOLEAN)
            """)
        #expect(try warehouse.instance.tableSchema(name: "legacy") == ArrowBatchSchema([
            ArrowField("a", .utf8), ArrowField("b", .int64), ArrowField("c", .float64), ArrowField("d", .float64),
            ArrowField("e", .null), ArrowField("f", .binary), ArrowField("g", .utf8), ArrowField("h", .float64),
            ArrowField("i", .bool),
        ]))
    }
}

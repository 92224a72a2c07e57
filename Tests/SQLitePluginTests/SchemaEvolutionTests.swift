import ETLHost
import ETLPluginKit
import Testing

@Suite("SQLite warehouse: schema evolution")
struct SchemaEvolutionTests {
    @Test("a column the table lacks is added; existing rows get NULL")
    func newColumn() throws {
        let warehouse = try TestWarehouse()
        try warehouse.load("t", [ArrowField("id", .int64)], [[[.int(1)]]])
        try warehouse.load("t", [ArrowField("id", .int64), ArrowField("tags", .utf8, annotation: .json)],
                           [[[.int(2), .text("[1]")]]], mode: .append)
        let db = try warehouse.database()
        #expect(try db.columns("t") == ["text:\"id INTEGER\"", "text:\"tags JSON_TEXT\""])
        #expect(try db.rows("SELECT * FROM t ORDER BY rowid") == [[.integer(1), .null], [.integer(2), .text("[1]")]])
        #expect(warehouse.logs.messages.contains("info: table \"t\": adding column \"tags\" JSON_TEXT"))
    }

    @Test("INTEGER widened to TEXT keeps the old values exact and the new ones as sent (007)")
    func integerToText() throws {
        let warehouse = try TestWarehouse()
        let db = try warehouse.database()
        try warehouse.load("t", [ArrowField("id", .int64), ArrowField("code", .int64)],
                           [[[.int(1), .int(7)], [.int(2), .int(-42)], [.int(3), .null], [.int(4), .int(Int64.max)]]],
                           mode: .upsert, keys: ["id"])
        try db.execute("CREATE INDEX t_code ON t (code)")
        try warehouse.load("t", [ArrowField("id", .int64), ArrowField("code", .utf8)],
                           [[[.int(5), .text("007")], [.int(6), .text("x")]]], mode: .append)
        #expect(try db.columns("t") == ["text:\"id INTEGER\"", "text:\"code TEXT\""])
        #expect(try db.rows("SELECT id, code, typeof(code) FROM t ORDER BY rowid") == [
            [.integer(1), .text("7"), .text("text")], [.integer(2), .text("-42"), .text("text")],
            [.integer(3), .null, .text("null")], [.integer(4), .text("9223372036854775807"), .text("text")],
            [.integer(5), .text("007"), .text("text")], [.integer(6), .text("x"), .text("text")],
        ])
        // The indexes survive the rebuild, the upsert key among them, and no staging table is left.
        #expect(try db.rows("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name")
            == [[.text("_etl_key_t")], [.text("t_code")]])
        #expect(try db.tables() == ["t"])
        #expect(warehouse.logs.messages.contains(
            "info: table \"t\": widening column \"code\" from INTEGER to TEXT (the table is rebuilt)"))
    }

    @Test("BOOLEAN < INTEGER < REAL widen in place of one another; narrower loads need no change")
    func numericChain() throws {
        let warehouse = try TestWarehouse()
        let db = try warehouse.database()
        try warehouse.load("t", [ArrowField("x", .bool)], [[[.bool(true)], [.bool(false)]]])
        try warehouse.load("t", [ArrowField("x", .int64)], [[[.int(5)]]], mode: .append)
        #expect(try db.columns("t") == ["text:\"x INTEGER\""])
        try warehouse.load("t", [ArrowField("x", .float64)], [[[.real(2.5)]]], mode: .append)
        #expect(try db.columns("t") == ["text:\"x REAL\""])
        try warehouse.load("t", [ArrowField("x", .int64)], [[[.int(9_007_199_254_740_992)]]], mode: .append)
        try warehouse.load("t", [ArrowField("x", .bool)], [[[.bool(true)]]], mode: .append)
        #expect(try db.columns("t") == ["text:\"x REAL\""])
        #expect(try db.rows("SELECT x FROM t ORDER BY rowid") == [
            [.real(1)], [.real(0)], [.real(5)], [.real(2.5)], [.real(9_007_199_254_740_992)], [.real(1)],
        ])
    }

    @Test("integers that REAL cannot hold exactly are refused, whether stored or incoming")
    func inexactIntegers() throws {
        let warehouse = try TestWarehouse()
        let db = try warehouse.database()
        try warehouse.load("ints", [ArrowField("x", .int64)], [[[.int(9_007_199_254_740_993)]]])
        let before = try db.dump()
        #expect(hostError { try warehouse.load("ints", [ArrowField("x", .float64)], [[[.real(1)]]], mode: .append) }?
            .message == "plugin 'sqlite': begin append of table 'ints' failed: table \"ints\": column \"x\" "
            + "cannot widen from INTEGER to REAL: it holds integers that REAL cannot represent exactly (beyond 2^53); "
            + "load the column as text instead [ETL_ERR_DATA (10)]")
        #expect(try db.dump() == before)

        try warehouse.load("reals", [ArrowField("x", .float64)], [[[.real(1)]]])
        let writer = try warehouse.instance.begin(table: "reals", schema: ArrowBatchSchema([ArrowField("x", .int64)]),
                                                  mode: .append, runID: "r")
        #expect(hostError { try writer.write(try makeBatch([ArrowField("x", .int64)], [[.int(2)], [.int(Int64.max)]])) }?
            .message == "plugin 'sqlite': write to table 'reals' failed: table \"reals\": column \"x\" is REAL "
            + "but row 2 holds an integer that REAL cannot represent exactly (beyond 2^53); load the column as text "
            + "instead [ETL_ERR_DATA (10)]")
        writer.rollback()
        #expect(try db.rows("SELECT x FROM reals") == [[.real(1)]])
    }

    @Test("REAL and BOOLEAN widened to TEXT keep every value readable and exact")
    func realAndBooleanToText() throws {
        let warehouse = try TestWarehouse()
        let db = try warehouse.database()
        try warehouse.load("t", [ArrowField("r", .float64), ArrowField("b", .bool)],
                           [[[.real(0.1 + 0.2), .bool(true)], [.real(5), .bool(false)], [.real(1e-7), .null]]])
        try warehouse.load("t", [ArrowField("r", .utf8), ArrowField("b", .utf8)], [[[.text("n/a"), .text("maybe")]]],
                           mode: .append)
        #expect(try db.rows("SELECT r, b FROM t ORDER BY rowid") == [
            [.text("0.30000000000000004"), .text("true")], [.text("5.0"), .text("false")],
            [.text("1e-07"), .null], [.text("n/a"), .text("maybe")],
        ])
        #expect(try db.rows("SELECT count(*) FROM t WHERE CAST(r AS REAL) = 0.1 + 0.2") == [[.integer(1)]])
        // Narrower incoming values go into the TEXT columns as text, the same way.
        try warehouse.load("t", [ArrowField("r", .float64), ArrowField("b", .bool)], [[[.real(2.5), .bool(false)]]],
                           mode: .append)
        #expect(try db.rows("SELECT r, typeof(r), b FROM t WHERE rowid = 5") == [[.text("2.5"), .text("text"), .text("false")]])
    }

    @Test("DATE_TEXT widened to TIMESTAMP_TEXT becomes midnight UTC; a date into a timestamp column too")
    func dateToTimestamp() throws {
        let warehouse = try TestWarehouse()
        let db = try warehouse.database()
        try warehouse.load("t", [ArrowField("d", .date32)], [[[.date(19723)]]])
        try warehouse.load("t", [ArrowField("d", .timestampMicrosecondsUTC)], [[[.timestamp(1_500_000)]]], mode: .append)
        try warehouse.load("t", [ArrowField("d", .date32)], [[[.date(1)]]], mode: .append)
        #expect(try db.columns("t") == ["text:\"d TIMESTAMP_TEXT\""])
        #expect(try db.rows("SELECT d FROM t ORDER BY rowid") == [
            [.text("2024-01-01T00:00:00.000000Z")], [.text("1970-01-01T00:00:01.500000Z")],
            [.text("1970-01-02T00:00:00.000000Z")],
        ])
    }

    @Test("JSON, decimal and untyped columns widen to TEXT or a wider decimal without touching the text")
    func textFamily() throws {
        let warehouse = try TestWarehouse()
        let db = try warehouse.database()
        try warehouse.load("t", [ArrowField("j", .utf8, annotation: .json),
                                 ArrowField("m", .utf8, annotation: .decimal(precision: 5, scale: 2)),
                                 ArrowField("n", .null)],
                           [[[.text("5"), .text("123.45"), .null]]])
        try warehouse.load("t", [ArrowField("j", .utf8), ArrowField("m", .utf8, annotation: .decimal(precision: 6, scale: 4)),
                                 ArrowField("n", .int64)],
                           [[[.text("plain"), .text("12.3456"), .int(3)]]], mode: .append)
        #expect(try db.columns("t") == ["text:\"j TEXT\"", "text:\"m DECIMAL_TEXT(7,4)\"", "text:\"n INTEGER\""])
        #expect(try db.rows("SELECT j, m, n FROM t ORDER BY rowid") == [
            [.text("5"), .text("123.45"), .null], [.text("plain"), .text("12.3456"), .integer(3)],
        ])
    }

    @Test("a load that widens and then rolls back leaves the table and its types as they were")
    func widenThenRollback() throws {
        let warehouse = try TestWarehouse()
        let db = try warehouse.database()
        try warehouse.load("t", [ArrowField("x", .int64)], [[[.int(1)]]])
        let before = try db.dump()
        let writer = try warehouse.instance.begin(table: "t", schema: ArrowBatchSchema([ArrowField("x", .utf8),
                                                                                        ArrowField("y", .bool)]),
                                                  mode: .append, runID: "r")
        try writer.write(try makeBatch([ArrowField("x", .utf8), ArrowField("y", .bool)], [[.text("a"), .bool(true)]]))
        writer.rollback()
        #expect(try db.dump() == before)
    }
}

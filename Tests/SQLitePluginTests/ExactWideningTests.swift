import ETLHost
import ETLPluginKit
import Testing

/// Widenings that keep every number and JSON value exactly: REAL into the
/// host's decimals, anything into JSON_TEXT (docs/TYPES.md).
@Suite struct ExactWideningTests {
    private let decimal = ArrowField("v", .utf8, annotation: .decimal(precision: 38, scale: 9))

    @Test("a REAL column that meets decimals becomes DECIMAL_TEXT, its doubles as their shortest text")
    func realToDecimal() throws {
        let warehouse = try TestWarehouse()
        try warehouse.load("t", [ArrowField("v", .float64)], [[[.real(0.1)], [.real(Double("1e-320")!)], [.real(-.infinity)]]])
        try warehouse.load("t", [decimal], [[[.text("9007199254740993")], [.text("1e309")]]], mode: .append)
        let db = try warehouse.database()
        #expect(try db.columns("t") == ["text:\"v DECIMAL_TEXT(38,9)\""])
        #expect(try db.rows("SELECT typeof(v), v FROM t ORDER BY rowid") == [
            [.text("text"), .text("0.1")], [.text("text"), .text("1e-320")], [.text("text"), .text("-Infinity")],
            [.text("text"), .text("9007199254740993")], [.text("text"), .text("1e309")],
        ])
        // A double into the decimal column: its shortest text.
        try warehouse.load("t", [ArrowField("v", .float64)], [[[.real(0.30000000000000004)]]], mode: .append)
        #expect(try db.rows("SELECT v FROM t WHERE rowid = 6") == [[.text("0.30000000000000004")]])
    }

    @Test("every stored type widened to JSON_TEXT holds the JSON the host would send")
    func anythingToJSON() throws {
        let warehouse = try TestWarehouse()
        let fields = [ArrowField("b", .bool), ArrowField("i", .int64), ArrowField("r", .float64), ArrowField("s", .utf8),
                      ArrowField("d", .date32), ArrowField("t", .timestampMicrosecondsUTC), decimal]
        try warehouse.load("t", fields, [[[.bool(true), .int(42), .real(Double("1e-320")!), .text("say \"hi\""), .date(19792),
                                           .timestamp(1_710_052_200_000_000), .text("1.50")]]])
        let json = fields.map { ArrowField($0.name, .utf8, annotation: .json) }
        try warehouse.load("t", json, [[[.text("{}"), .text("[]"), .text("1"), .text("{}"), .text("{}"), .text("{}"), .text("{}")]]],
                           mode: .append)
        let db = try warehouse.database()
        #expect(try db.columns("t") == ["b", "i", "r", "s", "d", "t", "v"].map { "text:\"\($0) JSON_TEXT\"" })
        #expect(try db.rows("SELECT b, i, r, s, d, t, v FROM t WHERE rowid = 1") == [[
            .text("true"), .text("42"), .text("1e-320"), .text(#""say \"hi\"""#), .text(#""2024-03-10""#),
            .text(#""2024-03-10T06:30:00.000000Z""#), .text("1.50"),
        ]])
    }

    @Test("a REAL column holding an infinity cannot become JSON: the load fails and the table is unchanged")
    func infinityHasNoJSON() throws {
        let warehouse = try TestWarehouse()
        try warehouse.load("t", [ArrowField("r", .float64)], [[[.real(.infinity)]]])
        let before = try warehouse.database().rows("SELECT typeof(r), r FROM t")
        let failure = #expect(throws: (any Error).self) {
            try warehouse.load("t", [ArrowField("r", .utf8, annotation: .json)], [[[.text("{}")]]], mode: .append)
        }
        #expect("\(failure!)".contains("NaN and infinities have no JSON form"), "\(failure!)")
        #expect(try warehouse.database().rows("SELECT typeof(r), r FROM t") == before)
        #expect(try warehouse.database().columns("t") == ["text:\"r REAL\""])
    }
}

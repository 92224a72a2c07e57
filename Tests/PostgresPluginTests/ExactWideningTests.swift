import ETLHost
import ETLPluginKit
import ETLTestSupport
import Testing

/// Widenings that keep every number and JSON value exactly: double
/// precision into the host's decimals (numeric), anything into jsonb as
/// the JSON the host sends (docs/TYPES.md).
@Suite struct ExactWideningTests {
    private let decimal = ArrowField("v", .utf8, annotation: .decimal(precision: 38, scale: 9))

    @Test("double precision that meets decimals becomes numeric, its doubles by their shortest text, NaN and infinities too")
    func doubleToNumeric() throws {
        let warehouse = try TestWarehouse("numeric")
        try warehouse.load("t", [ArrowField("v", .float64)],
                           [[[.real(0.1)], [.real(Double("1e-320")!)], [.real(-.infinity)], [.real(.nan)]]])
        try warehouse.load("t", [decimal], [[[.text("9007199254740993")]]], mode: .append)
        #expect(try warehouse.columns("t") == ["v numeric"])
        #expect(try warehouse.rows("SELECT v::text FROM \(warehouse.qualified("t")) ORDER BY v") == [
            ["-Infinity"], ["0." + String(repeating: "0", count: 319) + "1"], ["0.1"], ["9007199254740993"], ["NaN"],
        ])
        // A double into the numeric column: its shortest text, not its 55 exact digits.
        try warehouse.load("t", [ArrowField("v", .float64)], [[[.real(0.30000000000000004)]]], mode: .append)
        #expect(try warehouse.rows("SELECT count(*) FROM \(warehouse.qualified("t")) WHERE v = 0.30000000000000004") == [["1"]])
    }

    @Test("timestamps widened to jsonb are the host's strings, not to_jsonb's +00:00 form")
    func timestampToJSON() throws {
        let warehouse = try TestWarehouse("jsonts")
        try warehouse.load("t", [ArrowField("t", .timestampMicrosecondsUTC)], [[[.timestamp(1_710_052_200_000_000)]]])
        try warehouse.load("t", [ArrowField("t", .utf8, annotation: .json)], [[[.text("{}")]]], mode: .append)
        #expect(try warehouse.columns("t") == ["t jsonb"])
        #expect(try warehouse.rows("SELECT t::text FROM \(warehouse.qualified("t")) ORDER BY t::text") == [
            [#""2024-03-10T06:30:00.000000Z""#], ["{}"],
        ])
    }

    @Test("a double precision column holding NaN or an infinity cannot become jsonb: the load fails, the table is unchanged")
    func infinityHasNoJSON() throws {
        let warehouse = try TestWarehouse("jsoninf")
        try warehouse.load("t", [ArrowField("r", .float64)], [[[.real(.infinity)]]])
        let before = try warehouse.dump()
        let error = hostError { try warehouse.load("t", [ArrowField("r", .utf8, annotation: .json)], [[[.text("{}")]]], mode: .append) }
        #expect(error?.message.contains("table \"t\": column \"r\" cannot widen to jsonb: it holds NaN or an infinity, "
            + "which JSON cannot hold") == true, "\(String(describing: error))")
        #expect(try warehouse.dump() == before)
    }
}

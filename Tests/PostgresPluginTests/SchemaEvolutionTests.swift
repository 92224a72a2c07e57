import ETLHost
import ETLPluginKit
import ETLTestSupport
import Testing

@Suite("PostgreSQL warehouse: new and widened columns")
struct SchemaEvolutionTests {
    @Test("a new field adds a nullable column; old rows get NULL")
    func addColumn() throws {
        let warehouse = try TestWarehouse("add")
        try warehouse.load("t", [ArrowField("id", .int64)], [[[.int(1)]]])
        try warehouse.load("t", [ArrowField("id", .int64), ArrowField("extra", .utf8, annotation: .json)],
                           [[[.int(2), .text("[1]")]]], mode: .append)
        #expect(try warehouse.columns("t") == ["id bigint", "extra jsonb"])
        #expect(try warehouse.rows("SELECT id, extra::text FROM \(warehouse.qualified("t")) ORDER BY id")
            == [["1", nil], ["2", "[1]"]])
        #expect(warehouse.logs.messages.contains("info: table \"t\": adding column \"extra\" jsonb"))
    }

    @Test("bigint widens to double precision, then to text, without losing a value")
    func widenNumbers() throws {
        let warehouse = try TestWarehouse("widen")
        let table = warehouse.qualified("t")
        try warehouse.load("t", [ArrowField("v", .int64)], [[[.int(1)], [.int(-9_007_199_254_740_992)], [.null]]])
        try warehouse.load("t", [ArrowField("v", .float64)], [[[.real(0.1)], [.real(2.5e300)]]], mode: .append)
        #expect(try warehouse.columns("t") == ["v double precision"])
        try warehouse.load("t", [ArrowField("v", .utf8)], [[[.text("007")]]], mode: .upsert, keys: ["v"])
        #expect(try warehouse.columns("t") == ["v text"])
        let values = try warehouse.rows("SELECT v FROM \(table) ORDER BY v NULLS LAST")
        // PostgreSQL spells the widened doubles its own way; every one reads back as the same double.
        #expect(values == [["-9.007199254740992e+15"], ["0.1"], ["007"], ["1"], ["2.5e+300"], [nil]])
        #expect(warehouse.logs.messages.filter { $0.contains("widening") } == [
            "info: table \"t\": widening column \"v\" from bigint to double precision",
            "info: table \"t\": widening column \"v\" from double precision to text",
        ])
    }

    @Test("a bigint column holding integers double precision cannot hold exactly is not widened to it")
    func refuseInexactWidening() throws {
        let warehouse = try TestWarehouse("inexact")
        try warehouse.load("t", [ArrowField("v", .int64)], [[[.int(9_007_199_254_740_993)]]])
        let before = try warehouse.dump()
        let failure = hostError { try warehouse.load("t", [ArrowField("v", .float64)], [[[.real(1)]]], mode: .append) }
        #expect(failure?.message == "plugin 'postgres': begin append of table 't' failed: table \"t\": column "
            + "\"v\" cannot widen from bigint to double precision: it holds integers that double precision cannot "
            + "represent exactly (beyond 2^53); load the column as text instead [ETL_ERR_DATA (10)]")
        #expect(try warehouse.dump() == before)
        // Into an existing double precision column, an inexact integer is refused too.
        try warehouse.load("d", [ArrowField("v", .float64)], [[[.real(1)]]])
        let value = hostError { try warehouse.load("d", [ArrowField("v", .int64)], [[[.int(1)], [.int(Int64.max)]]], mode: .append) }
        #expect(value?.message == "plugin 'postgres': write to table 'd' failed: table \"d\": column \"v\", row "
            + "2 of the load: an integer that double precision cannot represent exactly (beyond 2^53); load the column as "
            + "text instead [ETL_ERR_DATA (10)]")
    }

    @Test("other widenings: boolean to bigint, date to timestamp, scalars to jsonb, anything to text")
    func otherWidenings() throws {
        let warehouse = try TestWarehouse("others")
        let table = warehouse.qualified("t")
        let first = [ArrowField("b", .bool), ArrowField("d", .date32), ArrowField("j", .int64), ArrowField("s", .timestampMicrosecondsUTC)]
        try warehouse.load("t", first, [[[.bool(true), .date(19723), .int(5), .timestamp(1_700_000_000_123_456)]]])
        let second = [ArrowField("b", .int64), ArrowField("d", .timestampMicrosecondsUTC),
                      ArrowField("j", .utf8, annotation: .json), ArrowField("s", .utf8)]
        try warehouse.load("t", second, [[[.int(7), .timestamp(1_000_000), .text(#"{"k": 1}"#), .text("x")]]], mode: .append)
        #expect(try warehouse.columns("t") == ["b bigint", "d timestamp with time zone", "j jsonb", "s text"])
        #expect(try warehouse.rows("SELECT b::text, d::text, j::text, s FROM \(table) ORDER BY b")
            == [["1", "2024-01-01 00:00:00+00", "5", "2023-11-14T22:13:20.123456Z"],
                ["7", "1970-01-01 00:00:01+00", #"{"k": 1}"#, "x"]])
    }

    @Test("a load narrower than the table goes into the wider columns")
    func narrowerLoad() throws {
        let warehouse = try TestWarehouse("narrow")
        let wide = [ArrowField("a", .utf8), ArrowField("b", .float64), ArrowField("c", .timestampMicrosecondsUTC),
                    ArrowField("d", .utf8, annotation: .json), ArrowField("e", .utf8, annotation: .decimal(precision: 38, scale: 9))]
        try warehouse.load("t", wide, [[[.text("x"), .real(0.5), .timestamp(0), .text("[]"), .text("1.5")]]])
        let narrow = [ArrowField("a", .float64), ArrowField("b", .int64), ArrowField("c", .date32),
                      ArrowField("d", .utf8), ArrowField("e", .int64)]
        try warehouse.load("t", narrow, [[[.real(1.25), .int(3), .date(1), .text("plain"), .int(12)],
                                          [.real(5), .null, .null, .null, .null]]], mode: .append)
        #expect(try warehouse.columns("t") == ["a text", "b double precision", "c timestamp with time zone", "d jsonb",
                                               "e numeric"])
        #expect(try warehouse.rows("SELECT a, b::text, c::text, d::text, e::text FROM \(warehouse.qualified("t")) ORDER BY a")
            == [["1.25", "3", "1970-01-02 00:00:00+00", "\"plain\"", "12"], ["5", nil, nil, nil, nil],
                ["x", "0.5", "1970-01-01 00:00:00+00", "[]", "1.5"]])
    }

    @Test("columns of other types made by other tools are filled through PostgreSQL's casts, never cut")
    func foreignColumns() throws {
        let warehouse = try TestWarehouse("foreigncols")
        let table = warehouse.qualified("f")
        try warehouse.db.execute("""
            CREATE SCHEMA \(PostgresInspector.quoted(warehouse.schema));
            CREATE TABLE \(table) (id integer PRIMARY KEY, code varchar(3), amount numeric(5,2), ref uuid, at timestamp, doc json);
            """)
        let fields = [ArrowField("id", .int64), ArrowField("code", .utf8),
                      ArrowField("amount", .utf8, annotation: .decimal(precision: 38, scale: 9)), ArrowField("ref", .utf8),
                      ArrowField("at", .timestampMicrosecondsUTC), ArrowField("doc", .utf8, annotation: .json)]
        let row: [Cell] = [.int(1), .text("abc"), .text("123.40"), .text("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
                           .timestamp(1_000_000), .text(#"{"b":1, "a":2}"#)]
        try warehouse.load("f", fields, [[row]], mode: .append)
        try warehouse.load("f", fields, [[row]], mode: .upsert, keys: ["id"])
        let stored = try warehouse.rows("SELECT id, code, amount::text, ref::text, at::text, doc::text FROM \(table)")
        #expect(stored == [["1", "abc", "123.40", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "1970-01-01 00:00:01", #"{"b":1, "a":2}"#]])
        let before = try warehouse.dump()
        var long = row
        long[1] = .text("abcd")
        let tooLong = hostError { try warehouse.load("f", fields, [[long]], mode: .append) }
        #expect(tooLong?.message == "plugin 'postgres': commit of table 'f' failed: table \"f\": merging the "
            + "loaded rows (INSERT ... SELECT) failed: value too long for type character varying(3) (SQLSTATE 22001; "
            + "column \"code\", row 1 of the load) [ETL_ERR_DATA (10)]")
        var precise = row
        precise[2] = .text("1.005")
        let rounded = hostError { try warehouse.load("f", fields, [[precise]], mode: .append) }
        #expect(rounded?.message == "plugin 'postgres': write to table 'f' failed: table \"f\": column "
            + "\"amount\", row 1 of the load: a decimal with more digits than the column's numeric(5,2) holds; "
            + "PostgreSQL would round it [ETL_ERR_DATA (10)]")
        var notUUID = row
        notUUID[3] = .text("nope")
        let uuid = hostError { try warehouse.load("f", fields, [[notUUID]], mode: .append) }
        #expect(uuid?.message.contains("invalid input syntax for type uuid") == true, "\(uuid?.message ?? "")")
        #expect(try warehouse.dump() == before)
    }
}

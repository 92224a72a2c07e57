import ETLHost
import ETLPluginKit
import ETLTestSupport
import Testing

/// The first upsert into a table the load creates: rows go in without the
/// key index, which is built at commit (``DeferredKeyIndex``). Keys the
/// load repeats must end as the row-by-row upsert leaves them: one row per
/// key, in its first row's place, with its last row's values.
@Suite("SQLite warehouse: the first keyed load")
struct FirstKeyedLoadTests {
    static let fields = [ArrowField("id", .int64), ArrowField("name", .utf8), ArrowField("score", .float64)]

    /// 40 rows over the keys 0...14 (across the 32-row multi-row INSERT),
    /// then a batch repeating key 3 and bringing key 20.
    static let firstLoad: [[[Cell]]] = [
        (0..<40).map { [.int(Int64($0 % 15)), .text("v\($0)"), .real(Double($0))] },
        [[.int(3), .text("late"), .null], [.int(20), .text("new"), .real(1.5)]],
    ]

    /// What the first load leaves, in rowid order: keys in the order they
    /// first came, each with its last row's values.
    static let afterFirstLoad: [[Stored]] = (0..<15).map { key -> [Stored] in
        if key == 3 { return [.integer(3), .text("late"), .null] }
        let last = key < 10 ? key + 30 : key + 15
        return [.integer(Int64(key)), .text("v\(last)"), .real(Double(last))]
    } + [[.integer(20), .text("new"), .real(1.5)]]

    @Test("repeated keys in a first upsert keep the first row's place and the last row's values; a second upsert merges")
    func repeatedKeysThenASecondUpsert() throws {
        let warehouse = try TestWarehouse()
        try warehouse.load("t", Self.fields, Self.firstLoad, mode: .upsert, keys: ["id"])
        let db = try warehouse.database()
        #expect(try db.rows("SELECT id, name, score FROM t ORDER BY rowid") == Self.afterFirstLoad)
        #expect(try db.rows("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 't' ORDER BY type") == [
            [.text("index"), .text("_etl_key_t"), .text("CREATE UNIQUE INDEX \"_etl_key_t\" ON \"t\" (\"id\")")],
            [.text("table"), .text("t"), .text("CREATE TABLE \"t\" (\"id\" INTEGER, \"name\" TEXT, \"score\" REAL)")],
        ])
        #expect(warehouse.logs.messages.contains("debug: table \"t\": 26 rows of the load repeated an earlier row's "
            + "key and were merged into it (the last one's values win)"))

        try warehouse.load("t", Self.fields, [[[.int(0), .text("second"), .real(0.5)], [.int(30), .text("third"), .null],
                                               [.int(30), .text("again"), .real(2)]]],
                           mode: .upsert, keys: ["id"], runID: "run-2")
        var expected = Self.afterFirstLoad
        expected[0] = [.integer(0), .text("second"), .real(0.5)]
        expected.append([.integer(30), .text("again"), .real(2)])
        #expect(try db.rows("SELECT id, name, score FROM t ORDER BY rowid") == expected)
        #expect(try db.rows("SELECT name FROM sqlite_master WHERE tbl_name = 't' AND type = 'index'")
            == [[.text("_etl_key_t")]])
    }

    @Test("a first upsert without repeated keys loads every row as it came")
    func distinctKeys() throws {
        let warehouse = try TestWarehouse()
        let rows: [[Cell]] = (0..<100).map { [.int(Int64(99 - $0)), .text("n\($0)"), .real(Double($0) / 2)] }
        try warehouse.load("t", Self.fields, [Array(rows[..<33]), Array(rows[33...])], mode: .upsert, keys: ["id"])
        #expect(try warehouse.database().rows("SELECT id, name, score FROM t ORDER BY rowid")
            == (0..<100).map { [.integer(Int64(99 - $0)), .text("n\($0)"), .real(Double($0) / 2)] })
        #expect(!warehouse.logs.messages.contains { $0.contains("were merged") })
    }

    @Test("a composite key is merged on every key column, not on one of them")
    func compositeKey() throws {
        let warehouse = try TestWarehouse()
        let fields = [ArrowField("region", .utf8), ArrowField("id", .int64), ArrowField("name", .utf8)]
        try warehouse.load("t", fields, [[
            [.text("eu"), .int(1), .text("a")], [.text("us"), .int(1), .text("b")],
            [.text("eu"), .int(2), .text("c")], [.text("eu"), .int(1), .text("d")],
            [.text("us"), .int(1), .text("e")], [.text("eu"), .int(1), .text("f")],
        ]], mode: .upsert, keys: ["region", "id"])
        #expect(try warehouse.database().rows("SELECT region, id, name FROM t ORDER BY rowid") == [
            [.text("eu"), .integer(1), .text("f")], [.text("us"), .integer(1), .text("e")],
            [.text("eu"), .integer(2), .text("c")],
        ])
        #expect(try warehouse.database().rows("SELECT sql FROM sqlite_master WHERE name = '_etl_key_t'")
            == [[.text("CREATE UNIQUE INDEX \"_etl_key_t\" ON \"t\" (\"region\", \"id\")")]])
    }

    @Test("a load whose columns are all keys keeps one row per key")
    func onlyKeys() throws {
        let warehouse = try TestWarehouse()
        try warehouse.load("t", [ArrowField("id", .int64)], [[[.int(2)], [.int(1)], [.int(2)], [.int(1)], [.int(3)]]],
                           mode: .upsert, keys: ["id"])
        #expect(try warehouse.database().rows("SELECT id FROM t ORDER BY rowid")
            == [[.integer(2)], [.integer(1)], [.integer(3)]])
    }

    @Test("columns named rowid and _rowid_ do not confuse the merge", arguments: [
        ["rowid"], ["rowid", "_rowid_"], ["rowid", "_rowid_", "oid"],
    ])
    func columnsNamedLikeTheRowid(names: [String]) throws {
        let warehouse = try TestWarehouse()
        let fields = names.map { ArrowField($0, .int64) } + [ArrowField("name", .utf8)]
        func row(_ key: Int64, _ name: String) -> [Cell] { names.map { _ in .int(key) } + [.text(name)] }
        try warehouse.load("t", fields, [[row(7, "a"), row(5, "b"), row(7, "c")]], mode: .upsert, keys: [names[0]])
        let columns = (names.map { "\"\($0)\"" } + ["name"]).joined(separator: ", ")
        #expect(try warehouse.database().rows("SELECT \(columns) FROM t ORDER BY name")
            == [names.map { _ in .integer(5) } + [.text("b")], names.map { _ in .integer(7) } + [.text("c")]])
    }

    @Test("a first upsert that fails leaves no table and no index")
    func rollbackLeavesNothing() throws {
        let warehouse = try TestWarehouse()
        try warehouse.load("other", Self.fields, [[[.int(1), .text("a"), .null]]], mode: .append)
        let before = try warehouse.database().dump()
        let writer = try warehouse.instance.begin(table: "t", schema: ArrowBatchSchema(Self.fields), mode: .upsert,
                                                  keyColumns: ["id"], runID: "run-2")
        try writer.write(try makeBatch(Self.fields, Self.firstLoad[0]))
        writer.rollback()
        #expect(try warehouse.database().dump() == before)
    }
}

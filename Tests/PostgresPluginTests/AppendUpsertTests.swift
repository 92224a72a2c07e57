import ETLHost
import ETLPluginKit
import ETLTestSupport
import Testing

@Suite("PostgreSQL warehouse: append and upsert")
struct AppendUpsertTests {
    static let fields = [ArrowField("id", .int64), ArrowField("name", .utf8), ArrowField("score", .float64)]

    @Test("append creates the table, then adds the rows of every load")
    func appendAdds() throws {
        let warehouse = try TestWarehouse("append")
        let rows: [[Cell]] = [[.int(1), .text("a"), .real(1)], [.int(2), .text("b"), .null]]
        try warehouse.load("t", Self.fields, [rows], mode: .append)
        try warehouse.load("t", Self.fields, [rows, []], mode: .append)
        #expect(try warehouse.rows("SELECT id, name, score FROM \(warehouse.qualified("t")) ORDER BY id, name")
            == [["1", "a", "1"], ["1", "a", "1"], ["2", "b", nil], ["2", "b", nil]])
    }

    @Test("upsert inserts new keys and updates existing ones, keeping the columns the load does not carry")
    func upsertMerges() throws {
        let warehouse = try TestWarehouse("upsert")
        let wide = Self.fields + [ArrowField("note", .utf8)]
        try warehouse.load("t", wide, [[[.int(1), .text("a"), .real(1), .text("keep")], [.int(2), .text("b"), .real(2), .text("keep")]]],
                           mode: .upsert, keys: ["id"])
        try warehouse.load("t", Self.fields, [[[.int(2), .text("B"), .real(20)]], [[.int(3), .text("c"), .null]]],
                           mode: .upsert, keys: ["id"])
        #expect(try warehouse.rows("SELECT id, name, score, note FROM \(warehouse.qualified("t")) ORDER BY id")
            == [["1", "a", "1", "keep"], ["2", "B", "20", "keep"], ["3", "c", nil, nil]])
        #expect(try warehouse.rows("SELECT indexdef FROM pg_indexes WHERE schemaname = '\(warehouse.schema)'")
            == [["CREATE UNIQUE INDEX _etl_key_t ON \(warehouse.schema).t USING btree (id)"]])
    }

    @Test("rows whose values did not change are not rewritten")
    func unchangedRowsStay() throws {
        let warehouse = try TestWarehouse("unchanged")
        let rows: [[Cell]] = (1 ... 10).map { [.int(Int64($0)), .text("n\($0)"), .real(Double($0))] }
        try warehouse.load("t", Self.fields, [rows], mode: .upsert, keys: ["id"])
        let table = warehouse.qualified("t")
        let before = try warehouse.rows("SELECT id, xmin::text FROM \(table) ORDER BY id")
        var changed = rows
        changed[3][1] = .text("changed")
        try warehouse.load("t", Self.fields, [changed], mode: .upsert, keys: ["id"])
        let after = try warehouse.rows("SELECT id, xmin::text FROM \(table) ORDER BY id")
        #expect(zip(before, after).filter { $0 != $1 }.map { $0.0[0] } == ["4"])
    }

    @Test("one load carrying the same key twice: the last row wins")
    func duplicateKeysInOneLoad() throws {
        let warehouse = try TestWarehouse("dupes")
        try warehouse.load("t", Self.fields, [[[.int(1), .text("first"), .null], [.int(2), .text("x"), .null]],
                                              [[.int(1), .text("second"), .real(2)]]], mode: .upsert, keys: ["id"])
        #expect(try warehouse.rows("SELECT id, name, score FROM \(warehouse.qualified("t")) ORDER BY id")
            == [["1", "second", "2"], ["2", "x", nil]])
    }

    @Test("composite keys, and keys that are the only columns")
    func compositeKeys() throws {
        let warehouse = try TestWarehouse("composite")
        let fields = [ArrowField("a", .utf8), ArrowField("b", .date32)]
        try warehouse.load("k", fields, [[[.text("x"), .date(1)], [.text("x"), .date(2)]]], mode: .upsert, keys: ["a", "b"])
        try warehouse.load("k", fields, [[[.text("x"), .date(2)], [.text("y"), .date(2)]]], mode: .upsert, keys: ["b", "a"])
        #expect(try warehouse.rows("SELECT a, b::text FROM \(warehouse.qualified("k")) ORDER BY a, b")
            == [["x", "1970-01-02"], ["x", "1970-01-03"], ["y", "1970-01-03"]])
    }

    @Test("an existing primary key serves as the conflict target")
    func existingPrimaryKey() throws {
        let warehouse = try TestWarehouse("pk")
        try warehouse.load("t", Self.fields, [[[.int(1), .text("a"), .null]]])
        try warehouse.db.execute("ALTER TABLE \(warehouse.qualified("t")) ADD PRIMARY KEY (id)")
        try warehouse.load("t", Self.fields, [[[.int(1), .text("b"), .null]]], mode: .upsert, keys: ["id"])
        #expect(try warehouse.rows("SELECT indexname FROM pg_indexes WHERE schemaname = '\(warehouse.schema)'") == [["t_pkey"]])
        #expect(try warehouse.rows("SELECT name FROM \(warehouse.qualified("t"))") == [["b"]])
    }

    @Test("a null key fails naming the row; a table holding duplicate keys is refused with the reason")
    func keyProblems() throws {
        let warehouse = try TestWarehouse("keys")
        let null = hostError {
            try warehouse.load("t", Self.fields, [[[.int(1), .null, .null], [.null, .text("b"), .null]]], mode: .upsert,
                               keys: ["id"])
        }
        #expect(null?.message == "plugin 'postgres': write to table 't' failed: table \"t\": upsert key "
            + "column \"id\" is null in row 2 of the load (row 2 of its batch); every row needs a key to be merged on "
            + "[ETL_ERR_DATA (10)]")
        #expect(try warehouse.tables().isEmpty)

        try warehouse.load("t", Self.fields, [[[.int(1), .null, .null], [.int(1), .null, .null]]], mode: .append)
        let before = try warehouse.dump()
        let duplicates = hostError {
            try warehouse.load("t", Self.fields, [[[.int(1), .null, .null]]], mode: .upsert, keys: ["id"])
        }
        #expect(duplicates?.message == "plugin 'postgres': begin upsert of table 't' failed: table \"t\": "
            + "creating the unique index on the upsert key (\"id\") failed: could not create unique index "
            + "\"_etl_key_t\" (SQLSTATE 23505; table \"t\", constraint \"_etl_key_t\"); the table already holds several "
            + "rows with the same key (loaded with append, or before the key was chosen): remove the duplicates or "
            + "reload it with replace [ETL_ERR_DATA (10)]")
        #expect(try warehouse.dump() == before)
    }

    @Test("a key index left for other key columns is replaced")
    func keyIndexMoves() throws {
        let warehouse = try TestWarehouse("keymove")
        try warehouse.load("t", Self.fields, [[[.int(1), .text("a"), .null]]], mode: .upsert, keys: ["id"])
        try warehouse.load("t", Self.fields, [[[.int(2), .text("a"), .null]]], mode: .upsert, keys: ["name"])
        #expect(try warehouse.rows("SELECT indexdef FROM pg_indexes WHERE schemaname = '\(warehouse.schema)'")
            == [["CREATE UNIQUE INDEX _etl_key_t ON \(warehouse.schema).t USING btree (name)"]])
        #expect(try warehouse.rows("SELECT id, name FROM \(warehouse.qualified("t"))") == [["2", "a"]])
    }
}

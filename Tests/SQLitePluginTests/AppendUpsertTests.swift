import ETLHost
import ETLPluginKit
import ETLTestSupport
import Testing

@Suite("SQLite warehouse: append and upsert")
struct AppendUpsertTests {
    static let fields = [ArrowField("id", .int64), ArrowField("name", .utf8), ArrowField("score", .float64)]
    static let rows: [[Cell]] = [
        [.int(1), .text("a"), .real(1)],
        [.int(2), .text("b"), .real(2)],
        [.int(3), .text("c"), .null],
    ]

    @Test("append creates the table, then appending the same rows doubles it")
    func appendDoubles() throws {
        let warehouse = try TestWarehouse()
        try warehouse.load("t", Self.fields, [Self.rows], mode: .append)
        try warehouse.load("t", Self.fields, [Array(Self.rows[..<1]), Array(Self.rows[1...])], mode: .append)
        #expect(try warehouse.database().rows("SELECT * FROM t ORDER BY rowid") == [
            [.integer(1), .text("a"), .real(1)], [.integer(2), .text("b"), .real(2)], [.integer(3), .text("c"), .null],
            [.integer(1), .text("a"), .real(1)], [.integer(2), .text("b"), .real(2)], [.integer(3), .text("c"), .null],
        ])
    }

    @Test("upsert updates changed rows, inserts new ones and leaves the others untouched")
    func upsertMerges() throws {
        let warehouse = try TestWarehouse()
        try warehouse.load("t", Self.fields, [Self.rows], mode: .upsert, keys: ["id"])
        try warehouse.load("t", Self.fields, [[[.int(2), .text("B"), .real(20)], [.int(4), .text("d"), .real(4)]]],
                           mode: .upsert, keys: ["id"])
        let db = try warehouse.database()
        #expect(try db.rows("SELECT * FROM t ORDER BY id") == [
            [.integer(1), .text("a"), .real(1)], [.integer(2), .text("B"), .real(20)],
            [.integer(3), .text("c"), .null], [.integer(4), .text("d"), .real(4)],
        ])
        #expect(try db.rows("SELECT name, sql FROM sqlite_master WHERE type = 'index'") == [
            [.text("_etl_key_t"), .text("CREATE UNIQUE INDEX \"_etl_key_t\" ON \"t\" (\"id\")")],
        ])
    }

    @Test("upsert on a composite key; columns the load does not carry keep their values")
    func upsertCompositeKey() throws {
        let warehouse = try TestWarehouse()
        let wide = [ArrowField("region", .utf8), ArrowField("id", .int64), ArrowField("name", .utf8),
                    ArrowField("note", .utf8)]
        try warehouse.load("t", wide, [[[.text("eu"), .int(1), .text("a"), .text("keep")],
                                        [.text("us"), .int(1), .text("b"), .text("keep too")]]])
        let narrow = [ArrowField("id", .int64), ArrowField("region", .utf8), ArrowField("name", .utf8)]
        try warehouse.load("t", narrow, [[[.int(1), .text("us"), .text("B")], [.int(2), .text("us"), .text("c")]]],
                           mode: .upsert, keys: ["region", "id"])
        #expect(try warehouse.database().rows("SELECT * FROM t ORDER BY rowid") == [
            [.text("eu"), .integer(1), .text("a"), .text("keep")],
            [.text("us"), .integer(1), .text("B"), .text("keep too")],
            [.text("us"), .integer(2), .text("c"), .null],
        ])
    }

    @Test("upsert whose columns are all keys inserts only the new keys")
    func upsertOnlyKeys() throws {
        let warehouse = try TestWarehouse()
        let keys = [ArrowField("id", .int64)]
        try warehouse.load("t", keys, [[[.int(1)], [.int(2)]]], mode: .upsert, keys: ["id"])
        try warehouse.load("t", keys, [[[.int(2)], [.int(3)]]], mode: .upsert, keys: ["id"])
        #expect(try warehouse.database().rows("SELECT id FROM t ORDER BY id") == [[.integer(1)], [.integer(2)], [.integer(3)]])
    }

    @Test("upsert uses an existing primary key instead of adding an index")
    func upsertOnPrimaryKey() throws {
        let warehouse = try TestWarehouse()
        let db = try warehouse.database()
        try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL); INSERT INTO t VALUES (1, 'a', 1)")
        try warehouse.load("t", Self.fields, [[[.int(1), .text("A"), .real(2)]]], mode: .upsert, keys: ["id"])
        #expect(try db.rows("SELECT * FROM t") == [[.integer(1), .text("A"), .real(2)]])
        #expect(try db.rows("SELECT name FROM sqlite_master WHERE type = 'index'") == [])
    }

    @Test("a null key is an error naming the row, and nothing of the load is kept")
    func nullKey() throws {
        let warehouse = try TestWarehouse()
        try warehouse.load("t", Self.fields, [Self.rows], mode: .upsert, keys: ["id"])
        let before = try warehouse.database().dump()
        let writer = try warehouse.instance.begin(table: "t", schema: ArrowBatchSchema(Self.fields), mode: .upsert,
                                                  keyColumns: ["id"], runID: "run-2")
        try writer.write(try makeBatch(Self.fields, [[.int(7), .text("x"), .null]]))
        let failure = hostError {
            try writer.write(try makeBatch(Self.fields, [[.int(8), .text("y"), .null], [.null, .text("z"), .null]]))
        }
        #expect(failure?.message == "plugin 'sqlite': write to table 't' failed: table \"t\": upsert key "
            + "column \"id\" is null in row 3 of the load (row 2 of its batch); every row needs a key to be merged on "
            + "[ETL_ERR_DATA (10)]")
        #expect(hostError { try writer.commit() }?.message == "plugin 'sqlite': commit of table 't' failed: "
            + "table \"t\": cannot commit after a failed write (table \"t\": upsert key column \"id\" is null "
            + "in row 3 of the load (row 2 of its batch); every row needs a key to be merged on); roll the load back "
            + "[ETL_ERR_DATA (10)]")
        writer.rollback()
        #expect(try warehouse.database().dump() == before)
    }

    @Test("upsert into a table that already holds duplicate keys is refused with the reason")
    func duplicateKeys() throws {
        let warehouse = try TestWarehouse()
        try warehouse.load("t", Self.fields, [Self.rows, Self.rows], mode: .append)
        let before = try warehouse.database().dump()
        let failure = hostError {
            try warehouse.load("t", Self.fields, [[[.int(1), .text("x"), .null]]], mode: .upsert, keys: ["id"])
        }
        #expect(failure?.message == "plugin 'sqlite': begin upsert of table 't' failed: table \"t\": "
            + "creating the unique index on the upsert key (\"id\") failed: UNIQUE constraint failed: t.id "
            + "(SQLITE_CONSTRAINT_UNIQUE); the table already holds several rows with the same key (loaded with "
            + "append, or before the key was chosen): remove the duplicates or reload it with replace [ETL_ERR_DATA (10)]")
        #expect(try warehouse.database().dump() == before)
    }

    @Test("key columns missing from the schema are refused before anything happens")
    func missingKey() throws {
        let warehouse = try TestWarehouse()
        let failure = hostError {
            _ = try warehouse.instance.begin(table: "t", schema: ArrowBatchSchema(Self.fields), mode: .upsert,
                                             keyColumns: ["nope"], runID: "r")
        }
        #expect(failure?.message == "plugin 'sqlite': begin upsert of table 't' failed: begin: key column \"nope\" "
            + "is not a column of table \"t\"; its columns are id, name, score [ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(try warehouse.database().tables() == [])
    }

    @Test("many rows in uneven batches arrive whole and in order (multi-row INSERTs plus single rows)")
    func bulkRows() throws {
        let warehouse = try TestWarehouse()
        func row(_ id: Int) -> [Cell] {
            let name: Cell = id % 7 == 0 ? .null : .text("n\(id)")
            return [.int(Int64(id)), name, .real(Double(id) / 4)]
        }
        let batches: [[[Cell]]] = stride(from: 0, to: 1000, by: 77).map { start in
            (start..<min(1000, start + 77)).map(row)
        }
        try warehouse.load("t", Self.fields, batches, mode: .append)
        let db = try warehouse.database()
        #expect(try db.rows("SELECT count(*), sum(id), sum(rowid = id + 1), count(name), sum(score) FROM t")
            == [[.integer(1000), .integer(499_500), .integer(1000), .integer(857), .real(124_875)]])
        #expect(try db.rows("SELECT name FROM t WHERE id IN (0, 1, 76, 77, 999) ORDER BY id")
            == [[.null], [.text("n1")], [.text("n76")], [.null], [.text("n999")]])
    }

    @Test("a failing row inside a multi-row INSERT is named exactly")
    func failureInsideAGroup() throws {
        let warehouse = try TestWarehouse()
        let db = try warehouse.database()
        try db.execute("CREATE TABLE t (id INTEGER, name TEXT NOT NULL, score REAL)")
        let writer = try warehouse.instance.begin(table: "t", schema: ArrowBatchSchema(Self.fields), mode: .append,
                                                  runID: "r")
        try writer.write(try makeBatch(Self.fields, (0..<10).map { [.int(Int64($0)), .text("x"), .null] }))
        let rows: [[Cell]] = (0..<100).map { id in
            let name: Cell = id == 39 ? .null : .text("x")
            return [.int(Int64(id)), name, .null]
        }
        #expect(hostError { try writer.write(try makeBatch(Self.fields, rows)) }?.message
            == "plugin 'sqlite': write to table 't' failed: table \"t\": INSERT of row 50 failed: NOT NULL "
            + "constraint failed: t.name (SQLITE_CONSTRAINT_NOTNULL) [ETL_ERR_DATA (10)]")
        writer.rollback()
        #expect(try db.scalar("SELECT count(*) FROM t") == .integer(0))
    }

    @Test("upsert with the same key twice in one batch keeps the last row")
    func duplicateKeysInOneBatch() throws {
        let warehouse = try TestWarehouse()
        let rows: [[Cell]] = (0..<70).map { id -> [Cell] in [.int(Int64(id % 10)), .text("v\(id)"), .real(Double(id))] }
        try warehouse.load("t", Self.fields, [rows], mode: .upsert, keys: ["id"])
        #expect(try warehouse.database().rows("SELECT id, name FROM t WHERE id IN (0, 9) ORDER BY id")
            == [[.integer(0), .text("v60")], [.integer(9), .text("v69")]])
        #expect(try warehouse.database().scalar("SELECT count(*) FROM t") == .integer(10))
    }

    @Test("a constraint of a table made elsewhere fails the write with SQLite's message, and rolls back cleanly")
    func constraintFailure() throws {
        let warehouse = try TestWarehouse()
        let db = try warehouse.database()
        try db.execute("CREATE TABLE orders (id INTEGER NOT NULL, name TEXT, score REAL); INSERT INTO orders VALUES (1, 'a', 1)")
        let before = try db.dump()
        let writer = try warehouse.instance.begin(table: "orders", schema: ArrowBatchSchema(Self.fields),
                                                  mode: .append, runID: "r")
        let failure = hostError {
            try writer.write(try makeBatch(Self.fields, [[.int(2), .text("secret value"), .null], [.null, .text("b"), .null]]))
        }
        #expect(failure?.message == "plugin 'sqlite': write to table 'orders' failed: table \"orders\": INSERT "
            + "of row 2 failed: NOT NULL constraint failed: orders.id (SQLITE_CONSTRAINT_NOTNULL) [ETL_ERR_DATA (10)]")
        #expect(failure?.kind == .badData)
        #expect(failure?.retryable == false)
        writer.rollback()
        #expect(try db.dump() == before)
    }
}

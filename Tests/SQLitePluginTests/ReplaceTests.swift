import ETLHost
import ETLPluginKit
import ETLTestSupport
import Testing

@Suite("SQLite warehouse: replace")
struct ReplaceTests {
    static let fields = [ArrowField("id", .int64), ArrowField("name", .utf8), ArrowField("amount", .float64)]
    static let rows: [[Cell]] = [
        [.int(1), .text("Ada"), .real(10.5)],
        [.int(2), .text("Grace"), .null],
        [.int(3), .null, .real(-1)],
    ]

    @Test("replacing twice with the same rows gives the same database")
    func replaceTwice() throws {
        let warehouse = try TestWarehouse()
        try warehouse.load("people", Self.fields, [Array(Self.rows[0...1]), Array(Self.rows[2...])], runID: "a")
        let first = try warehouse.database().dump()
        try warehouse.load("people", Self.fields, [Self.rows], runID: "b")
        let second = try warehouse.database().dump()
        #expect(second == first)
        #expect(try warehouse.database().rows("SELECT * FROM people ORDER BY rowid") == [
            [.integer(1), .text("Ada"), .real(10.5)],
            [.integer(2), .text("Grace"), .null],
            [.integer(3), .null, .real(-1)],
        ])
        #expect(try warehouse.database().tables() == ["people"])
    }

    @Test("replace swaps in a new schema and keeps the table's indexes, triggers and views")
    func replaceKeepsDependents() throws {
        let warehouse = try TestWarehouse()
        try warehouse.load("people", Self.fields, [Self.rows])
        let db = try warehouse.database()
        try db.execute("""
            CREATE INDEX people_name ON people (name);
            CREATE INDEX people_amount ON people (amount);
            CREATE TABLE audit (n INTEGER);
            CREATE TRIGGER people_insert AFTER INSERT ON people BEGIN INSERT INTO audit VALUES (new.id); END;
            CREATE VIEW named AS SELECT id, name FROM people WHERE name IS NOT NULL;
            """)
        // The new load drops "amount" and adds "city".
        let fields = [ArrowField("id", .int64), ArrowField("name", .utf8), ArrowField("city", .utf8)]
        try warehouse.load("people", fields, [[[.int(7), .text("Linus"), .text("Helsinki")], [.int(8), .null, .null]]])
        #expect(try db.columns("people") == ["text:\"id INTEGER\"", "text:\"name TEXT\"", "text:\"city TEXT\""])
        #expect(try db.rows("SELECT * FROM named") == [[.integer(7), .text("Linus")]])
        #expect(try db.rows("SELECT type, name FROM sqlite_master WHERE tbl_name = 'people' ORDER BY name") == [
            [.text("table"), .text("people")], [.text("trigger"), .text("people_insert")],
            [.text("index"), .text("people_name")],
        ])
        #expect(warehouse.logs.warnings == [
            "warn: table \"people\": not recreating index \"people_amount\": the new table has no column \"amount\"",
        ])
        try db.execute("INSERT INTO people (id) VALUES (9)")
        #expect(try db.rows("SELECT n FROM audit") == [[.integer(9)]])
    }

    @Test("a replace that fails on a bad batch and rolls back leaves the previous table exactly as it was")
    func failedReplaceRollsBack() throws {
        let warehouse = try TestWarehouse()
        try warehouse.load("people", Self.fields, [Self.rows], stateKey: "csv/people", stateJSON: #"{"line":3}"#)
        let db = try warehouse.database()
        try db.execute("CREATE INDEX people_name ON people (name)")
        let before = try db.dump()

        let writer = try warehouse.instance.begin(table: "people", schema: ArrowBatchSchema(Self.fields),
                                                  mode: .replace, runID: "run-2")
        try writer.write(try makeBatch(Self.fields, [[.int(9), .text("new"), .real(0)]]))
        // A batch of another shape: refused, and the load can only be rolled back.
        let wrong = try makeBatch([ArrowField("id", .int64)], [[.int(1)]])
        #expect(hostError { try writer.write(wrong) }?.message
            == "plugin 'sqlite': write to table 'people' failed: write to table \"people\": the batch has 1 columns "
            + "but its schema has 3 (id, name, amount) [ETL_ERR_DATA (10)]")
        #expect(try db.dump() == before)  // nothing visible while loading
        writer.rollback()
        #expect(try db.dump() == before)
        #expect(try db.tables() == ["_etl_state", "people"])
        #expect(try warehouse.instance.stateGet(key: "csv/people") == #"{"line":3}"#)
    }

    @Test("a replace whose commit fails (the new rows break a unique index) leaves the previous table")
    func failedCommitRollsBack() throws {
        let warehouse = try TestWarehouse()
        try warehouse.load("people", Self.fields, [Self.rows])
        let db = try warehouse.database()
        try db.execute("CREATE UNIQUE INDEX people_id ON people (id)")
        let before = try db.dump()

        let writer = try warehouse.instance.begin(table: "people", schema: ArrowBatchSchema(Self.fields),
                                                  mode: .replace, runID: "run-2")
        try writer.write(try makeBatch(Self.fields, [[.int(5), .text("a"), .null], [.int(5), .text("b"), .null]]))
        let failure = hostError {
            try writer.commit(stateKey: "k", stateJSON: "1", runJSON: #"{"status":"succeeded"}"#, schemaJSON: "{}")
        }
        #expect(failure?.message == "plugin 'sqlite': commit of table 'people' failed: table \"people\": "
            + "recreating index \"people_id\" failed: UNIQUE constraint failed: people.id (SQLITE_CONSTRAINT_UNIQUE) "
            + "[ETL_ERR_DATA (10)]")
        #expect(failure?.pluginStatus == 10)
        #expect(!writer.isFinished)
        writer.rollback()
        #expect(try db.dump() == before)
        #expect(try db.tables() == ["people"])
    }

    @Test("a writer dropped without commit rolls back")
    func droppedWriterRollsBack() throws {
        let warehouse = try TestWarehouse()
        try warehouse.load("people", Self.fields, [Self.rows])
        let before = try warehouse.database().dump()
        do {
            let writer = try warehouse.instance.begin(table: "people", schema: ArrowBatchSchema(Self.fields),
                                                      mode: .replace, runID: "run-2")
            try writer.write(try makeBatch(Self.fields, [[.int(9), .text("new"), .real(0)]]))
        }
        #expect(try warehouse.database().dump() == before)
        // The instance is free for the next load.
        try warehouse.load("people", Self.fields, [[[.int(4), .text("x"), .real(4)]]])
        #expect(try warehouse.database().rows("SELECT id FROM people") == [[.integer(4)]])
    }

    @Test("a reader sees the old table until the commit and the new one after it, never an empty one")
    func readersNeverSeeAnEmptyTable() throws {
        let warehouse = try TestWarehouse()
        try warehouse.load("people", Self.fields, [Self.rows])
        let snapshot = try warehouse.database()
        try snapshot.execute("BEGIN")
        #expect(try snapshot.scalar("SELECT count(*) FROM people") == .integer(3))

        let writer = try warehouse.instance.begin(table: "people", schema: ArrowBatchSchema(Self.fields),
                                                  mode: .replace, runID: "run-2")
        let reader = try warehouse.database()
        #expect(try reader.scalar("SELECT count(*) FROM people") == .integer(3))
        try writer.write(try makeBatch(Self.fields, [[.int(10), .text("a"), .null], [.int(11), .text("b"), .null]]))
        #expect(try reader.scalar("SELECT group_concat(id) FROM people") == .text("1,2,3"))
        try writer.commit()
        #expect(try reader.scalar("SELECT group_concat(id) FROM people") == .text("10,11"))
        // A read transaction opened before the commit keeps its snapshot of the old table.
        #expect(try snapshot.scalar("SELECT group_concat(id) FROM people") == .text("1,2,3"))
        try snapshot.execute("COMMIT")
        #expect(try snapshot.scalar("SELECT group_concat(id) FROM people") == .text("10,11"))
    }

    @Test("staging tables left by an older crash are dropped at the next begin of their table, and only theirs")
    func staleStagingTables() throws {
        let warehouse = try TestWarehouse()
        let db = try warehouse.database()
        try db.execute("""
            CREATE TABLE "_etl_staging_people_old-1" (x);
            CREATE TABLE "_etl_staging_people_x_old-1" (x);
            """)
        try warehouse.load("people", Self.fields, [Self.rows])
        #expect(try db.tables() == ["_etl_staging_people_x_old-1", "people"])
        #expect(warehouse.logs.warnings == [
            "warn: table \"people\": dropping the stale staging table \"_etl_staging_people_old-1\"",
        ])
    }

    @Test("replace creates the table when it does not exist, and works with zero rows")
    func replaceIntoNothing() throws {
        let warehouse = try TestWarehouse()
        try warehouse.load("empty", Self.fields, [])
        try warehouse.load("empty", Self.fields, [[]])
        let db = try warehouse.database()
        #expect(try db.tables() == ["empty"])
        #expect(try db.scalar("SELECT count(*) FROM empty") == .integer(0))
    }
}

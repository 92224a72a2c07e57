import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

@Suite("PostgreSQL warehouse: replace")
struct ReplaceTests {
    static let fields = [ArrowField("id", .int64), ArrowField("name", .utf8), ArrowField("amount", .float64)]
    static let rows: [[Cell]] = [
        [.int(1), .text("Ada"), .real(10.5)],
        [.int(2), .text("Grace"), .null],
        [.int(3), .null, .real(-1)],
    ]

    @Test("replacing twice with the same rows gives the same tables")
    func replaceTwice() throws {
        let warehouse = try TestWarehouse("replace2")
        try warehouse.load("people", Self.fields, [Array(Self.rows[0...1]), Array(Self.rows[2...])], runID: "a")
        let first = try warehouse.dump()
        try warehouse.load("people", Self.fields, [Self.rows], runID: "b")
        #expect(try warehouse.dump() == first)
        #expect(try warehouse.rows("SELECT * FROM \(warehouse.qualified("people")) ORDER BY id") == [
            ["1", "Ada", "10.5"], ["2", "Grace", nil], ["3", nil, "-1"],
        ])
        #expect(try warehouse.tables() == ["people"])
    }

    @Test("replace swaps in a new schema and keeps the old table's indexes, constraints, triggers, grants and comment")
    func replaceKeepsDependents() throws {
        let warehouse = try TestWarehouse("dependents")
        try warehouse.load("people", Self.fields, [Self.rows])
        let people = warehouse.qualified("people")
        let audit = warehouse.qualified("audit")
        let function = warehouse.qualified("record_insert")
        try warehouse.db.execute("""
            CREATE INDEX people_name ON \(people) (name);
            CREATE INDEX people_amount ON \(people) (amount);
            ALTER TABLE \(people) ADD CONSTRAINT people_pk PRIMARY KEY (id);
            CREATE TABLE \(audit) (n bigint);
            CREATE FUNCTION \(function)() RETURNS trigger LANGUAGE plpgsql AS $$
              BEGIN INSERT INTO \(audit) VALUES (NEW.id); RETURN NEW; END $$;
            CREATE TRIGGER people_insert AFTER INSERT ON \(people) FOR EACH ROW EXECUTE FUNCTION \(function)();
            GRANT SELECT ON \(people) TO PUBLIC;
            COMMENT ON TABLE \(people) IS 'the people';
            """)
        // The new load drops "amount" and adds "city".
        let fields = [ArrowField("id", .int64), ArrowField("name", .utf8), ArrowField("city", .utf8)]
        try warehouse.load("people", fields, [[[.int(7), .text("Linus"), .text("Helsinki")], [.int(8), .null, .null]]])
        #expect(try warehouse.columns("people") == ["id bigint", "name text", "city text"])
        #expect(try warehouse.rows("SELECT indexname FROM pg_indexes WHERE schemaname = '\(warehouse.schema)' "
            + "AND tablename = 'people' ORDER BY 1") == [["people_name"], ["people_pk"]])
        #expect(warehouse.logs.warnings == [
            "warn: table \"people\": not recreating index \"people_amount\": the new table has no column \"amount\"",
        ])
        #expect(try warehouse.rows("SELECT has_table_privilege('public', '\(people)', 'SELECT')::text, "
            + "obj_description('\(people)'::regclass, 'pg_class')") == [["true", "the people"]])
        try warehouse.db.execute("INSERT INTO \(people) (id) VALUES (9)")
        #expect(try warehouse.rows("SELECT n FROM \(audit)") == [["9"]])
        // The recreated primary key holds: the loaded rows did not break it, and it refuses a duplicate.
        let duplicate = hostError { try warehouse.load("people", fields, [[[.int(1), .null, .null], [.int(1), .null, .null]]]) }
        #expect(duplicate?.message.hasPrefix("plugin 'postgres': commit of table 'people' failed: table "
            + "\"people\": recreating constraint \"people_pk\" failed: could not create unique index \"people_pk\" "
            + "(SQLSTATE 23505; table \"people\", constraint \"people_pk\")") == true, "\(duplicate?.message ?? "")")
        #expect(try warehouse.rows("SELECT id FROM \(people) ORDER BY id") == [["7"], ["8"], ["9"]])
    }

    @Test("a replace that fails on a bad batch and rolls back leaves the previous table exactly as it was")
    func failedReplaceRollsBack() throws {
        let warehouse = try TestWarehouse("failed")
        try warehouse.load("people", Self.fields, [Self.rows], stateKey: "csv/people", stateJSON: #"{"line":3}"#)
        try warehouse.db.execute("CREATE INDEX people_name ON \(warehouse.qualified("people")) (name)")
        let before = try warehouse.dump()

        let writer = try warehouse.instance.begin(table: "people", schema: ArrowBatchSchema(Self.fields),
                                                  mode: .replace, runID: "run-2")
        try writer.write(try makeBatch(Self.fields, [[.int(9), .text("new"), .real(0)]]))
        // A batch of another shape: refused, and the load can only be rolled back.
        let wrong = try makeBatch([ArrowField("id", .int64)], [[.int(1)]])
        #expect(hostError { try writer.write(wrong) }?.message
            == "plugin 'postgres': write to table 'people' failed: write to table \"people\": the batch has 1 columns "
            + "but its schema has 3 (id, name, amount) [ETL_ERR_DATA (10)]")
        #expect(try warehouse.dump() == before)  // nothing visible while loading
        writer.rollback()
        #expect(try warehouse.dump() == before)
        #expect(try warehouse.tables() == ["_etl_state", "people"])
        #expect(try warehouse.instance.stateGet(key: "csv/people") == #"{"line":3}"#)
    }

    @Test("a writer dropped without commit rolls back, and the instance loads again")
    func droppedWriterRollsBack() throws {
        let warehouse = try TestWarehouse("dropped")
        try warehouse.load("people", Self.fields, [Self.rows])
        let before = try warehouse.dump()
        do {
            let writer = try warehouse.instance.begin(table: "people", schema: ArrowBatchSchema(Self.fields),
                                                      mode: .replace, runID: "run-2")
            try writer.write(try makeBatch(Self.fields, [[.int(9), .text("new"), .real(0)]]))
        }
        #expect(try warehouse.dump() == before)
        try warehouse.load("people", Self.fields, [[[.int(4), .text("x"), .real(4)]]])
        #expect(try warehouse.rows("SELECT id FROM \(warehouse.qualified("people"))") == [["4"]])
    }

    @Test("another connection sees the old table until the commit and the new one after it")
    func readersSeeOldThenNew() throws {
        let warehouse = try TestWarehouse("reader")
        try warehouse.load("people", Self.fields, [Self.rows])
        let reader = try PostgresInspector()
        let people = warehouse.qualified("people")
        let writer = try warehouse.instance.begin(table: "people", schema: ArrowBatchSchema(Self.fields),
                                                  mode: .replace, runID: "run-2")
        #expect(try reader.scalar("SELECT string_agg(id::text, ',' ORDER BY id) FROM \(people)") == "1,2,3")
        try writer.write(try makeBatch(Self.fields, [[.int(10), .text("a"), .null], [.int(11), .text("b"), .null]]))
        #expect(try reader.scalar("SELECT string_agg(id::text, ',' ORDER BY id) FROM \(people)") == "1,2,3")
        try writer.commit()
        #expect(try reader.scalar("SELECT string_agg(id::text, ',' ORDER BY id) FROM \(people)") == "10,11")
    }

    @Test("a reader looping in another connection during replaces sees every row of the old or of the new table, never an empty or missing one")
    func concurrentReaderNeverSeesAnEmptyTable() throws {
        let warehouse = try TestWarehouse("loop")
        let fields = [ArrowField("id", .int64), ArrowField("batch", .int64)]
        func rows(_ ids: Range<Int>, batch: Int) -> [[Cell]] { ids.map { [.int(Int64($0)), .int(Int64(batch))] } }
        try warehouse.load("t", fields, [rows(0 ..< 1000, batch: 0)])
        let table = warehouse.qualified("t")
        let reader = QueryLoop(postgresURL: try PostgresInspector.serverURL(),
                                       sql: "SELECT count(*)::text || ':' || min(batch)::text || ':' || max(batch)::text FROM \(table)")
        // The reader has seen the first table before the first replace starts.
        #expect(reader.waitForResult("1000:0:0"), "the first table was never seen")
        for round in 1 ... 8 {
            let count = round % 2 == 0 ? 1000 : 2000
            try warehouse.load("t", fields, [rows(0 ..< count / 2, batch: round), rows(count / 2 ..< count, batch: round)],
                               runID: "run-\(round)")
            // The reader sees each committed round before the next replace starts.
            #expect(reader.waitForResult("\(count):\(round):\(round)"), "round \(round) was never seen")
        }
        let seen = try reader.stop()
        let allowed = Set([0, 2, 4, 6, 8].map { "1000:\($0):\($0)" } + [1, 3, 5, 7].map { "2000:\($0):\($0)" })
        #expect(seen.count > 10, "the reader ran \(seen.count) queries")
        #expect(seen.allSatisfy { allowed.contains($0) }, "\(Set(seen).subtracting(allowed))")
        #expect(Set(seen) == allowed)
    }

    @Test("a partitioned table is not replaced by a plain one: replace is refused, append goes into its partitions")
    func partitionedTable() throws {
        let warehouse = try TestWarehouse("partitioned")
        let table = warehouse.qualified("p")
        try warehouse.db.execute("""
            CREATE SCHEMA \(PostgresInspector.quoted(warehouse.schema));
            CREATE TABLE \(table) (id bigint, name text) PARTITION BY RANGE (id);
            CREATE TABLE \(warehouse.qualified("p_low")) PARTITION OF \(table) FOR VALUES FROM (0) TO (100);
            CREATE TABLE \(warehouse.qualified("p_high")) PARTITION OF \(table) FOR VALUES FROM (100) TO (1000);
            """)
        let fields = [ArrowField("id", .int64), ArrowField("name", .utf8)]
        #expect(hostError { try warehouse.load("p", fields, [[[.int(1), .text("a")]]]) }?.message
            == "plugin 'postgres': begin replace of table 'p' failed: table \"p\": it is a partitioned table, "
            + "and replace would swap a plain table in for it; load it with append or upsert [ETL_ERR_INVALID_ARGUMENT (2)]")
        try warehouse.load("p", fields, [[[.int(1), .text("a")], [.int(500), .text("b")]]], mode: .append)
        #expect(try warehouse.rows("SELECT tableoid::regclass::text, id FROM \(table) ORDER BY id")
            == [["\(warehouse.schema).p_low", "1"], ["\(warehouse.schema).p_high", "500"]])
    }

    @Test("replace creates the table when it does not exist, and works with zero rows")
    func replaceIntoNothing() throws {
        let warehouse = try TestWarehouse("empty")
        try warehouse.load("empty", Self.fields, [])
        try warehouse.load("empty", Self.fields, [[]])
        #expect(try warehouse.tables() == ["empty"])
        #expect(try warehouse.rows("SELECT count(*) FROM \(warehouse.qualified("empty"))") == [["0"]])
    }
}

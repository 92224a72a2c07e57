import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

@Suite("PostgreSQL warehouse: replace of a table views depend on")
struct ReplaceViewTests {
    static let fields = ReplaceTests.fields
    static let rows = ReplaceTests.rows

    /// `people` loaded, `named` a view on it and `shouting` a view on `named`.
    static func warehouseWithViews(_ label: String) throws -> TestWarehouse {
        let warehouse = try TestWarehouse(label)
        try warehouse.load("people", fields, [rows])
        try warehouse.db.execute("""
            CREATE VIEW \(warehouse.qualified("named")) WITH (security_barrier = true) AS
              SELECT id, name FROM \(warehouse.qualified("people")) WHERE name IS NOT NULL;
            CREATE VIEW \(warehouse.qualified("shouting")) AS SELECT id, upper(name) AS loud FROM \(warehouse.qualified("named"));
            """)
        return warehouse
    }

    @Test("a view and a view on that view answer with the new rows after a replace, with their options, privileges and comments")
    func viewsFollowTheReplace() throws {
        let warehouse = try Self.warehouseWithViews("views")
        let named = warehouse.qualified("named")
        let shouting = warehouse.qualified("shouting")
        try warehouse.db.execute("""
            GRANT SELECT ON \(shouting) TO PUBLIC;
            COMMENT ON VIEW \(named) IS 'people with a name';
            """)
        #expect(try warehouse.rows("SELECT * FROM \(shouting) ORDER BY id") == [["1", "ADA"], ["2", "GRACE"]])
        let definitions = "SELECT c.relname, pg_get_viewdef(c.oid), array_to_string(c.reloptions, ','), "
            + "obj_description(c.oid, 'pg_class'), has_table_privilege('public', c.oid, 'SELECT')::text "
            + "FROM pg_class c WHERE c.relnamespace = '\(warehouse.schema)'::regnamespace AND c.relkind = 'v' ORDER BY 1"
        let before = try warehouse.rows(definitions)
        // The new load drops "amount" (no view reads it) and adds "city".
        let fields = [ArrowField("id", .int64), ArrowField("name", .utf8), ArrowField("city", .utf8)]
        try warehouse.load("people", fields, [[[.int(7), .text("Linus"), .text("Helsinki")], [.int(8), .null, .null],
                                              [.int(9), .text("Barbara"), .null]]], runID: "run-2")
        #expect(try warehouse.rows("SELECT * FROM \(named) ORDER BY id") == [["7", "Linus"], ["9", "Barbara"]])
        #expect(try warehouse.rows("SELECT * FROM \(shouting) ORDER BY id") == [["7", "LINUS"], ["9", "BARBARA"]])
        #expect(try warehouse.rows(definitions) == before)
        #expect(before.map { $0[2] } == ["security_barrier=true", nil])
        #expect(before.map { $0[3] } == ["people with a name", nil])
        #expect(before.map { $0[4] } == ["false", "true"])
        #expect(warehouse.logs.warnings == [])
        // The views still depend on the new table (a later replace finds them again).
        try warehouse.load("people", fields, [[[.int(1), .text("x"), .null]]], runID: "run-3")
        #expect(try warehouse.rows("SELECT * FROM \(shouting)") == [["1", "X"]])
    }

    @Test("views in another schema, with names that need quoting, are found and recreated in dependency order across schemas")
    func viewsInAnotherSchema() throws {
        let warehouse = try TestWarehouse("viewschemas")
        try warehouse.load("people", Self.fields, [Self.rows])
        let other = PostgresInspector.uniqueSchema("viewschemas_other")
        defer { warehouse.db.dropSchema(other) }
        let reports = PostgresInspector.qualified(other, "Named \"People\"")
        let top = warehouse.qualified("Top Spenders")
        try warehouse.db.execute("""
            CREATE SCHEMA \(PostgresInspector.quoted(other));
            CREATE VIEW \(reports) AS SELECT id, name, amount FROM \(warehouse.qualified("people")) WHERE name IS NOT NULL;
            CREATE VIEW \(top) AS SELECT name FROM \(reports) WHERE amount > 0;
            """)
        try warehouse.load("people", Self.fields, [[[.int(4), .text("Hedy"), .real(5)], [.int(5), .text("Joan"), .real(-2)]]],
                           runID: "run-2")
        #expect(try warehouse.rows("SELECT * FROM \(reports) ORDER BY id") == [["4", "Hedy", "5"], ["5", "Joan", "-2"]])
        #expect(try warehouse.rows("SELECT * FROM \(top)") == [["Hedy"]])
    }

    @Test("a recreated view keeps its owner, its check option and its INSTEAD OF trigger")
    func ownerCheckOptionAndTriggerKept() throws {
        let warehouse = try TestWarehouse("viewowner")
        try warehouse.load("people", Self.fields, [Self.rows])
        let role = "etl_view_owner_\(getpid())_\(UInt32.random(in: 0 ... .max))"
        let named = warehouse.qualified("named")
        let function = warehouse.qualified("insert_named")
        try warehouse.db.execute("""
            CREATE ROLE \(PostgresInspector.quoted(role)) NOLOGIN;
            GRANT USAGE ON SCHEMA \(PostgresInspector.quoted(warehouse.schema)) TO \(PostgresInspector.quoted(role));
            GRANT SELECT ON \(warehouse.qualified("people")) TO \(PostgresInspector.quoted(role));
            CREATE VIEW \(named) AS SELECT id, name FROM \(warehouse.qualified("people")) WHERE id < 100 WITH LOCAL CHECK OPTION;
            ALTER VIEW \(named) OWNER TO \(PostgresInspector.quoted(role));
            CREATE FUNCTION \(function)() RETURNS trigger LANGUAGE plpgsql AS $$
              BEGIN INSERT INTO \(warehouse.qualified("people")) (id, name) VALUES (NEW.id, 'via ' || NEW.name); RETURN NEW; END $$;
            """)
        defer { try? warehouse.db.execute("DROP OWNED BY \(PostgresInspector.quoted(role)); DROP ROLE \(PostgresInspector.quoted(role))") }
        let properties = "SELECT pg_get_userbyid(c.relowner)::text, array_to_string(c.reloptions, ','), "
            + "(SELECT string_agg(tgname, ',') FROM pg_trigger WHERE tgrelid = c.oid) FROM pg_class c WHERE c.oid = '\(named)'::regclass"
        try warehouse.db.execute("CREATE TRIGGER named_insert INSTEAD OF INSERT ON \(named) FOR EACH ROW EXECUTE FUNCTION \(function)()")
        let before = try warehouse.rows(properties)
        #expect(before == [[role, "check_option=local", "named_insert"]])
        try warehouse.load("people", Self.fields, [[[.int(4), .text("Hedy"), .real(5)]]], runID: "run-2")
        #expect(try warehouse.rows(properties) == before)
        try warehouse.db.execute("INSERT INTO \(named) VALUES (5, 'Joan')")
        #expect(try warehouse.rows("SELECT * FROM \(named) ORDER BY id") == [["4", "Hedy"], ["5", "via Joan"]])
    }

    @Test("a view the new column types no longer fit fails the replace with the server's reason and the view's name; nothing changes")
    func viewBrokenByATypeChange() throws {
        let warehouse = try TestWarehouse("viewtype")
        try warehouse.load("people", Self.fields, [Self.rows])
        try warehouse.db.execute("CREATE VIEW \(warehouse.qualified("ada")) AS "
            + "SELECT id FROM \(warehouse.qualified("people")) WHERE name = 'Ada'")
        let before = try warehouse.dump()
        // "name" comes back as a number.
        let fields = [ArrowField("id", .int64), ArrowField("name", .int64)]
        let failure = hostError { try warehouse.load("people", fields, [[[.int(5), .int(7)]]], runID: "run-2") }
        #expect(failure?.message.hasPrefix("plugin 'postgres': commit of table 'people' failed: table \"people\": "
            + "recreating view \"\(warehouse.schema)\".\"ada\" failed: operator does not exist: bigint = text") == true,
            "\(failure?.message ?? "")")
        #expect(try warehouse.dump() == before)
        #expect(try warehouse.rows("SELECT * FROM \(warehouse.qualified("ada"))") == [["1"]])
    }

    @Test("a view that reads a column the new rows lack fails the replace, naming the view and the column; nothing changes")
    func brokenViewFailsTheReplace() throws {
        let warehouse = try Self.warehouseWithViews("brokenview")
        try warehouse.db.execute("CREATE VIEW \(warehouse.qualified("spend")) AS "
            + "SELECT id, amount FROM \(warehouse.qualified("people"))")
        let before = try warehouse.dump()
        let views = "SELECT c.relname, pg_get_viewdef(c.oid) FROM pg_class c "
            + "WHERE c.relnamespace = '\(warehouse.schema)'::regnamespace AND c.relkind = 'v' ORDER BY 1"
        let viewsBefore = try warehouse.rows(views)
        let fields = [ArrowField("id", .int64), ArrowField("name", .utf8)]
        let failure = hostError { try warehouse.load("people", fields, [[[.int(5), .text("new")]]], runID: "run-2") }
        #expect(failure?.message == "plugin 'postgres': begin replace of table 'people' failed: table \"people\": "
            + "view \"\(warehouse.schema)\".\"spend\" uses column \"amount\", which the new rows do not have; "
            + "change or drop the view, or load the column again [ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(try warehouse.dump() == before)
        #expect(try warehouse.rows(views) == viewsBefore)
        #expect(try warehouse.rows("SELECT * FROM \(warehouse.qualified("spend")) ORDER BY id")
            == [["1", "10.5"], ["2", nil], ["3", "-1"]])
    }

    @Test("a view the new columns break, created while the replace loads, fails it at commit; nothing changes")
    func viewBrokenDuringTheLoad() throws {
        let warehouse = try Self.warehouseWithViews("lateview")
        let fields = [ArrowField("id", .int64), ArrowField("name", .utf8)]
        let writer = try warehouse.instance.begin(table: "people", schema: ArrowBatchSchema(fields), mode: .replace,
                                                  runID: "run-2")
        try writer.write(try makeBatch(fields, [[.int(5), .text("new")]]))
        try warehouse.db.execute("CREATE VIEW \(warehouse.qualified("spend")) AS "
            + "SELECT id, amount FROM \(warehouse.qualified("people"))")
        let before = try warehouse.dump()
        #expect(hostError { try writer.commit() }?.message == "plugin 'postgres': commit of table 'people' failed: "
            + "table \"people\": view \"\(warehouse.schema)\".\"spend\" uses column \"amount\", which the new rows "
            + "do not have; change or drop the view, or load the column again [ETL_ERR_INVALID_ARGUMENT (2)]")
        writer.rollback()
        #expect(try warehouse.dump() == before)
        #expect(try warehouse.rows("SELECT * FROM \(warehouse.qualified("shouting")) ORDER BY id")
            == [["1", "ADA"], ["2", "GRACE"]])
    }

    @Test("a reader looping over a view on a view during replaces sees the old or the new rows, never an error or an empty result")
    func concurrentViewReader() throws {
        let warehouse = try TestWarehouse("viewloop")
        let fields = [ArrowField("id", .int64), ArrowField("batch", .int64)]
        func rows(_ ids: Range<Int>, batch: Int) -> [[Cell]] { ids.map { [.int(Int64($0)), .int(Int64(batch))] } }
        try warehouse.load("t", fields, [rows(0 ..< 1000, batch: 0)])
        try warehouse.db.execute("""
            CREATE VIEW \(warehouse.qualified("v")) AS SELECT id, batch FROM \(warehouse.qualified("t"));
            CREATE VIEW \(warehouse.qualified("vv")) AS SELECT batch FROM \(warehouse.qualified("v"));
            """)
        let reader = QueryLoop(postgresURL: try PostgresInspector.serverURL(), sql: "SELECT count(*)::text || ':' || "
            + "min(batch)::text || ':' || max(batch)::text FROM \(warehouse.qualified("vv"))")
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

    @Test("a materialized view on the table is refused with its name before anything changes")
    func materializedViewRefused() throws {
        let warehouse = try Self.warehouseWithViews("matview")
        try warehouse.db.execute("CREATE MATERIALIZED VIEW \(warehouse.qualified("counted")) AS "
            + "SELECT count(*) AS n FROM \(warehouse.qualified("named"))")
        let before = try warehouse.dump()
        let failure = hostError { try warehouse.load("people", Self.fields, [[[.int(5), .null, .null]]], runID: "run-2") }
        #expect(failure?.message == "plugin 'postgres': begin replace of table 'people' failed: table \"people\": "
            + "materialized view \"\(warehouse.schema)\".\"counted\" depends on it, and a replace would have to "
            + "recompute it inside the swap; drop it (and create it again after the load), or load the table with "
            + "append or upsert [ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(try warehouse.dump() == before)
        #expect(try warehouse.rows("SELECT n FROM \(warehouse.qualified("counted"))") == [["2"]])
    }

    @Test("a foreign key of another table that references the table is refused with its name; append still works")
    func foreignKeyRefused() throws {
        let warehouse = try TestWarehouse("fkey")
        try warehouse.load("people", Self.fields, [Self.rows])
        let people = warehouse.qualified("people")
        try warehouse.db.execute("""
            ALTER TABLE \(people) ADD CONSTRAINT people_pk PRIMARY KEY (id);
            CREATE TABLE \(warehouse.qualified("orders")) (id bigint, person bigint
              CONSTRAINT orders_person REFERENCES \(people) (id));
            INSERT INTO \(warehouse.qualified("orders")) VALUES (1, 2);
            """)
        let before = try warehouse.dump()
        let failure = hostError { try warehouse.load("people", Self.fields, [[[.int(5), .null, .null]]], runID: "run-2") }
        #expect(failure?.message == "plugin 'postgres': begin replace of table 'people' failed: table \"people\": "
            + "foreign key \"orders_person\" of table \(warehouse.schema).orders references it, and a replace may "
            + "remove the rows it points at; drop the foreign key, or load the table with upsert "
            + "[ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(try warehouse.dump() == before)
        try warehouse.load("people", Self.fields, [[[.int(5), .null, .null]]], mode: .append, runID: "run-3")
    }
}

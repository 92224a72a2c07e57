import ETLHost
import ETLPluginKit
import ETLTestSupport
import Testing

@Suite("PostgreSQL warehouse: append and upsert widen columns that views use")
struct WideningViewTests {
    /// `t` (id bigint, v bigint) with rows 1 and 2, `doubled` a view reading
    /// `v` (with a comment and a grant) and `top` a view on `doubled`.
    static func warehouseWithViews(_ label: String) throws -> TestWarehouse {
        let warehouse = try TestWarehouse(label)
        try warehouse.load("t", [ArrowField("id", .int64), ArrowField("v", .int64)],
                           [[[.int(1), .int(10)], [.int(2), .int(20)]]])
        try warehouse.db.execute("""
            CREATE VIEW \(warehouse.qualified("doubled")) AS SELECT id, v * 2 AS twice FROM \(warehouse.qualified("t"));
            CREATE VIEW \(warehouse.qualified("top")) AS SELECT max(twice) AS best FROM \(warehouse.qualified("doubled"));
            COMMENT ON VIEW \(warehouse.qualified("doubled")) IS 'v twice';
            GRANT SELECT ON \(warehouse.qualified("top")) TO PUBLIC;
            """)
        return warehouse
    }

    static let viewFacts = "SELECT c.relname, obj_description(c.oid, 'pg_class'), "
        + "has_table_privilege('public', c.oid, 'SELECT')::text FROM pg_class c "

    @Test("an append that widens a column a view uses widens it and recreates the views, comment and grant kept")
    func appendWidensUnderViews() throws {
        let warehouse = try Self.warehouseWithViews("widenviews")
        let facts = Self.viewFacts + "WHERE c.relnamespace = '\(warehouse.schema)'::regnamespace AND c.relkind = 'v' "
            + "ORDER BY 1"
        let before = try warehouse.rows(facts)
        try warehouse.load("t", [ArrowField("id", .int64), ArrowField("v", .float64)], [[[.int(3), .real(2.5)]]],
                           mode: .append, runID: "run-2")
        #expect(try warehouse.columns("t") == ["id bigint", "v double precision"])
        #expect(try warehouse.columns("doubled") == ["id bigint", "twice double precision"])
        #expect(try warehouse.rows("SELECT id, twice FROM \(warehouse.qualified("doubled")) ORDER BY id")
            == [["1", "20"], ["2", "40"], ["3", "5"]])
        #expect(try warehouse.rows("SELECT best FROM \(warehouse.qualified("top"))") == [["40"]])
        #expect(try warehouse.rows(facts) == before)
        #expect(before == [["doubled", "v twice", "false"], ["top", nil, "true"]])
        #expect(warehouse.logs.messages.filter { $0.contains("widening") } == [
            "info: table \"t\": widening column \"v\" from bigint to double precision",
        ])
    }

    @Test("an upsert that widens a column to text under a view on a view works; the views read the new values")
    func upsertWidensUnderViewOnView() throws {
        let warehouse = try TestWarehouse("widenupsert")
        try warehouse.load("t", [ArrowField("id", .int64), ArrowField("code", .int64)],
                           [[[.int(1), .int(7)], [.int(2), .int(8)]]])
        try warehouse.db.execute("""
            CREATE VIEW \(warehouse.qualified("codes")) AS SELECT id, code FROM \(warehouse.qualified("t"));
            CREATE VIEW \(warehouse.qualified("code_list")) AS SELECT code FROM \(warehouse.qualified("codes"));
            """)
        try warehouse.load("t", [ArrowField("id", .int64), ArrowField("code", .utf8)], [[[.int(2), .text("B-8")]]],
                           mode: .upsert, keys: ["id"], runID: "run-2")
        #expect(try warehouse.columns("t") == ["id bigint", "code text"])
        #expect(try warehouse.columns("code_list") == ["code text"])
        #expect(try warehouse.rows("SELECT code FROM \(warehouse.qualified("code_list")) ORDER BY code")
            == [["7"], ["B-8"]])
    }

    @Test("a foreign key of another table to the widened table does not stop an append (only a replace refuses it)")
    func foreignKeyDoesNotStopWidening() throws {
        let warehouse = try TestWarehouse("widenfkey")
        let table = warehouse.qualified("t")
        try warehouse.load("t", [ArrowField("id", .int64), ArrowField("v", .int64)], [[[.int(1), .int(10)]]])
        try warehouse.db.execute("""
            ALTER TABLE \(table) ADD CONSTRAINT t_pk PRIMARY KEY (id);
            CREATE TABLE \(warehouse.qualified("child")) (parent bigint REFERENCES \(table) (id));
            INSERT INTO \(warehouse.qualified("child")) VALUES (1);
            CREATE VIEW \(warehouse.qualified("vs")) AS SELECT v FROM \(table);
            """)
        try warehouse.load("t", [ArrowField("id", .int64), ArrowField("v", .utf8)], [[[.int(3), .text("x")]]],
                           mode: .append, runID: "run-2")
        #expect(try warehouse.columns("t") == ["id bigint", "v text"])
        #expect(try warehouse.rows("SELECT v FROM \(warehouse.qualified("vs")) ORDER BY v") == [["10"], ["x"]])
    }

    @Test("a view the widened type no longer fits fails the load with the server's reason and the view's name; nothing changes")
    func viewBrokenByTheWidening() throws {
        let warehouse = try Self.warehouseWithViews("widenbroken")
        let before = try warehouse.dump()
        let failure = hostError {
            try warehouse.load("t", [ArrowField("id", .int64), ArrowField("v", .utf8)], [[[.int(3), .text("x")]]],
                               mode: .append, runID: "run-2")
        }
        let message = failure?.message ?? ""
        #expect(message.hasPrefix("plugin 'postgres': begin append of table 't' failed: table \"t\": recreating "
            + "view \"\(warehouse.schema)\".\"doubled\" failed: operator does not exist: text * integer"), "\(message)")
        #expect(try warehouse.dump() == before)
        #expect(try warehouse.columns("t") == ["id bigint", "v bigint"])
    }

    @Test("a materialized view on a widened table fails the load, naming it; nothing changes")
    func materializedViewRefused() throws {
        let warehouse = try Self.warehouseWithViews("widenmatview")
        try warehouse.db.execute("CREATE MATERIALIZED VIEW \(warehouse.qualified("frozen")) AS "
            + "SELECT v FROM \(warehouse.qualified("t"))")
        let before = try warehouse.dump()
        let failure = hostError {
            try warehouse.load("t", [ArrowField("id", .int64), ArrowField("v", .float64)], [[[.int(3), .real(2.5)]]],
                               mode: .append, runID: "run-2")
        }
        #expect(failure?.message == "plugin 'postgres': begin append of table 't' failed: table \"t\": "
            + "materialized view \"\(warehouse.schema)\".\"frozen\" depends on it, and widening its columns would "
            + "have to recompute it inside the load; drop it (and create it again after the load) "
            + "[ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(try warehouse.dump() == before)
    }
}

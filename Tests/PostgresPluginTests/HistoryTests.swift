import ETLHost
import ETLPluginKit
import ETLTestSupport
import Testing

/// SCD2 history (ABI 1.3, `etl_plugin.h` HISTORY) in the PostgreSQL
/// warehouse: every version, in the load's transaction, and `<table>_as_of`.
@Suite("PostgreSQL warehouse: SCD2 history (ABI 1.3)")
struct HistoryTests {
    static let fields = [ArrowField("id", .int64), ArrowField("name", .utf8)]
    static let flagged = fields + [ArrowField(DeletionMode.flagColumn, .timestampMicrosecondsUTC)]
    static let instants = (0..<6).map { "2026-12-0\($0 + 1)T09:00:00.000Z" }

    /// The history's rows, instants spelled as the contract spells them.
    private func history(_ warehouse: TestWarehouse, _ table: String = "t__history") throws -> [[String?]] {
        func instant(_ column: String) -> String {
            "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
        }
        return try warehouse.rows("SELECT id::text, name, \(instant("_etl_valid_from")), \(instant("_etl_valid_to")), "
            + "_etl_run_id, _etl_deleted::text FROM \(warehouse.qualified(table)) ORDER BY id, _etl_valid_from")
    }

    private func load(_ warehouse: TestWarehouse, _ rows: [[Cell]], fields: [ArrowField] = HistoryTests.fields,
                      mode: WriteMode = .replace, run: Int, deletions: DeletionMode = .keep, present: [[Cell]]? = nil) throws {
        let writer = try warehouse.instance.begin(table: "t", schema: ArrowBatchSchema(fields), mode: mode,
                                                  keyColumns: ["id"], runID: "run-\(run)", deletions: deletions,
                                                  historyTable: "t__history")
        try writer.write(try makeBatch(fields, rows))
        if let present { try writer.writePresentKeys(try makeBatch([ArrowField("id", .int64)], present)) }
        try writer.commit(loadInstant: Self.instants[run - 1])
    }

    private func version(_ id: Int, _ name: String?, from run: Int, to closed: Int?, deleted: Bool = false) -> [String?] {
        ["\(id)", name, Self.instants[run - 1], closed.map { Self.instants[$0 - 1] }, "run-\(run)", deleted ? "true" : "false"]
    }

    @Test("replace: insert, update, unchanged, delete and come-back give exactly these versions; _as_of reads them")
    func replaceVersions() throws {
        let warehouse = try TestWarehouse("hist_replace")
        try load(warehouse, [[.int(1), .text("a")], [.int(2), .text("b")], [.int(3), .text("c")]], run: 1)
        try load(warehouse, [[.int(1), .text("a")], [.int(2), .text("B")], [.int(4), .text("d")]], run: 2)
        try load(warehouse, [[.int(1), .text("a")], [.int(2), .text("B")], [.int(3), .text("c")], [.int(4), .text("d")]],
                 run: 3)
        #expect(try history(warehouse) == [
            version(1, "a", from: 1, to: nil),
            version(2, "b", from: 1, to: 2), version(2, "B", from: 2, to: nil),
            version(3, "c", from: 1, to: 2), version(3, "c", from: 2, to: 3, deleted: true), version(3, "c", from: 3, to: nil),
            version(4, "d", from: 2, to: nil),
        ])
        #expect(try warehouse.rows("SELECT table_name, history_table FROM \(warehouse.qualified("_etl_history_tables"))")
            == [["t", "t__history"]])
        let asOf = "FROM \(warehouse.qualified("t_as_of"))('2026-12-02T12:00:00.000Z') ORDER BY id"
        #expect(try warehouse.rows("SELECT id::text, name \(asOf)") == [["1", "a"], ["2", "B"], ["4", "d"]])
        // The contract's selection gives the same.
        #expect(try warehouse.rows("SELECT id::text, name FROM \(warehouse.qualified("t__history")) WHERE "
            + "_etl_valid_from <= '2026-12-02T12:00:00.000Z' AND (_etl_valid_to IS NULL OR "
            + "_etl_valid_to > '2026-12-02T12:00:00.000Z') AND NOT _etl_deleted ORDER BY id")
            == [["1", "a"], ["2", "B"], ["4", "d"]])
        #expect(try warehouse.columns("t__history") == [
            "id bigint", "name text", "_etl_valid_from timestamp with time zone", "_etl_valid_to timestamp with time zone",
            "_etl_run_id text", "_etl_row_hash text", "_etl_deleted boolean",
        ])
    }

    @Test("the row hash: unchanged rows add nothing; NULL, '' and 0 are three different values")
    func rowHash() throws {
        let fields = [ArrowField("id", .int64), ArrowField("name", .utf8), ArrowField("n", .int64)]
        let warehouse = try TestWarehouse("hist_hash")
        try load(warehouse, [[.int(1), .null, .null]], fields: fields, run: 1)
        try load(warehouse, [[.int(1), .null, .null]], fields: fields, run: 2)
        try load(warehouse, [[.int(1), .text(""), .null]], fields: fields, run: 3)
        try load(warehouse, [[.int(1), .text(""), .int(0)]], fields: fields, run: 4)
        try load(warehouse, [[.int(1), .null, .int(0)]], fields: fields, run: 5)
        let rows = try warehouse.rows("SELECT name, n::text, _etl_run_id, _etl_row_hash FROM "
            + "\(warehouse.qualified("t__history")) ORDER BY _etl_valid_from")
        #expect(rows.map { Array($0.prefix(3)) } == [[nil, nil, "run-1"], ["", nil, "run-3"], ["", "0", "run-4"], [nil, "0", "run-5"]])
        let hashes = rows.compactMap { $0[3] }
        #expect(Set(hashes).count == 4)
        #expect(hashes.allSatisfy { $0.count == 32 && $0.allSatisfy { "0123456789abcdef".contains($0) } }, "\(hashes)")
    }

    @Test("upsert with deletions remove: removed keys get a tombstone; untouched keys add nothing")
    func upsertRemove() throws {
        let warehouse = try TestWarehouse("hist_remove")
        try load(warehouse, [[.int(1), .text("a")], [.int(2), .text("b")], [.int(3), .text("c")]], mode: .upsert, run: 1)
        try load(warehouse, [[.int(2), .text("B")]], mode: .upsert, run: 2, deletions: .remove, present: [[.int(1)]])
        try load(warehouse, [[.int(4), .text("d")]], mode: .upsert, run: 3)
        #expect(try history(warehouse) == [
            version(1, "a", from: 1, to: nil),
            version(2, "b", from: 1, to: 2), version(2, "B", from: 2, to: nil),
            version(3, "c", from: 1, to: 2), version(3, "c", from: 2, to: nil, deleted: true),
            version(4, "d", from: 3, to: nil),
        ])
    }

    @Test("upsert with deletions flag: a flagged key is gone, an unflagged one is back")
    func upsertFlag() throws {
        let warehouse = try TestWarehouse("hist_flag")
        try load(warehouse, [[.int(1), .text("a"), .null], [.int(2), .text("b"), .null]], fields: Self.flagged,
                 mode: .upsert, run: 1)
        try load(warehouse, [[.int(1), .text("a"), .null]], fields: Self.flagged, mode: .upsert, run: 2,
                 deletions: .flag, present: [])
        try load(warehouse, [[.int(1), .text("a"), .null], [.int(2), .text("b"), .null]], fields: Self.flagged,
                 mode: .upsert, run: 3, deletions: .flag, present: [])
        #expect(try history(warehouse) == [
            version(1, "a", from: 1, to: nil),
            version(2, "b", from: 1, to: 2), version(2, "b", from: 2, to: 3, deleted: true), version(2, "b", from: 3, to: nil),
        ])
        #expect(try !warehouse.columns("t__history").contains { $0.hasPrefix("_etl_deleted_at") })
    }

    @Test("a rolled-back load and a commit without load_instant leave table and history unchanged")
    func rollbackLeavesHistory() throws {
        let warehouse = try TestWarehouse("hist_rollback")
        try load(warehouse, [[.int(1), .text("a")]], run: 1)
        let before = try history(warehouse)
        let rolledBack = try warehouse.instance.begin(table: "t", schema: ArrowBatchSchema(Self.fields), mode: .replace,
                                                      keyColumns: ["id"], runID: "run-2", historyTable: "t__history")
        try rolledBack.write(try makeBatch(Self.fields, [[.int(1), .text("changed")]]))
        rolledBack.rollback()
        let failing = try warehouse.instance.begin(table: "t", schema: ArrowBatchSchema(Self.fields), mode: .upsert,
                                                   keyColumns: ["id"], runID: "run-2", historyTable: "t__history")
        try failing.write(try makeBatch(Self.fields, [[.int(1), .text("changed")]]))
        #expect { try failing.commit() } throws: { error in
            "\(error)".contains("table \"t\": the load keeps history in \"t__history\" but commit has no load_instant")
        }
        failing.rollback()
        #expect(try history(warehouse) == before)
        #expect(try warehouse.rows("SELECT id::text, name FROM \(warehouse.qualified("t"))") == [["1", "a"]])
    }

    @Test("a new column is added to the history and to t_as_of, and every record gets a new version")
    func newColumn() throws {
        let warehouse = try TestWarehouse("hist_column")
        try load(warehouse, [[.int(1), .text("a")], [.int(2), .text("b")]], run: 1)
        let wider = Self.fields + [ArrowField("city", .utf8)]
        try load(warehouse, [[.int(1), .text("a"), .null], [.int(2), .text("b"), .text("x")]], fields: wider, run: 2)
        #expect(try warehouse.rows("SELECT id::text, city, _etl_valid_to IS NULL FROM \(warehouse.qualified("t__history")) "
            + "ORDER BY id, _etl_valid_from") == [["1", nil, "f"], ["1", nil, "t"], ["2", nil, "f"], ["2", "x", "t"]])
        #expect(try warehouse.rows("SELECT id::text, name, city FROM \(warehouse.qualified("t_as_of"))(now()) ORDER BY id")
            == [["1", "a", nil], ["2", "b", "x"]])
    }

    @Test("a key that is not unique fails the commit with a clear error, and nothing is created")
    func duplicateKey() throws {
        let warehouse = try TestWarehouse("hist_dup")
        let writer = try warehouse.instance.begin(table: "t", schema: ArrowBatchSchema(Self.fields), mode: .replace,
                                                  keyColumns: ["id"], runID: "run-1", historyTable: "t__history")
        try writer.write(try makeBatch(Self.fields, [[.int(1), .text("a")], [.int(1), .text("b")]]))
        #expect { try writer.commit(loadInstant: Self.instants[0]) } throws: { error in
            "\(error)".contains("table \"t\": the key (id) is not unique; history versions records by key")
        }
        writer.rollback()
        #expect(try warehouse.tables().filter { $0 == "t" || $0 == "t__history" } == [])
    }

    @Test("a retyped column follows in the history; a view over t_as_of keeps the old function, with a warning")
    func retypedColumnAndDependentView() throws {
        let warehouse = try TestWarehouse("hist_retype")
        let numbers = [ArrowField("id", .int64), ArrowField("v", .int64)]
        try load(warehouse, [[.int(1), .int(7)]], fields: numbers, run: 1)
        try warehouse.db.execute("CREATE VIEW \(warehouse.qualified("pinned")) AS SELECT * FROM "
            + "\(warehouse.qualified("t_as_of"))(now())")
        let texts = [ArrowField("id", .int64), ArrowField("v", .utf8)]
        try load(warehouse, [[.int(1), .text("7")], [.int(2), .text("x")]], fields: texts, run: 2)
        #expect(try warehouse.columns("t__history").prefix(2) == ["id bigint", "v text"])
        #expect(try warehouse.rows("SELECT id::text, v, _etl_run_id FROM \(warehouse.qualified("t__history")) "
            + "ORDER BY id, _etl_valid_from") == [["1", "7", "run-1"], ["2", "x", "run-2"]])  // 7 reads the same as text
        #expect(warehouse.logs.messages.contains { $0.hasPrefix("warn: history \"t__history\" of table \"t\": t_as_of(ts) "
            + "keeps its old columns: other objects depend on it") }, "\(warehouse.logs.messages)")
        // Without the view the next load brings the function up to date.
        try warehouse.db.execute("DROP VIEW \(warehouse.qualified("pinned"))")
        try load(warehouse, [[.int(1), .text("7")], [.int(2), .text("x")]], fields: texts, run: 3)
        #expect(try warehouse.rows("SELECT id::text, v FROM \(warehouse.qualified("t_as_of"))(now()) ORDER BY id")
            == [["1", "7"], ["2", "x"]])
    }

    @Test("lineage columns (_etl_run_id, _etl_loaded_at in the table) reach neither the history's columns nor its hash")
    func lineageColumnsStayOut() throws {
        let warehouse = try TestWarehouse("hist_lineage")
        let fields = Self.fields + [ArrowField("_etl_run_id", .utf8), ArrowField("_etl_loaded_at", .timestampMicrosecondsUTC)]
        try load(warehouse, [[.int(1), .text("a"), .text("lineage-1"), .timestamp(1_000_000)]], fields: fields, run: 1)
        try load(warehouse, [[.int(1), .text("a"), .text("lineage-2"), .timestamp(2_000_000)]], fields: fields, run: 2)
        #expect(try warehouse.rows("SELECT id::text, name, _etl_run_id FROM \(warehouse.qualified("t__history"))")
            == [["1", "a", "run-1"]])
        #expect(try warehouse.columns("t__history").map { String($0.split(separator: " ")[0]) } == [
            "id", "name", "_etl_valid_from", "_etl_valid_to", "_etl_run_id", "_etl_row_hash", "_etl_deleted",
        ])
        #expect(try warehouse.rows("SELECT id::text FROM \(warehouse.qualified("t_as_of"))(now())") == [["1"]])
    }
}

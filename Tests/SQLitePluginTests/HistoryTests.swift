import ETLHost
import ETLPluginKit
import ETLTestSupport
import Testing

/// SCD2 history (ABI 1.3, `etl_plugin.h` HISTORY) in the SQLite warehouse:
/// every version, in the load's transaction.
@Suite("SQLite warehouse: SCD2 history (ABI 1.3)")
struct HistoryTests {
    static let fields = [ArrowField("id", .int64), ArrowField("name", .utf8)]
    static let flagged = fields + [ArrowField(DeletionMode.flagColumn, .timestampMicrosecondsUTC)]
    static let instants = (0..<6).map { "2026-12-0\($0 + 1)T09:00:00.000Z" }
    /// The history's columns, in order, as the tests read them.
    static let select = "SELECT id, name, _etl_valid_from, _etl_valid_to, _etl_run_id, _etl_deleted FROM t__history "
        + "ORDER BY id, _etl_valid_from"

    /// One load of `rows` into `t` with history in `t__history`, at `instant`.
    private func load(_ warehouse: TestWarehouse, _ rows: [[Cell]], fields: [ArrowField] = HistoryTests.fields,
                      mode: WriteMode = .replace, run: Int, deletions: DeletionMode = .keep, present: [[Cell]]? = nil,
                      history: String = "t__history") throws {
        let writer = try warehouse.instance.begin(table: "t", schema: ArrowBatchSchema(fields), mode: mode,
                                                  keyColumns: ["id"], runID: "run-\(run)", deletions: deletions,
                                                  historyTable: history)
        try writer.write(try makeBatch(fields, rows))
        if let present { try writer.writePresentKeys(try makeBatch([ArrowField("id", .int64)], present)) }
        try writer.commit(loadInstant: Self.instants[run - 1])
    }

    private func version(_ id: Int64, _ name: String?, from run: Int, to closed: Int?, deleted: Bool = false) -> [Stored] {
        [.integer(id), name.map(Stored.text) ?? .null, .text(Self.instants[run - 1]),
         closed.map { .text(Self.instants[$0 - 1]) } ?? .null, .text("run-\(run)"), .integer(deleted ? 1 : 0)]
    }

    @Test("replace: insert, update, unchanged, delete and come-back give exactly these versions")
    func replaceVersions() throws {
        let warehouse = try TestWarehouse()
        try load(warehouse, [[.int(1), .text("a")], [.int(2), .text("b")], [.int(3), .text("c")]], run: 1)
        // 1 unchanged, 2 updated, 3 gone, 4 new.
        try load(warehouse, [[.int(1), .text("a")], [.int(2), .text("B")], [.int(4), .text("d")]], run: 2)
        // 3 comes back; nothing else changes.
        try load(warehouse, [[.int(1), .text("a")], [.int(2), .text("B")], [.int(3), .text("c")], [.int(4), .text("d")]],
                 run: 3)
        let db = try warehouse.database()
        #expect(try db.rows(Self.select) == [
            version(1, "a", from: 1, to: nil),
            version(2, "b", from: 1, to: 2), version(2, "B", from: 2, to: nil),
            version(3, "c", from: 1, to: 2), version(3, "c", from: 2, to: 3, deleted: true), version(3, "c", from: 3, to: nil),
            version(4, "d", from: 2, to: nil),
        ])
        #expect(try db.rows("SELECT table_name, history_table FROM _etl_history_tables") == [[.text("t"), .text("t__history")]])
        // The contract's as-of selection between loads 2 and 3: 3 is gone.
        #expect(try db.rows("SELECT id, name FROM t__history WHERE _etl_valid_from <= '2026-12-02T12:00:00.000Z' AND "
            + "(_etl_valid_to IS NULL OR _etl_valid_to > '2026-12-02T12:00:00.000Z') AND NOT _etl_deleted ORDER BY id") == [
            [.integer(1), .text("a")], [.integer(2), .text("B")], [.integer(4), .text("d")],
        ])
        // No temporary table outlives the commit.
        #expect(try db.rows("SELECT name FROM sqlite_temp_master") == [])
    }

    @Test("the row hash: unchanged rows add nothing; NULL, '' and 0 are three different values")
    func rowHash() throws {
        let fields = [ArrowField("id", .int64), ArrowField("name", .utf8), ArrowField("n", .int64)]
        let warehouse = try TestWarehouse()
        try load(warehouse, [[.int(1), .null, .null]], fields: fields, run: 1)
        try load(warehouse, [[.int(1), .null, .null]], fields: fields, run: 2)
        try load(warehouse, [[.int(1), .text(""), .null]], fields: fields, run: 3)
        try load(warehouse, [[.int(1), .text(""), .int(0)]], fields: fields, run: 4)
        try load(warehouse, [[.int(1), .null, .int(0)]], fields: fields, run: 5)
        let rows = try warehouse.database().rows("SELECT name, n, _etl_run_id, _etl_row_hash FROM t__history "
            + "ORDER BY _etl_valid_from")
        #expect(rows.map { Array($0.prefix(3)) } == [
            [.null, .null, .text("run-1")], [.text(""), .null, .text("run-3")], [.text(""), .integer(0), .text("run-4")],
            [.null, .integer(0), .text("run-5")],
        ])
        let hashes = rows.compactMap { row -> String? in if case .text(let text) = row[3] { text } else { nil } }
        #expect(Set(hashes).count == 4)
        #expect(hashes.allSatisfy { $0.count == 32 && $0.allSatisfy { "0123456789abcdef".contains($0) } }, "\(hashes)")
    }

    @Test("upsert with deletions remove: removed keys get a tombstone; untouched keys add nothing")
    func upsertRemove() throws {
        let warehouse = try TestWarehouse()
        try load(warehouse, [[.int(1), .text("a")], [.int(2), .text("b")], [.int(3), .text("c")]], mode: .upsert, run: 1)
        // 2 updated; 1 listed, unchanged; 3 gone.
        try load(warehouse, [[.int(2), .text("B")]], mode: .upsert, run: 2, deletions: .remove, present: [[.int(1)]])
        // An upsert without deletions never adds a tombstone: 3 stays gone, 4 is new.
        try load(warehouse, [[.int(4), .text("d")]], mode: .upsert, run: 3)
        #expect(try warehouse.database().rows(Self.select) == [
            version(1, "a", from: 1, to: nil),
            version(2, "b", from: 1, to: 2), version(2, "B", from: 2, to: nil),
            version(3, "c", from: 1, to: 2), version(3, "c", from: 2, to: nil, deleted: true),
            version(4, "d", from: 3, to: nil),
        ])
    }

    @Test("upsert with deletions flag: a flagged key is gone, an unflagged one is back")
    func upsertFlag() throws {
        let warehouse = try TestWarehouse()
        try load(warehouse, [[.int(1), .text("a"), .null], [.int(2), .text("b"), .null]], fields: Self.flagged,
                 mode: .upsert, run: 1)
        try load(warehouse, [[.int(1), .text("a"), .null]], fields: Self.flagged, mode: .upsert, run: 2,
                 deletions: .flag, present: [])
        try load(warehouse, [[.int(1), .text("a"), .null], [.int(2), .text("b"), .null]], fields: Self.flagged,
                 mode: .upsert, run: 3, deletions: .flag, present: [])
        let db = try warehouse.database()
        #expect(try db.rows(Self.select) == [
            version(1, "a", from: 1, to: nil),
            version(2, "b", from: 1, to: 2), version(2, "b", from: 2, to: 3, deleted: true), version(2, "b", from: 3, to: nil),
        ])
        // _etl_deleted_at is the table's bookkeeping, not a history column.
        #expect(try db.rows("SELECT count(*) FROM pragma_table_info('t__history') WHERE name = '_etl_deleted_at'")
            == [[.integer(0)]])
    }

    @Test("a rolled-back load and a commit without load_instant leave table and history unchanged")
    func rollbackLeavesHistory() throws {
        let warehouse = try TestWarehouse()
        try load(warehouse, [[.int(1), .text("a")]], run: 1)
        let before = try warehouse.database().rows(Self.select)
        let rolledBack = try warehouse.instance.begin(table: "t", schema: ArrowBatchSchema(Self.fields), mode: .replace,
                                                      keyColumns: ["id"], runID: "run-2", historyTable: "t__history")
        try rolledBack.write(try makeBatch(Self.fields, [[.int(1), .text("changed")]]))
        rolledBack.rollback()
        let failing = try warehouse.instance.begin(table: "t", schema: ArrowBatchSchema(Self.fields), mode: .replace,
                                                   keyColumns: ["id"], runID: "run-2", historyTable: "t__history")
        try failing.write(try makeBatch(Self.fields, [[.int(1), .text("changed")]]))
        #expect { try failing.commit() } throws: { error in
            "\(error)".contains("table \"t\": the load keeps history in \"t__history\" but commit has no load_instant")
        }
        failing.rollback()
        let db = try warehouse.database()
        #expect(try db.rows(Self.select) == before)
        #expect(try db.rows("SELECT id, name FROM t") == [[.integer(1), .text("a")]])
    }

    @Test("a new column is added to the history, and every record gets a new version")
    func newColumn() throws {
        let warehouse = try TestWarehouse()
        try load(warehouse, [[.int(1), .text("a")], [.int(2), .text("b")]], run: 1)
        let wider = Self.fields + [ArrowField("city", .utf8)]
        try load(warehouse, [[.int(1), .text("a"), .null], [.int(2), .text("b"), .text("x")]], fields: wider, run: 2)
        #expect(try warehouse.database().rows("SELECT id, city, _etl_valid_from, _etl_valid_to FROM t__history "
            + "ORDER BY id, _etl_valid_from") == [
            [.integer(1), .null, .text(Self.instants[0]), .text(Self.instants[1])],
            [.integer(1), .null, .text(Self.instants[1]), .null],
            [.integer(2), .null, .text(Self.instants[0]), .text(Self.instants[1])],
            [.integer(2), .text("x"), .text(Self.instants[1]), .null],
        ])
    }

    @Test("a key that is not unique fails the commit with a clear error, and nothing changes")
    func duplicateKey() throws {
        let warehouse = try TestWarehouse()
        let writer = try warehouse.instance.begin(table: "t", schema: ArrowBatchSchema(Self.fields), mode: .replace,
                                                  keyColumns: ["id"], runID: "run-1", historyTable: "t__history")
        try writer.write(try makeBatch(Self.fields, [[.int(1), .text("a")], [.int(1), .text("b")]]))
        #expect { try writer.commit(loadInstant: Self.instants[0]) } throws: { error in
            "\(error)".contains("table \"t\": the key (id) is not unique; history versions records by key")
        }
        writer.rollback()
        #expect(try warehouse.database().rows("SELECT name FROM sqlite_master WHERE name IN ('t', 't__history')") == [])
    }

    @Test("history without keys, or in append mode, is refused at begin")
    func refusedAtBegin() throws {
        let warehouse = try TestWarehouse()
        #expect { try warehouse.instance.begin(table: "t", schema: ArrowBatchSchema(Self.fields), mode: .append,
                                               keyColumns: ["id"], runID: "r", historyTable: "h") } throws: { error in
            "\(error)".contains("a history table (\"h\") needs key columns and the replace or upsert mode, not append")
        }
        #expect { try warehouse.instance.begin(table: "t", schema: ArrowBatchSchema(Self.fields), mode: .replace,
                                               runID: "r", historyTable: "h") } throws: { error in
            "\(error)".contains("needs key columns and the replace or upsert mode, not replace without keys")
        }
    }

    @Test("a column whose declared type changes is rebuilt in the history with the table's type")
    func retypedColumn() throws {
        let warehouse = try TestWarehouse()
        let numbers = [ArrowField("id", .int64), ArrowField("v", .int64)]
        try load(warehouse, [[.int(1), .int(7)]], fields: numbers, run: 1)
        let texts = [ArrowField("id", .int64), ArrowField("v", .utf8)]
        try load(warehouse, [[.int(1), .text("7")], [.int(2), .text("12")]], fields: texts, run: 2)
        let db = try warehouse.database()
        #expect(try db.rows("SELECT type FROM pragma_table_info('t__history') WHERE name = 'v'") == [[.text("TEXT")]])
        // Stored as text, as in the table (an INTEGER column would have turned '12' into 12).
        #expect(try db.rows("SELECT id, v, _etl_run_id FROM t__history ORDER BY id, _etl_valid_from") == [
            [.integer(1), .text("7"), .text("run-1")], [.integer(1), .text("7"), .text("run-2")],
            [.integer(2), .text("12"), .text("run-2")],
        ])
        // The index of open versions survived the rebuild.
        #expect(try db.rows("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 't__history'")
            == [[.integer(1)]])
    }

    @Test("lineage columns (_etl_run_id, _etl_loaded_at in the table) reach neither the history's columns nor its hash")
    func lineageColumnsStayOut() throws {
        let warehouse = try TestWarehouse()
        let fields = Self.fields + [ArrowField("_etl_run_id", .utf8), ArrowField("_etl_loaded_at", .timestampMicrosecondsUTC)]
        try load(warehouse, [[.int(1), .text("a"), .text("lineage-1"), .timestamp(1_000_000)]], fields: fields, run: 1)
        try load(warehouse, [[.int(1), .text("a"), .text("lineage-2"), .timestamp(2_000_000)]], fields: fields, run: 2)
        let db = try warehouse.database()
        #expect(try db.rows("SELECT id, name, _etl_run_id FROM t__history") == [[.integer(1), .text("a"), .text("run-1")]])
        #expect(try db.rows("SELECT name FROM pragma_table_info('t__history') ORDER BY cid") == [
            "id", "name", "_etl_valid_from", "_etl_valid_to", "_etl_run_id", "_etl_row_hash", "_etl_deleted",
        ].map { [.text($0)] })
    }
}

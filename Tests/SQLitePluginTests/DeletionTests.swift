import ETLHost
import ETLPluginKit
import ETLTestSupport
import Testing

@Suite("SQLite warehouse: upsert with deletions (ABI 1.1)")
struct DeletionTests {
    static let fields = [ArrowField("id", .int64), ArrowField("name", .utf8)]
    static let flagged = fields + [ArrowField(DeletionMode.flagColumn, .timestampMicrosecondsUTC)]
    static let keyFields = [ArrowField("id", .int64)]

    /// Loads rows 1...4, then upserts `changed` with `present` as the key
    /// listing under `mode`.
    private func reload(_ warehouse: TestWarehouse, fields: [ArrowField], changed: [[Cell]], present: [[Cell]]?,
                        mode: DeletionMode) throws {
        let writer = try warehouse.instance.begin(table: "t", schema: ArrowBatchSchema(fields), mode: .upsert,
                                                  keyColumns: ["id"], runID: "run-2", deletions: mode)
        try writer.write(try makeBatch(fields, changed))
        if let present { try writer.writePresentKeys(try makeBatch(Self.keyFields, present)) }
        try writer.commit()
    }

    private func seed(_ warehouse: TestWarehouse, fields: [ArrowField]) throws {
        let rows: [[Cell]] = (1...4).map { id in
            [.int(Int64(id)), .text("n\(id)")] + (fields.count == 3 ? [.null] : [])
        }
        try warehouse.load("t", fields, [rows], mode: .upsert, keys: ["id"])
    }

    @Test("remove deletes exactly the rows neither listed nor written, in the load's transaction")
    func remove() throws {
        let warehouse = try TestWarehouse()
        try seed(warehouse, fields: Self.fields)
        // 2 changed, 5 new, 1 listed unchanged; 3 and 4 are gone.
        try reload(warehouse, fields: Self.fields, changed: [[.int(2), .text("two")], [.int(5), .text("n5")]],
                   present: [[.int(1)], [.int(2)]], mode: .remove)
        #expect(try warehouse.database().rows("SELECT id, name FROM t ORDER BY id") == [
            [.integer(1), .text("n1")], [.integer(2), .text("two")], [.integer(5), .text("n5")],
        ])
        #expect(warehouse.logs.messages.contains("info: table \"t\": removed 2 rows no longer at the source"))
        #expect(try warehouse.database().rows("SELECT name FROM sqlite_temp_master") == [])
    }

    @Test("an empty key listing after a full read keeps exactly the rows written")
    func emptyListing() throws {
        let warehouse = try TestWarehouse()
        try seed(warehouse, fields: Self.fields)
        try reload(warehouse, fields: Self.fields, changed: [[.int(4), .text("four")]], present: [], mode: .remove)
        #expect(try warehouse.database().rows("SELECT id, name FROM t ORDER BY id") == [[.integer(4), .text("four")]])
    }

    @Test("flag sets _etl_deleted_at on missing rows, keeps their data, and clears it when they come back")
    func flag() throws {
        let warehouse = try TestWarehouse()
        try seed(warehouse, fields: Self.flagged)
        try reload(warehouse, fields: Self.flagged, changed: [[.int(1), .text("one"), .null]],
                   present: [[.int(1)], [.int(2)]], mode: .flag)
        let db = try warehouse.database()
        let rows = try db.rows("SELECT id, name, _etl_deleted_at IS NOT NULL FROM t ORDER BY id")
        #expect(rows == [
            [.integer(1), .text("one"), .integer(0)], [.integer(2), .text("n2"), .integer(0)],
            [.integer(3), .text("n3"), .integer(1)], [.integer(4), .text("n4"), .integer(1)],
        ])
        let stamp = try db.rows("SELECT DISTINCT _etl_deleted_at FROM t WHERE id IN (3, 4)")
        guard case .text(let text)? = stamp.first?.first else {
            Issue.record("no flag time: \(stamp)")
            return
        }
        #expect(text.utf8.count == 27 && text.hasSuffix("Z") && text.contains("T"), "\(text)")
        // 3 is listed again (restored at the source) without a change: unflagged.
        try reload(warehouse, fields: Self.flagged, changed: [], present: [[.int(1)], [.int(2)], [.int(3)]],
                   mode: .flag)
        #expect(try db.rows("SELECT id, _etl_deleted_at IS NOT NULL FROM t ORDER BY id") == [
            [.integer(1), .integer(0)], [.integer(2), .integer(0)], [.integer(3), .integer(0)], [.integer(4), .integer(1)],
        ])
        // The flag time of 4 did not move.
        #expect(try db.rows("SELECT _etl_deleted_at FROM t WHERE id = 4") == [[.text(text)]])
    }

    @Test("deletions without any key listing fail at commit and delete nothing")
    func missingListing() throws {
        let warehouse = try TestWarehouse()
        try seed(warehouse, fields: Self.fields)
        #expect {
            try reload(warehouse, fields: Self.fields, changed: [[.int(1), .text("x")]], present: nil, mode: .remove)
        } throws: { error in
            "\(error)".contains("deletions (remove) were requested but no present keys were given "
                + "(write_present_keys was never called); nothing was deleted")
        }
        #expect(try warehouse.database().rows("SELECT count(*), min(name) FROM t") == [[.integer(4), .text("n1")]])
    }

    @Test("deletions outside upsert, or flag without the column, are refused at begin")
    func refusedRequests() throws {
        let warehouse = try TestWarehouse()
        #expect {
            try warehouse.instance.begin(table: "t", schema: ArrowBatchSchema(Self.fields), mode: .append,
                                         runID: "r", deletions: .remove)
        } throws: { error in
            "\(error)".contains("begin: table \"t\": deletions (remove) need the upsert mode, not append")
        }
        #expect {
            try warehouse.instance.begin(table: "t", schema: ArrowBatchSchema(Self.fields), mode: .upsert,
                                         keyColumns: ["id"], runID: "r", deletions: .flag)
        } throws: { error in
            "\(error)".contains("begin: table \"t\": deletions (flag) need a \"_etl_deleted_at\" timestamp column in the schema")
        }
    }

    @Test("a rolled-back load with deletions removes nothing")
    func rollback() throws {
        let warehouse = try TestWarehouse()
        try seed(warehouse, fields: Self.fields)
        let writer = try warehouse.instance.begin(table: "t", schema: ArrowBatchSchema(Self.fields), mode: .upsert,
                                                  keyColumns: ["id"], runID: "run-2", deletions: .remove)
        try writer.writePresentKeys(try makeBatch(Self.keyFields, [[.int(1)]]))
        writer.rollback()
        #expect(try warehouse.database().rows("SELECT count(*) FROM t") == [[.integer(4)]])
        // The instance is usable again and the temporary table is gone.
        try reload(warehouse, fields: Self.fields, changed: [], present: [[.int(1)]], mode: .remove)
        #expect(try warehouse.database().rows("SELECT id FROM t") == [[.integer(1)]])
    }
}

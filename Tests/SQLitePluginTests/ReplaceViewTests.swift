import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

@Suite("SQLite warehouse: replace of a table views depend on")
struct ReplaceViewTests {
    static let fields = ReplaceTests.fields
    static let rows = ReplaceTests.rows

    /// `people` loaded, `named` a view on it, `shouting` a view on `named`,
    /// and a trigger on another table that writes into `people`.
    static func warehouseWithViews() throws -> TestWarehouse {
        let warehouse = try TestWarehouse()
        try warehouse.load("people", fields, [rows])
        try warehouse.database().execute("""
            CREATE VIEW named AS SELECT id, name FROM people WHERE name IS NOT NULL;
            CREATE VIEW shouting AS SELECT id, upper(name) AS loud FROM named;
            CREATE TABLE signups (id INTEGER);
            CREATE TRIGGER signup AFTER INSERT ON signups BEGIN INSERT INTO people (id, name) VALUES (new.id, 'new'); END;
            """)
        return warehouse
    }

    @Test("a view, a view on that view and a trigger naming the table work on the new rows after a replace")
    func viewsFollowTheReplace() throws {
        let warehouse = try Self.warehouseWithViews()
        let db = try warehouse.database()
        let schemaBefore = try db.rows("SELECT type, name, sql FROM sqlite_master WHERE type IN ('view', 'trigger') ORDER BY name")
        #expect(try db.rows("SELECT * FROM shouting ORDER BY id") == [[.integer(1), .text("ADA")], [.integer(2), .text("GRACE")]])
        // The new load drops "amount" (no view reads it) and adds "city".
        let fields = [ArrowField("id", .int64), ArrowField("name", .utf8), ArrowField("city", .utf8)]
        try warehouse.load("people", fields, [[[.int(7), .text("Linus"), .text("Helsinki")], [.int(8), .null, .null],
                                              [.int(9), .text("Barbara"), .null]]], runID: "run-2")
        #expect(try db.rows("SELECT * FROM named ORDER BY id") == [[.integer(7), .text("Linus")], [.integer(9), .text("Barbara")]])
        #expect(try db.rows("SELECT * FROM shouting ORDER BY id") == [[.integer(7), .text("LINUS")], [.integer(9), .text("BARBARA")]])
        #expect(try db.rows("SELECT type, name, sql FROM sqlite_master WHERE type IN ('view', 'trigger') ORDER BY name")
            == schemaBefore)
        try db.execute("INSERT INTO signups VALUES (10)")
        #expect(try db.rows("SELECT id, name, city FROM people WHERE id = 10") == [[.integer(10), .text("new"), .null]])
        #expect(warehouse.logs.warnings == [])
    }

    @Test("a view that reads a column the new rows lack fails the replace, naming the view and the column; nothing changes")
    func brokenViewFailsTheReplace() throws {
        let warehouse = try Self.warehouseWithViews()
        let db = try warehouse.database()
        // A view that was already broken is not the load's concern.
        try db.execute("""
            CREATE VIEW spend AS SELECT id, amount FROM people;
            CREATE TABLE gone (x INTEGER); CREATE VIEW stale AS SELECT x FROM gone; DROP TABLE gone;
            """)
        let before = try db.dump()
        let fields = [ArrowField("id", .int64), ArrowField("name", .utf8)]
        let failure = hostError { try warehouse.load("people", fields, [[[.int(5), .text("new")]]], runID: "run-2") }
        #expect(failure?.message == "plugin 'sqlite': commit of table 'people' failed: table \"people\": view \"spend\" "
            + "no longer works on the new table (no such column: amount); change or drop the view, or load the missing "
            + "column again [ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(try db.dump() == before)
        #expect(try db.rows("SELECT * FROM spend ORDER BY id") == [[.integer(1), .real(10.5)], [.integer(2), .null],
                                                                   [.integer(3), .real(-1)]])
        // Without the view that reads "amount", the same load goes through (the stale view does not stop it).
        try db.execute("DROP VIEW spend")
        try warehouse.load("people", fields, [[[.int(5), .text("new")]]], runID: "run-3")
        #expect(try db.rows("SELECT * FROM shouting") == [[.integer(5), .text("NEW")]])
    }

    @Test("a reader looping over a view on a view during replaces sees the old or the new rows, never an error or an empty result")
    func concurrentViewReader() throws {
        let warehouse = try TestWarehouse()
        let fields = [ArrowField("id", .int64), ArrowField("batch", .int64)]
        func rows(_ ids: Range<Int>, batch: Int) -> [[Cell]] { ids.map { [.int(Int64($0)), .int(Int64(batch))] } }
        try warehouse.load("t", fields, [rows(0 ..< 1000, batch: 0)])
        try warehouse.database().execute("""
            CREATE VIEW v AS SELECT id, batch FROM t;
            CREATE VIEW vv AS SELECT batch FROM v;
            """)
        let path = warehouse.path
        let reader = QueryLoop {
            let db = try TestDatabase(path)
            return {
                let stored = try db.scalar("SELECT count(*) || ':' || min(batch) || ':' || max(batch) FROM vv")
                return if case .text(let text) = stored { text } else { stored?.description ?? "NULL" }
            }
        }
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
}

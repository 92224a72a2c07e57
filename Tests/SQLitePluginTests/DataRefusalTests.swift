import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

/// Values SQLite refuses are bad data (`ETL_ERR_DATA`, host `.badData`,
/// exit code 65), named by table, column and row; the table is unchanged.
@Suite("SQLite warehouse: refused values are bad data")
struct DataRefusalTests {
    static let fields = [ArrowField("id", .int64), ArrowField("name", .utf8)]

    @Test("a primary key the table already holds, appended again, is bad data naming table, column and row")
    func duplicatePrimaryKeyInAppend() throws {
        let warehouse = try TestWarehouse()
        let db = try warehouse.database()
        try db.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO people VALUES (7, 'Ada')")
        let before = try db.dump()
        let writer = try warehouse.instance.begin(table: "people", schema: ArrowBatchSchema(Self.fields), mode: .append,
                                                  runID: "r")
        let failure = hostError {
            try writer.write(try makeBatch(Self.fields, [[.int(1), .text("Grace")], [.int(7), .text("Alan")]]))
        }
        #expect(failure == HostError(.badData, "plugin 'sqlite': write to table 'people' failed: table "
            + "\"people\": INSERT of row 2 failed: UNIQUE constraint failed: people.id (SQLITE_CONSTRAINT_PRIMARYKEY) "
            + "[ETL_ERR_DATA (10)]", pluginStatus: 10, plugin: "sqlite", table: "people"))
        #expect(failure?.exitStatus == .badData)
        writer.rollback()
        #expect(try db.dump() == before)
    }

    @Test("a duplicate key within one append, against the table's unique index, is bad data too")
    func duplicateKeyWithinTheLoad() throws {
        let warehouse = try TestWarehouse()
        try warehouse.load("people", Self.fields, [[[.int(1), .text("Ada")]]], mode: .upsert, keys: ["id"])
        let before = try warehouse.database().dump()
        let writer = try warehouse.instance.begin(table: "people", schema: ArrowBatchSchema(Self.fields), mode: .append,
                                                  runID: "r")
        let failure = hostError { try writer.write(try makeBatch(Self.fields, [[.int(2), .text("x")], [.int(2), .text("y")]])) }
        #expect(failure?.kind == .badData, "\(failure?.message ?? "")")
        #expect(failure?.message.contains("table \"people\": INSERT of row 2 failed: UNIQUE constraint failed: "
            + "people.id (SQLITE_CONSTRAINT_UNIQUE)") == true, "\(failure?.message ?? "")")
        writer.rollback()
        #expect(try warehouse.database().dump() == before)
    }
}

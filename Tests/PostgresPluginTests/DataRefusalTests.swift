import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

/// Values PostgreSQL refuses (SQLSTATE classes 22 and 23) are bad data:
/// `ETL_ERR_DATA`, host `.badData`, exit code 65; never retried; the
/// message names table, column and row where the server says them.
@Suite("PostgreSQL warehouse: refused values are bad data")
struct DataRefusalTests {
    static let fields = [ArrowField("id", .int64), ArrowField("name", .utf8)]

    /// Loads `rows` and returns the failure of the write or the commit
    /// (the server may refuse COPY data at either), after rolling back.
    func failedLoad(_ warehouse: TestWarehouse, _ table: String, _ fields: [ArrowField], _ rows: [[Cell]],
                    mode: WriteMode) throws -> HostError? {
        let writer = try warehouse.instance.begin(table: table, schema: ArrowBatchSchema(fields), mode: mode, runID: "r")
        defer { writer.rollback() }
        return hostError {
            try writer.write(try makeBatch(fields, rows))
            try writer.commit()
        }
    }

    @Test("a text with a NUL byte is bad data naming table, column and row; the table is unchanged")
    func nulInText() throws {
        let warehouse = try TestWarehouse("nul")
        try warehouse.load("people", Self.fields, [[[.int(1), .text("Ada")]]])
        let before = try warehouse.dump()
        let failure = try failedLoad(warehouse, "people", Self.fields,
                                     [[.int(2), .text("Grace")], [.int(3), .text("Al\u{0}an")]], mode: .append)
        #expect(failure?.message == "plugin 'postgres': commit of table 'people' failed: table \"people\": "
            + "loading the rows (COPY) failed: invalid byte sequence for encoding \"UTF8\": 0x00 (SQLSTATE 22021; "
            + "column \"name\", row 2 of the load) [ETL_ERR_DATA (10)]")
        #expect(failure?.kind == .badData)
        #expect(failure?.exitStatus == .badData)
        #expect(failure?.pluginStatus == 10 && failure?.retryable == false)
        #expect(failure?.sqlstate == "22021")  // the error detail survives the bad-data mapping
        #expect(try warehouse.dump() == before)
    }

    @Test("a number out of an existing column's range (column and row found), and a duplicate primary key, are bad data")
    func numberOutOfRange() throws {
        let warehouse = try TestWarehouse("range")
        try warehouse.db.execute("CREATE SCHEMA \(PostgresInspector.quoted(warehouse.schema)); CREATE TABLE "
            + "\(warehouse.qualified("people")) (id integer PRIMARY KEY, name text); INSERT INTO "
            + "\(warehouse.qualified("people")) VALUES (1, 'Ada')")
        let before = try warehouse.dump()
        let failure = try failedLoad(warehouse, "people", Self.fields,
                                     [[.int(2), .text("Grace")], [.int(3_000_000_000), .text("Alan")]], mode: .append)
        #expect(failure?.message == "plugin 'postgres': commit of table 'people' failed: table \"people\": "
            + "merging the loaded rows (INSERT ... SELECT) failed: integer out of range (SQLSTATE 22003; column \"id\", "
            + "row 2 of the load) [ETL_ERR_DATA (10)]")
        #expect(failure?.kind == .badData)
        #expect(try warehouse.dump() == before)

        let duplicate = try failedLoad(warehouse, "people", Self.fields, [[.int(1), .text("Ada again")]], mode: .append)
        #expect(duplicate?.message == "plugin 'postgres': commit of table 'people' failed: table \"people\": "
            + "merging the loaded rows (INSERT ... SELECT) failed: duplicate key value violates unique constraint "
            + "\"people_pkey\" (SQLSTATE 23505; table \"people\", constraint \"people_pkey\") [ETL_ERR_DATA (10)]")
        #expect(duplicate?.kind == .badData)
        #expect(try warehouse.dump() == before)
    }

    @Test("a text too long for a varchar column is found in a large load: column and row, in append and upsert")
    func textTooLongAmongManyRows() throws {
        let warehouse = try TestWarehouse("toolong")
        let fields = [ArrowField("id", .int64), ArrowField("code", .utf8)]
        try warehouse.db.execute("CREATE SCHEMA \(PostgresInspector.quoted(warehouse.schema)); CREATE TABLE "
            + "\(warehouse.qualified("codes")) (id bigint PRIMARY KEY, code varchar(3))")
        let before = try warehouse.dump()
        let rows: [[Cell]] = (1...5000).map { [.int(Int64($0)), .text($0 == 4321 ? "long" : "abc")] }
        for mode in [WriteMode.append, .upsert] {
            let writer = try warehouse.instance.begin(table: "codes", schema: ArrowBatchSchema(fields), mode: mode,
                                                      keyColumns: mode == .upsert ? ["id"] : [], runID: "r")
            try writer.write(try makeBatch(fields, Array(rows[..<2500])))
            try writer.write(try makeBatch(fields, Array(rows[2500...])))
            let failure = hostError { try writer.commit() }
            writer.rollback()
            #expect(failure?.message == "plugin 'postgres': commit of table 'codes' failed: table \"codes\": "
                + "merging the loaded rows (INSERT ... SELECT) failed: value too long for type character varying(3) "
                + "(SQLSTATE 22001; column \"code\", row 4321 of the load) [ETL_ERR_DATA (10)]", "\(mode)")
            #expect(failure?.kind == .badData)
            #expect(try warehouse.dump() == before)
        }
    }
}

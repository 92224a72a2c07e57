import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// The jsonl plugin's two shapes load the same table: members (the
/// default: each top-level member in a column of its own, odd records
/// whole) and lines (every line whole, flattened by the host). Same
/// columns in the same order, same types, same source names, every value
/// the same, in SQLite and PostgreSQL; a replay of a member snapshot too.
@Suite struct JSONLShapeEquivalenceTests {
    /// 70,000 records that take every path: mixed kinds per key (`1` and
    /// `"1"`, `true` and `"true"`), a big integer, doubles, escaped strings,
    /// a key that is always null, nested JSON, a key that is text, then a
    /// number, then an array (json), a repeated key in record 101
    /// (the sample's keys stop there), a key first seen right after it, a
    /// record in another key order, and a key first seen after the first
    /// batch (record 69,001).
    static let records: String = {
        var lines: [String] = []
        lines.reserveCapacity(70_000)
        for i in 1...70_000 {
            switch i {
            case 101: lines.append(#"{"i": 101, "i": 1, "k": 2}"#)
            case 102: lines.append(#"{"i": 102, "after_stop": true}"#)
            case 103: lines.append(#"{"o": {"x": []}, "i": 103, "nul": null, "k": "3"}"#)
            case 69_001: lines.append(#"{"i": 69001, "late": 1.5}"#)
            default:
                let k = i % 2 == 0 ? "1" : #""1""#
                let b = i % 3 == 0 ? #""true""# : "true"
                let n = i == 5 ? "12345678901234567890" : "\(i)"
                // t: text, then a number (counted without being read), then an array makes it json.
                let t = [2: #", "t": "a""#, 300: #", "t": 1"#, 400: #", "t": [1]"#, 401: #", "t": null"#][i] ?? ""
                lines.append(#"{"i": \#(i), "k": \#(k), "b": \#(b), "n": \#(n), "d": \#(Double(i) / 4), "e": "q\"\u00e9 \#(i)", "nul": null, "o": {"x": [\#(i)]}\#(t)}"#)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    /// Every column of `table` quoted by SQLite (`quote()` tells 1 from '1'), in rowid order.
    private func contents(_ db: SQLiteInspector, _ table: String) throws -> (columns: [String], rows: [[String?]]) {
        let columns = try db.columns(table)
        let names = try db.rows("SELECT name FROM pragma_table_info('\(table)') ORDER BY cid").map { $0[0]! }
        let select = names.map { "quote(\"\($0)\")" }.joined(separator: ", ")
        return (columns, try db.rows("SELECT \(select) FROM \"\(table)\" ORDER BY rowid"))
    }

    private func sources(_ db: SQLiteInspector, _ table: String) throws -> [String] {
        let json = try #require(try db.scalar("SELECT schema_json FROM _etl_schemas WHERE table_name = '\(table)'"))
        return try TableSchema.decode(json).columns.map(\.source)
    }

    @Test func bothShapesLoadTheSameSQLiteTableAndAMemberSnapshotReplaysToIt() throws {
        let sandbox = try HostSandbox("jsonl-shapes")
        try Data(Self.records.utf8).write(to: URL(fileURLWithPath: sandbox.root + "/events.jsonl"))
        let members = try sandbox.etlHost("sync", "jsonl", "sqlite", "-s", "path=events.jsonl", "-d", "path=members.db", "--quiet")
        #expect(members.status == 0, "\(members.stderr)")
        let lines = try sandbox.etlHost("sync", "jsonl", "sqlite", "-s", "path=events.jsonl", "-s", "shape=lines", "-d", "path=lines.db", "--quiet")
        #expect(lines.status == 0, "\(lines.stderr)")
        let runs = try sandbox.etlHost("runs", "--json")
        let ids = (try JSONSerialization.jsonObject(with: Data(runs.stdout.utf8)) as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }.sorted()
        #expect(ids.count == 2)
        let replay = try sandbox.etlHost("replay", try #require(ids.first), "sqlite", "-d", "path=replayed.db", "--quiet")
        #expect(replay.status == 0, "\(replay.stderr)")

        let expected = try contents(SQLiteInspector(path: sandbox.root + "/lines.db"), "events")
        #expect(expected.columns == ["i INTEGER", "k TEXT", "b TEXT", "n DECIMAL_TEXT(38,9)", "d REAL", "e TEXT", "nul TEXT", "o JSON_TEXT",
                                     "t JSON_TEXT", "i_2 INTEGER", "after_stop BOOLEAN", "late REAL"])
        #expect(expected.rows.count == 70_000)
        #expect(expected.rows[0] == ["1", "'1'", "'true'", "'1'", "0.25", "'q\"é 1'", "NULL", "'{\"x\": [1]}'", "NULL", "NULL", "NULL", "NULL"])
        #expect(expected.rows[100] == ["101", "'2'", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "1", "NULL", "NULL"])
        #expect([1, 299, 399].map { expected.rows[$0][8] } == ["'\"a\"'", "'1'", "'[1]'"])
        for database in ["members.db", "replayed.db"] {
            let db = try SQLiteInspector(path: sandbox.root + "/" + database)
            let loaded = try contents(db, "events")
            #expect(loaded.columns == expected.columns, "\(database)")
            #expect(loaded.rows == expected.rows, "\(database)")
            #expect(try sources(db, "events") == ["i", "k", "b", "n", "d", "e", "nul", "o", "t", "i#2", "after_stop", "late"], "\(database)")
        }
    }

    @Test func bothShapesLoadTheSamePostgresTable() throws {
        let members = try SyncPostgresTests.Target("shape-members")
        let lines = try SyncPostgresTests.Target("shape-lines")
        for (target, shape) in [(members, "members"), (lines, "lines")] {
            try target.write(Self.records, to: "events.jsonl")
            let result = try target.sync("jsonl", "-s", "path=events.jsonl", "-s", "shape=\(shape)", "--quiet")
            #expect(result.status == 0, "\(shape): \(result.stderr)")
        }
        #expect(try members.db.columns("events", schema: members.schema) == lines.db.columns("events", schema: lines.schema))
        #expect(try lines.db.columns("events", schema: lines.schema) == [
            "i bigint", "k text", "b text", "n numeric", "d double precision", "e text", "nul text", "o jsonb", "t jsonb",
            "i_2 bigint", "after_stop boolean", "late double precision",
        ])
        func dump(_ target: SyncPostgresTests.Target) throws -> [[String?]] {
            try target.rows("SELECT t::text FROM \(target.qualified("events")) AS t ORDER BY i, i_2")
        }
        let expected = try dump(lines)
        #expect(expected.count == 70_000)
        #expect(try dump(members) == expected)
    }
}

import ETLTestSupport
import Foundation
import Testing

/// `ETL_CELL_SPOOL_RAW_MIB` (a benchmarking knob) stores a stream's first
/// cell-spool blocks raw and the later ones LZ4-compressed: a JSON Lines
/// sync loads exactly what it loads with every block compressed.
@Suite struct SyncCellSpoolRawBlocksTests {
    @Test("a JSON Lines sync of two batches, the first block raw and the second compressed, loads the same rows as with both compressed")
    func rawThenCompressedLoadsTheSameRows() throws {
        let sandbox = try HostSandbox("cells-raw")
        // 70,000 rows: two batches of the JSON Lines plugin (65,536 + 4,464).
        var lines: [String] = []
        lines.reserveCapacity(70_000)
        for id in 0 ..< 70_000 {
            let note = id % 4 == 0 ? "" : #","note":"note \#(id)""#
            lines.append(#"{"id":\#(id),"name":"n \#(id)","amount":\#(id / 2).5,"paid":\#(id % 3 == 0),"day":"2024-01-\#(10 + id % 9)","tags":["t\#(id % 5)"]\#(note)}"#)
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: sandbox.root + "/events.jsonl"))

        var tables: [[[String?]]] = []
        for (budget, database) in [("1", "raw.db"), ("0", "lz4.db")] {
            let result = try sandbox.etlHost("sync", "jsonl", "sqlite", "-s", "path=events.jsonl", "-d", "path=\(database)", "--quiet",
                                             environment: ["ETL_CELL_SPOOL_RAW_MIB": budget])
            #expect(result.status == 0, "\(result.stderr)")
            let db = try SQLiteInspector(path: sandbox.root + "/" + database)
            tables.append(try db.rows("SELECT id, name, amount, paid, day, tags, note FROM events ORDER BY id"))
        }
        #expect(tables[0].count == 70_000)
        #expect(tables[0] == tables[1])
        #expect(tables[0][65_537] == ["65537", "n 65537", "32768.5", "0", "2024-01-18", #"["t2"]"#, "note 65537"])
        #expect(tables[0][65_536] == ["65536", "n 65536", "32768.5", "0", "2024-01-17", #"["t1"]"#, nil])
    }
}

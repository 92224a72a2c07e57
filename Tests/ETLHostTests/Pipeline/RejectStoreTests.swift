@testable import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

/// ``RejectStore`` appends a stream's set-aside records to `_etl_rejects`
/// of a real SQLite warehouse: text with invalid UTF-8 replaced, the bytes
/// exactly as read, the reason, and the time from the run's clock.
@Suite struct RejectStoreTests {
    private func warehouse(_ folder: String) throws -> PluginInstance {
        let plugin = try PluginLoader().load(libraryAt: TestSupport.productsDirectory + "/libetl_sqlite.so")
        return try PluginInstance(plugin: plugin, configJSON: #"{"path": "\#(folder)/w.db"}"#)
    }

    @Test func rejectsAreAppendedWithTheirBytesReasonAndTime() throws {
        let folder = try TestSupport.temporaryDirectory("rejects")
        let destination = try warehouse(folder)
        defer { destination.close() }
        let clock = FakeClock(Date(timeIntervalSince1970: 1_796_000_000))
        let store = RejectStore(runID: "run-1", clock: clock)
        try store.store([
            PluginContext.Reject(stream: "orders", location: "orders.csv line 3", reason: "3 fields, expected 2", raw: Array("a,b,c".utf8)),
            PluginContext.Reject(stream: "orders", location: "orders.csv line 9", reason: "invalid UTF-8", raw: [0x61, 0xFF, 0x62]),
        ], table: "orders", destination: destination)
        clock.advance(60)
        try RejectStore(runID: "run-2", clock: clock).store([
            PluginContext.Reject(stream: "orders", location: "orders.csv line 1", reason: "empty key", raw: []),
        ], table: "orders", destination: destination)

        let rows = try SQLiteInspector(path: folder + "/w.db").rows(
            "SELECT run_id, stream, table_name, location, reason, raw, hex(raw_bytes), rejected_at FROM _etl_rejects ORDER BY rowid")
        #expect(rows == [
            ["run-1", "orders", "orders", "orders.csv line 3", "3 fields, expected 2", "a,b,c", "612C622C63", "2026-11-30T00:53:20.000Z"],
            ["run-1", "orders", "orders", "orders.csv line 9", "invalid UTF-8", "a\u{FFFD}b", "61FF62", "2026-11-30T00:53:20.000Z"],
            ["run-2", "orders", "orders", "orders.csv line 1", "empty key", "", "", "2026-11-30T00:54:20.000Z"],
        ])
    }
}

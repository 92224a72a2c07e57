@testable import ETLHost
import ETLPluginKit
import Foundation
import Testing

/// ``HistoryOptions``: history table names from a template, the checks made
/// before anything is read, and the settings a replay takes from a record.
@Suite struct HistoryOptionsTests {
    private func warehouse(_ capabilities: [Capability]) -> PluginDescriptor {
        PluginDescriptor(name: "wh", kind: .warehouse, version: "1.0.0", description: "", language: "c", toolchain: nil,
                         abi: "1.3", negotiatedABI: "1.3", capabilities: capabilities.map(\.rawValue), configSchema: "{}",
                         optionalOperations: [])
    }

    private func record(_ streams: [(table: String, history: String?)]) -> RunRecord {
        var record = RunRecord(id: "r", pipeline: "p", extractor: "csv", warehouse: "sqlite", mode: .replace, status: .succeeded,
                               startedAt: "2026-12-06T09:00:00.000Z", streams: [], retries: [], pid: 1, sourceConfig: [:],
                               destinationConfig: [:], incremental: false, deletions: .keep, primaryKey: nil, snapshot: true,
                               replayOf: nil)
        record.streams = streams.map { table, history in
            var report = StreamReport(stream: table, table: table, status: .succeeded, rowsRead: 1, rowsWritten: 1, rowsRejected: 0,
                                      newColumns: [], widenedColumns: [], seconds: 1, error: nil, committed: true)
            report.historyTable = history
            return report
        }
        return record
    }

    @Test func templatesNameEachTablesHistory() {
        #expect(HistoryOptions(mode: .scd2).tableName(for: "orders") == "orders__history")
        #expect(HistoryOptions(mode: .scd2, tableTemplate: "hist_{table}").tableName(for: "orders") == "hist_orders")
        #expect(HistoryOptions(mode: .scd2, tableTemplate: "orders_versions").tableName(for: "orders") == "orders_versions")
        #expect(!HistoryOptions().isEnabled)
    }

    @Test func checksNameTheOptionAndThePlugin() throws {
        let history = HistoryOptions(mode: .scd2)
        #expect(throws: HostError(.invalidArgument, "warehouse 'wh' cannot keep history (no history capability); drop --history")) {
            try history.check(mode: .replace, warehouse: warehouse([.replace]))
        }
        #expect(throws: HostError(.invalidArgument, "--history needs --mode replace or upsert: append adds rows without a key to version them by")) {
            try history.check(mode: .append, warehouse: warehouse([.append, .history]))
        }
        try history.check(mode: .upsert, warehouse: warehouse([.upsert, .history]))
        try HistoryOptions().check(mode: .append, warehouse: warehouse([.append]))
        let streams = [CatalogStream(name: "a", primaryKey: ["id"]), CatalogStream(name: "b")]
        #expect(throws: HostError(.invalidArgument, "--history needs a key to version records by, and stream 'b' has none; give --primary-key COLUMN[,COLUMN]")) {
            try history.historyTables(streams: streams, tables: ["a", "b"], primaryKey: nil)
        }
        #expect(try history.historyTables(streams: streams, tables: ["a", "b"], primaryKey: ["id"]) == ["a__history", "b__history"])
        #expect(try HistoryOptions().historyTables(streams: streams, tables: ["a", "b"], primaryKey: nil) == [nil, nil])
    }

    @Test func aReplayTakesTheRecordedNames() {
        #expect(HistoryOptions.recorded(in: record([("a", nil)])) == HistoryOptions())
        #expect(HistoryOptions.recorded(in: record([("a", "a__history"), ("b", "b__history")]))
            == HistoryOptions(mode: .scd2))
        #expect(HistoryOptions.recorded(in: record([("a", "h_a"), ("b", "h_b")]))
            == HistoryOptions(mode: .scd2, tableTemplate: "h_{table}"))
        #expect(HistoryOptions.recorded(in: record([("orders", "versions")]))
            == HistoryOptions(mode: .scd2, tableTemplate: "versions"))
    }
}

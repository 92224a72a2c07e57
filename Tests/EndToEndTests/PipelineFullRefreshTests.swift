import ETLTestSupport
import Foundation
import Testing

/// `etl-host run --full-refresh STEP.STREAM` against the Airtable test
/// server: that stream alone is reloaded in replace mode (its incremental
/// state replaced); the step's other streams load incrementally as written.
@Suite struct PipelineFullRefreshTests {
    static let base = "appFullRefresh01"

    static func id(_ table: String, _ n: Int) -> String { "rec" + String((table + "00000000").prefix(8)) + String(format: "%06d", n) }

    nonisolated(unsafe) static let fixture: [String: Any] = ["bases": [["id": base, "tables": ["A", "B"].map { table in [
        "name": table,
        "fields": [["name": "Name", "type": "singleLineText"], ["name": "N", "type": "number", "options": ["precision": 0]]],
        "records": (1...3).map { ["id": id(table, $0), "fields": ["Name": "\(table)\($0)", "N": $0]] },
    ] as [String: Any] }]]]

    @Test func fullRefreshOfOneStreamReloadsOnlyThatStream() throws {
        let server = try AirtableServer(fixture: Self.fixture)
        let sandbox = try PipelineRunSandbox("run-full-refresh", yaml: """
            name: crm
            connections:
              crm: {plugin: airtable, base: \(Self.base), api_url: "\(server.url)", incremental_lookback_seconds: 0}
              dwh: {plugin: sqlite, path: dwh.db}
            steps:
              raw_crm: {sync: {from: crm, to: dwh, mode: upsert, incremental: true}}
            """)
        let environment = ["AIRTABLE_TOKEN": AirtableServer.defaultToken]
        let first = try sandbox.run(environment: environment)
        #expect(first.status == 0, "\(first.stderr)")
        try server.advanceClock(by: 1)
        // Both tables lose record 2 and change record 1.
        for table in ["A", "B"] {
            _ = try server.deleteRecords(base: Self.base, table: table, ids: [Self.id(table, 2)])
            try server.updateRecords(base: Self.base, table: table, [["id": Self.id(table, 1), "fields": ["Name": "\(table)1 changed"]]])
        }
        try server.advanceClock(by: 1)
        try server.clearLog()

        let refreshed = try sandbox.run("--full-refresh", "raw_crm.A", environment: environment)
        #expect(refreshed.status == 0, "\(refreshed.stderr)")
        // A was read in full and replaced: record 2 is gone. B was read incrementally (one change) and upserted: record 2 stays.
        #expect(try sandbox.rows("SELECT n, name FROM a ORDER BY n") == [["1", "A1 changed"], ["3", "A3"]])
        #expect(try sandbox.rows("SELECT n, name FROM b ORDER BY n") == [["1", "B1 changed"], ["2", "B2"], ["3", "B3"]])
        let lists = try server.log().filter { $0.endpoint == "list" }
        // A first (its full read), then B.
        #expect(lists.map { $0.records ?? -1 } == [2, 1])

        let record = try #require(try sandbox.pipelineRuns().last)
        #expect(record["full_refresh"] as? [String] == ["raw_crm.A"])
        let syncIDs = try #require((record["steps"] as? [[String: Any]])?.first?["sync_runs"] as? [String])
        #expect(syncIDs.count == 2)
        let syncs = try sandbox.syncRuns().filter { syncIDs.contains($0["id"] as? String ?? "") }
        #expect(syncs.map { "\($0["mode"] as? String ?? "")/\($0["incremental"] as? Bool ?? false)" } == ["replace/false", "upsert/true"])
        #expect(syncs.map { ($0["streams"] as? [[String: Any]])?.map { $0["stream"] as? String ?? "" } ?? [] } == [["A"], ["B"]])

        // The next plain run reads A incrementally from the state the full refresh committed: nothing changed.
        try server.advanceClock(by: 1)
        try server.clearLog()
        #expect(try sandbox.run(environment: environment).status == 0)
        #expect(try server.log().filter { $0.endpoint == "list" }.map { $0.records ?? -1 } == [0, 0])

        let unknown = try sandbox.run("--full-refresh", "raw_crm.C", environment: environment)
        #expect(unknown.status == 64)
        #expect(unknown.stderr == "etl-host: error: step 'raw_crm' failed: --full-refresh: the step has no stream 'C'; its streams: A, B\n")
    }
}

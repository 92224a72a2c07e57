import ETLTestSupport
import Foundation
import Testing

/// `etl-host diff` matches rows by the key the source declares (Airtable's
/// record id) when the runs had no `--primary-key`.
@Suite struct DiffSourceKeyTests {
    @Test func replaceRunsOfAirtableAreComparedByTheRecordID() throws {
        let pipeline = try RunHistoryTests.Pipeline("diff-source-key")
        let server = try AirtableServer(fixture: HistoryFixture.serverFixture)
        let environment = ["AIRTABLE_TOKEN": AirtableServer.defaultToken]
        for run in 1...2 {
            if run > 1 { try HistoryFixture.mutate(server, before: run) }
            let sync = try pipeline.etlHost(["sync", "airtable", "sqlite", "-s", "base=\(HistoryFixture.base)", "-s", "api_url=\(server.url)",
                                             "--pipeline", "people", "--quiet"], environment: environment)
            #expect(sync.status == 0, "run \(run): \(sync.stderr)")
        }
        let ids = try pipeline.runs().map { $0["id"] as! String }
        try #require(ids.count == 2)
        let diff = try pipeline.etlHost("diff", ids[0], ids[1], "--json")
        #expect(diff.status == 0, "\(diff.stderr)")
        // Run 2 renamed record 2 and added record 5.
        #expect(diff.stdout == #"[{"added":["\#(HistoryFixture.id(5))"],"changed":["\#(HistoryFixture.id(2))"],"key":["id"],"#
            + #""removed":[],"table":"people"}]"# + "\n")
    }
}

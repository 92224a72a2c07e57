import ETLTestSupport
import Foundation
import Testing

/// `etl-host runs --pipeline/--status/--since`, `runs show last`, and
/// replays marked as replays.
@Suite struct RunsFilterTests {
    /// Ids of the listed runs, from `runs --json` with `filters`.
    static func ids(_ sandbox: CLISandbox, _ filters: [String]) throws -> [String] {
        let result = try sandbox.etlHost(["runs", "--json"] + filters)
        #expect(result.status == 0, "\(result.stderr)")
        let records = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] ?? []
        return records.compactMap { $0["id"] as? String }
    }

    @Test func filtersSelectByPipelineStatusAndStartAndEveryOneMustMatch() throws {
        let sandbox = try CLISandbox("runs-filters")
        try sandbox.write("id\n1\n", to: "a.csv")
        try sandbox.write("id\n1\n1,2\n", to: "bad.csv")
        #expect(try sandbox.etlHost(["sync", "csv", "sqlite", "-s", "path=a.csv", "--pipeline", "shop", "--quiet"]).status == 0)
        #expect(try sandbox.etlHost(["sync", "csv", "sqlite", "-s", "path=bad.csv", "--pipeline", "shop", "--quiet"]).status == 65)
        #expect(try sandbox.etlHost(["sync", "csv", "sqlite", "-s", "path=a.csv", "--pipeline", "crm", "--quiet"]).status == 0)
        let all = try Self.ids(sandbox, [])
        #expect(all.count == 3)

        #expect(try Self.ids(sandbox, ["--pipeline", "shop"]) == [all[0], all[1]])
        #expect(try Self.ids(sandbox, ["--status", "failed"]) == [all[1]])
        #expect(try Self.ids(sandbox, ["--pipeline", "shop", "--status", "succeeded"]) == [all[0]])
        #expect(try Self.ids(sandbox, ["--pipeline", "sho"]) == [])
        #expect(try Self.ids(sandbox, ["--since", "1h"]) == all)
        #expect(try Self.ids(sandbox, ["--since", "2999-01-01"]) == [])
        #expect(try Self.ids(sandbox, ["--since", "2000-01-01T00:00:00Z", "--status", "succeeded"]) == [all[0], all[2]])

        let text = try sandbox.etlHost(["runs", "--status", "cancelled"])
        #expect(text.status == 0)
        #expect(text.stdout == "No runs match these filters in \(sandbox.state)/runs.\n")
        let bad = try sandbox.etlHost(["runs", "--status", "done"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--status must be one of: running, succeeded, failed, cancelled, interrupted (not 'done')"), "\(bad.stderr)")
        let badSince = try sandbox.etlHost(["runs", "--since", "yesterday"])
        #expect(badSince.status == 64)
        #expect(badSince.stderr.hasPrefix("etl-host: error: --since: 'yesterday' is not a time or a run id"), "\(badSince.stderr)")
    }

    @Test func showLastIsTheNewestRunAndAReplayIsMarkedAsOne() throws {
        let sandbox = try CLISandbox("runs-last")
        let none = try sandbox.etlHost(["runs", "show", "last"])
        #expect(none.status == 64)
        #expect(none.stderr == "etl-host: error: no runs yet in \(sandbox.state)/runs, so no last one\n")
        try sandbox.write("id\n1\n", to: "a.csv")
        #expect(try sandbox.etlHost(["sync", "csv", "sqlite", "-s", "path=a.csv", "--quiet"]).status == 0)
        let first = try Self.ids(sandbox, [])[0]
        let replay = try sandbox.etlHost(["replay", first])
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(replay.stdout.hasSuffix("\nloaded into sqlite://\(sandbox.root)/warehouse.db table a (1 row)\n"), "\(replay.stdout)")
        let ids = try Self.ids(sandbox, [])
        #expect(ids.count == 2)
        let last = try sandbox.etlHost(["runs", "show", "last"])
        #expect(last.status == 0, "\(last.stderr)")
        #expect(last.stdout.hasPrefix("Run \(ids[1]) (replay of \(first))\n"), "\(last.stdout)")
        let list = try sandbox.etlHost(["runs"])
        let rows = list.stdout.split(separator: "\n").map(String.init)
        #expect(rows[1].hasPrefix(first) && rows[1].contains("  replace  "), "\(list.stdout)")
        #expect(rows[2].hasPrefix(ids[1]) && rows[2].contains("  replace, replay  "), "\(list.stdout)")
    }
}

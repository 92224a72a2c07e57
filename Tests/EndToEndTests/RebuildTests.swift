import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// `etl-host rebuild --as-of`: the tables as they were after each run,
/// rebuilt from snapshots alone, through the built binary.
@Suite struct RebuildTests {
    typealias Pipeline = RunHistoryTests.Pipeline

    static let versions = [
        "id,name,price\n1,apple,1.5\n2,pear,2\n3,fig,3\n",
        "id,name,price\n2,pear green,2.25\n4,kiwi,0.5\n",
        "id,name,price\n1,apple red,1.75\n",
    ]

    /// Three runs (replace, then two upserts), with the table after each.
    private func threeRuns(_ pipeline: Pipeline, snapshotOfSecond: Bool = true) throws -> (ids: [String], states: [[[String?]]]) {
        var states: [[[String?]]] = []
        for (index, version) in Self.versions.enumerated() {
            try pipeline.write(version, to: "orders.csv")
            var arguments = ["sync", "csv", "sqlite", "-s", "path=orders.csv", "--pipeline", "shop", "--quiet"]
            if index > 0 { arguments += ["--mode", "upsert", "--primary-key", "id"] }
            if index == 1, !snapshotOfSecond { arguments.append("--no-snapshot") }
            let sync = try TestSupport.run(TestSupport.hostExecutable, arguments,
                                           environment: pipeline.sandbox.environment.merging(["ETL_STATE_DIR": pipeline.state]) { $1 },
                                           currentDirectory: pipeline.sandbox.root)
            #expect(sync.status == 0, "\(sync.stderr)")
            states.append(try SQLiteInspector(path: pipeline.sandbox.root + "/warehouse.db").rows("SELECT * FROM orders ORDER BY id"))
        }
        return (try pipeline.runs().map { $0["id"] as! String }, states)
    }

    @Test func eachMomentIsRebuiltExactlyWithoutTheSource() throws {
        let pipeline = try Pipeline("rebuild-as-of")
        let (ids, states) = try threeRuns(pipeline)
        #expect(states[1] == [["1", "apple", "1.5"], ["2", "pear green", "2.25"], ["3", "fig", "3.0"], ["4", "kiwi", "0.5"]])
        try FileManager.default.removeItem(atPath: pipeline.sandbox.root + "/orders.csv")
        for (index, id) in ids.enumerated() {
            let rebuild = try pipeline.etlHost("rebuild", "--as-of", id, "sqlite", "-d", "path=as_of_\(index).db", "--quiet")
            #expect(rebuild.status == 0, "\(rebuild.stderr)")
            let rebuilt = try SQLiteInspector(path: pipeline.sandbox.root + "/as_of_\(index).db")
            #expect(try rebuilt.rows("SELECT * FROM orders ORDER BY id") == states[index])
            #expect(try rebuilt.columns("orders") == (try SQLiteInspector(path: pipeline.sandbox.root + "/warehouse.db").columns("orders")))
        }
        // A time between the second and third runs gives the second state; --dry-run lists the replays.
        let runs = try pipeline.runs()
        let second = try #require(runs[1]["finished_at"] as? String)
        let plan = try pipeline.etlHost("rebuild", "--as-of", second, "sqlite", "-d", "path=dry.db", "--dry-run")
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout == """
            replay \(ids[0]) (shop, replace, ended \(runs[0]["finished_at"] as! String)): orders
            replay \(ids[1]) (shop, upsert, ended \(second)): orders

            """)
        #expect(!FileManager.default.fileExists(atPath: pipeline.sandbox.root + "/dry.db"))
        let replays = try pipeline.runs().filter { $0["replay_of"] != nil }
        #expect(replays.count == 1 + 2 + 3)
    }

    @Test func aMissingSnapshotOrAnEmptyMomentIsRefusedNamingWhy() throws {
        let pipeline = try Pipeline("rebuild-missing")
        let (ids, _) = try threeRuns(pipeline, snapshotOfSecond: false)
        let runs = try pipeline.runs()
        let missing = try pipeline.etlHost("rebuild", "--as-of", ids[2], "sqlite", "-d", "path=x.db")
        #expect(missing.status == 64)
        #expect(missing.stderr == "etl-host: error: the tables as of \(runs[2]["finished_at"] as! String) need the snapshot of run \(ids[1]) (pipeline 'shop', upsert, ended \(runs[1]["finished_at"] as! String)), which was not kept (--no-snapshot) or was pruned; they cannot be rebuilt from snapshots\n")
        #expect(!FileManager.default.fileExists(atPath: pipeline.sandbox.root + "/x.db"))

        let before = try pipeline.etlHost("rebuild", "--as-of", "2001-01-01", "sqlite", "-d", "path=x.db")
        #expect(before.status == 64)
        #expect(before.stderr == "etl-host: error: no run had committed anything by 2001-01-01T00:00:00.000Z; `etl-host runs` lists them\n")
        let other = try pipeline.etlHost("rebuild", "--as-of", ids[0], "--pipeline", "crm", "sqlite", "-d", "path=x.db")
        #expect(other.stderr == "etl-host: error: no run of pipeline 'crm' had committed anything by \(runs[0]["finished_at"] as! String); `etl-host runs` lists them\n")
        let bad = try pipeline.etlHost("rebuild", "--as-of", "yesterday", "sqlite", "-d", "path=x.db")
        #expect(bad.status == 64)
        #expect(bad.stderr == "etl-host: error: 'yesterday' is not a time or a run id: write an ISO 8601 time with its zone (2026-12-01T09:00:00Z, 2026-12-01T10:00:00+01:00), a day (2026-12-01, UTC) or a run id\n")
    }

    @Test func diffListsExactlyTheMutatedKeys() throws {
        let pipeline = try Pipeline("diff-runs")
        let (ids, _) = try threeRuns(pipeline)
        let text = try pipeline.etlHost("diff", ids[0], ids[1])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout == """
            \(ids[0]) -> \(ids[1])
            orders (key id): 1 added, 0 removed, 1 changed
              + 4
              ~ 2

            """)
        let keyed = try pipeline.etlHost("diff", ids[2], ids[1], "orders", "--json")
        #expect(keyed.status == 0, "\(keyed.stderr)")
        #expect(keyed.stdout == #"[{"added":[],"changed":["1"],"key":["id"],"removed":[],"table":"orders"}]"# + "\n")
        let unknown = try pipeline.etlHost("diff", ids[0], ids[1], "nope")
        #expect(unknown.status == 64)
        #expect(unknown.stderr == "etl-host: error: stream 'nope' is not a stream of run \(ids[0]) or \(ids[1])\n")
        #expect(try pipeline.runs().count == 3)
    }
}

import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// `rebuild --as-of` and `diff` with a PostgreSQL warehouse: the moments are
/// rebuilt into a fresh schema, typed as the original, without the source.
@Suite struct RebuildPostgresTests {
    typealias Pipeline = RunHistoryTests.Pipeline

    @Test func eachMomentIsRebuiltIntoAFreshSchemaExactly() throws {
        let pipeline = try Pipeline("rebuild-pg")
        let url = try PostgresInspector.serverURL()
        let db = try PostgresInspector(url: url)
        let live = PostgresInspector.uniqueSchema("rebuild_live")
        let rebuilt = (0..<RebuildTests.versions.count).map { PostgresInspector.uniqueSchema("rebuild_\($0)") }
        defer { ([live] + rebuilt).forEach(db.dropSchema) }
        let select = { (schema: String) in "SELECT * FROM \(PostgresInspector.qualified(schema, "orders")) ORDER BY id" }

        var states: [[[String?]]] = []
        for (index, version) in RebuildTests.versions.enumerated() {
            try pipeline.write(version, to: "orders.csv")
            var arguments = ["sync", "csv", "postgres", "-s", "path=orders.csv", "-d", "url=\(url)", "-d", "schema=\(live)",
                             "--pipeline", "shop", "--quiet"]
            if index > 0 { arguments += ["--mode", "upsert", "--primary-key", "id"] }
            let sync = try TestSupport.run(TestSupport.hostExecutable, arguments,
                                           environment: pipeline.sandbox.environment.merging(["ETL_STATE_DIR": pipeline.state]) { $1 },
                                           currentDirectory: pipeline.sandbox.root)
            #expect(sync.status == 0, "\(sync.stderr)")
            states.append(try db.rows(select(live)))
        }
        #expect(states[1] == [["1", "apple", "1.5"], ["2", "pear green", "2.25"], ["3", "fig", "3"], ["4", "kiwi", "0.5"]])
        try FileManager.default.removeItem(atPath: pipeline.sandbox.root + "/orders.csv")

        let ids = try pipeline.runs().map { $0["id"] as! String }
        for (index, id) in ids.enumerated() {
            let rebuild = try pipeline.etlHost("rebuild", "--as-of", id, "postgres", "-d", "url=\(url)", "-d", "schema=\(rebuilt[index])", "--quiet")
            #expect(rebuild.status == 0, "\(rebuild.stderr)")
            #expect(try db.rows(select(rebuilt[index])) == states[index])
            #expect(try db.columns("orders", schema: rebuilt[index]) == (try db.columns("orders", schema: live)))
        }
        // The live schema is untouched by the rebuilds.
        #expect(try db.rows(select(live)) == states[2])

        let diff = try pipeline.etlHost("diff", ids[1], ids[2], "--json")
        #expect(diff.status == 0, "\(diff.stderr)")
        #expect(diff.stdout == #"[{"added":[],"changed":["1"],"key":["id"],"removed":[],"table":"orders"}]"# + "\n")
    }
}

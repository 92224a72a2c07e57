import ETLTestSupport
import Foundation
import Testing

/// A `sync` step's `table`, `tables`, `columns` and `contract` keys
/// through `etl-host run`: the table's name, which columns load under what
/// names, and a frozen schema that refuses a new column out loud (exit 65,
/// the table untouched).
@Suite struct PipelineSyncShapingTests {
    static func yaml(contract: String) -> String {
        """
        name: shaping
        connections:
          dwh: {plugin: sqlite, path: dwh.db}
        steps:
          raw_rates:
            sync:
              from: {plugin: csv, path: rates.csv}
              to: dwh
              table: fx_rates
              columns: {rates: {exclude: [note], rename: {rate: eur_rate}}}
              contract: \(contract)
          raw_events:
            sync: {from: {plugin: jsonl, path: events.jsonl}, to: dwh, tables: {prefix: "src_"}}
        """
    }

    @Test func tablesColumnsAndAFrozenContract() throws {
        let sandbox = try PipelineRunSandbox("run-shaping", yaml: Self.yaml(contract: "{columns: freeze, types: freeze}"), files: [
            "rates.csv": "currency,rate,note\nUSD,1.1,x\nGBP,0.8,y\n",
            "events.jsonl": #"{"id": 1}"# + "\n",
        ])
        let first = try sandbox.run()
        #expect(first.status == 0, "\(first.stderr)")
        let columns = try SQLiteInspector(path: sandbox.project + "/dwh.db").columns("fx_rates")
        #expect(columns == ["currency TEXT", "eur_rate REAL"], "\(columns)")
        #expect(try sandbox.rows("SELECT currency, eur_rate FROM fx_rates ORDER BY currency") == [["GBP", "0.8"], ["USD", "1.1"]])
        #expect(try sandbox.rows("SELECT id FROM src_events") == [["1"]])

        // A new column in the source: the frozen contract refuses it, naming it; the table keeps its rows.
        try sandbox.write("currency,rate,note,source\nUSD,1.2,x,ecb\n", to: "rates.csv")
        let second = try sandbox.run()
        #expect(second.status == 65, "\(second.stdout)\n\(second.stderr)")
        let steps = try #require(try sandbox.pipelineRuns().last?["steps"] as? [[String: Any]])
        let syncRun = try #require((steps.first?["sync_runs"] as? [String])?.first)
        #expect(second.stderr == """
            etl-host: error: step 'raw_rates' failed: sync run \(syncRun): stream 'rates', table 'fx_rates': new column 'source' (source field 'source') is refused by the schema contract (new columns: freeze); the table is unchanged

            """)
        let record = try #require(try sandbox.pipelineRuns().last)
        #expect(PipelineRunSandbox.states(record) == ["raw_rates=failed/1", "raw_events=succeeded/1"])
        #expect(try sandbox.rows("SELECT currency, eur_rate FROM fx_rates ORDER BY currency") == [["GBP", "0.8"], ["USD", "1.1"]])
    }

    @Test func tableNamesOneTableForASourceOfOneStreamOnly() throws {
        let sandbox = try PipelineRunSandbox("run-shaping-single", yaml: """
            name: shaping
            connections:
              dwh: {plugin: sqlite, path: dwh.db}
            steps:
              raw: {sync: {from: {plugin: csv, path: "data/*.csv"}, to: dwh, table: everything}}
            """, files: ["data/a.csv": "x\n1\n", "data/b.csv": "y\n2\n"])
        let result = try sandbox.run()
        #expect(result.status == 64, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains("step 'raw': table: names one table, but the source has 2 streams (a, b); name each with tables: {names: {STREAM: TABLE}} or pick one with streams:"),
                "\(result.stderr)")
    }
}

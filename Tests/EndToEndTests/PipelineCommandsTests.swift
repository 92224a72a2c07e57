import ETLTestSupport
import Foundation
import Testing

/// `etl-host validate` and `etl-host plan` through the built binary: exit
/// codes and exact output, for a good pipeline file and for each kind of
/// problem the issue lists (a cycle, an unknown step in needs, a missing
/// SQL file, a typo'd key) and the plugin checks.
@Suite struct PipelineCommandsTests {
    static let shop = """
        name: shop
        connections:
          files: {plugin: csv, path: rates.csv}
          dwh:   {plugin: sqlite, path: dwh.db}
        defaults: {retries: {max_attempts: 3}}
        steps:
          raw_rates: {sync: {from: files, to: dwh, table: fx_rates}}
          raw_more:  {sync: {from: {plugin: csv, path: more.csv}, tables: {prefix: more_}}}
          orders:    {needs: [raw_rates, raw_more], sql: sql/orders.sql, materialize: table}
          orders_ok: {needs: [orders], check: {table: orders, not_null: [id], unique: [id], row_count: ">0"}}
          export:    {needs: [orders_ok], command: [echo, done], timeout: 10m}
        """

    private func sandbox(_ yaml: String, name: String = "etl.yaml", files: [String: String] = [:]) throws -> HostSandbox {
        let sandbox = try HostSandbox("pipeline")
        var all = files
        all[name] = yaml
        for (path, text) in all {
            let url = URL(fileURLWithPath: sandbox.root + "/" + path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        return sandbox
    }

    private static let shopFiles = ["rates.csv": "id,rate\n1,2.5\n", "more.csv": "id\n1\n", "sql/orders.sql": "SELECT 1 AS id\n"]

    @Test func aGoodFileIsOKAndNothingIsCreated() throws {
        let sandbox = try sandbox(Self.shop, files: Self.shopFiles)
        let result = try sandbox.etlHost("validate")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "etl.yaml: OK (5 steps, 2 connections)\n")
        #expect(result.stderr == "")
        let connected = try sandbox.etlHost("validate", "--connect", "--json")
        #expect(connected.status == 0, "\(connected.stderr)")
        #expect(connected.stdout == #"{"connections":2,"errors":[],"file":"etl.yaml","ok":true,"steps":5}"# + "\n")
        // Validating opens nothing for writing: the warehouse file does not appear.
        #expect(!FileManager.default.fileExists(atPath: sandbox.root + "/dwh.db"))
    }

    @Test func theIssuesFourMistakesAreRefusedWithFileLineColumn() throws {
        let sandbox = try sandbox("""
            connections:
              dwh: {plugin: sqlite, path: dwh.db}
            steps:
              raw:    {sync: {from: {plugin: csv, path: a.csv}, to: dwh}}
              orders: {needs: [raw, ordrs_ok], sql: sql/orders.sql}
              orders_ok:
                needs: [orders]
                check: {table: orders, row_count: ">0", severty: warn}
              report: {needs: [report_b], command: [echo, a]}
              report_b: {needs: [report], command: [echo, b]}
            """, name: "pipelines/shop.yaml")
        let result = try sandbox.etlHost("validate", "-f", "pipelines/shop.yaml")
        #expect(result.status == 64)
        #expect(result.stdout == "")
        #expect(result.stderr == """
            pipelines/shop.yaml:5:25: step 'orders' needs an unknown step 'ordrs_ok' (did you mean 'orders_ok'?); steps: raw, orders, orders_ok, report, report_b
            pipelines/shop.yaml:5:41: step 'orders': SQL file 'sql/orders.sql' does not exist (paths are relative to the pipeline file's folder; for SQL written in the step use query:)
            pipelines/shop.yaml:8:45: unknown key 'severty' in step 'orders_ok': check (did you mean 'severity'?); valid keys: table, warehouse, not_null, unique, accepted_values, row_count, freshness, sql, severity
            pipelines/shop.yaml:9:20: the steps form a cycle: report -> report_b -> report (each needs the next)
            pipelines/shop.yaml: 4 errors

            """)
        let json = try sandbox.etlHost("validate", "-f", "pipelines/shop.yaml", "--json")
        #expect(json.status == 64)
        #expect(json.stderr == "")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["ok"] as? Bool == false)
        #expect(object["steps"] is NSNull)
        let errors = try #require(object["errors"] as? [[String: Any]])
        #expect(errors.count == 4)
        #expect(errors.first?["file"] as? String == "pipelines/shop.yaml")
        #expect(errors.first?["line"] as? Int == 5)
        #expect(errors.first?["column"] as? Int == 25)
        #expect((errors.last?["message"] as? String)?.hasPrefix("the steps form a cycle: report -> report_b -> report") == true)
        #expect(json.stdout.split(separator: "\n").count == 1)
    }

    @Test func pluginsKindsConfigsAndCapabilitiesAreChecked() throws {
        let sandbox = try sandbox("""
            connections:
              files: {plugin: csv, path: rates.csv}
              dwh:   {plugin: sqlite, path: dwh.db}
              crm:   {plugin: airtabel, base: app1}
              nopath: {plugin: csv}
            steps:
              wrong_way: {sync: {from: dwh, to: files}}
              not_incremental: {sync: {from: files, to: dwh, mode: upsert, incremental: true}}
              deletions_append: {sync: {from: files, to: dwh, mode: append, deletions: remove}}
            """, files: ["rates.csv": "id\n1\n"])
        let result = try sandbox.etlHost("validate")
        #expect(result.status == 64)
        let registry = TestSupport.repositoryRoot + "/registry.json"
        let bundled = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: registry))) as? [String: Any])
        // Each name once: postgres is both an extractor and a warehouse.
        let names = Set(((bundled["plugins"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String }).sorted().joined(separator: ", ")
        #expect(result.stderr == """
            etl.yaml:4:3: connection 'crm': no plugin named 'airtabel' (did you mean 'airtable'?) in \(registry); available: \(names)
            etl.yaml:5:3: connection 'nopath': csv: missing required config key 'path' (set it with -s KEY=VALUE for a source, -d KEY=VALUE for a destination); valid keys: batch_rows, delimiter, encoding, has_header, path, quote, stream
            etl.yaml:7:28: step 'wrong_way': sync: from: connection 'dwh' uses plugin 'sqlite', which is a warehouse; an extractor (a source to read) is needed here
            etl.yaml:7:37: step 'wrong_way': sync: to: connection 'files' uses plugin 'csv', which is an extractor; a warehouse (a destination to write) is needed here
            etl.yaml:8:3: step 'not_incremental': extractor 'csv' is not incremental: drop --incremental to read everything
            etl.yaml:9:3: step 'deletions_append': --deletions remove needs --mode upsert: replace already drops what the source no longer has, and append never changes existing rows
            etl.yaml: 6 errors

            """)
    }

    @Test func sqlAndCheckStepsNeedAWarehouseThatRunsSQL() throws {
        let sandbox = try sandbox("""
            connections:
              dwh:  {plugin: sqlite, path: dwh.db}
              text: {plugin: textwarehouse, dir: out}
            steps:
              build:   {query: SELECT 1 AS id, into: text}
              test_it: {needs: [build], check: {table: build, row_count: ">0", warehouse: text}}
              fine:    {query: SELECT 1 AS id, into: dwh}
              fine_ok: {needs: [fine], check: {table: fine, unique: [id], warehouse: dwh}}
            """)
        // A C warehouse with only the required operations (no execute, no query).
        let library = try sandbox.compile(["Tests/Fixtures/CPlugins/textwarehouse.c"], name: "libtextwarehouse.so")
        let install = try sandbox.etlHost("plugins", "install", library)
        #expect(install.status == 0, "\(install.stderr)")
        let result = try sandbox.etlHost("validate")
        #expect(result.status == 64)
        #expect(result.stderr == """
            etl.yaml:5:42: step 'build' materializes a table in connection 'text', but warehouse 'textwarehouse' cannot run SQL for it: it does not announce sql_execute (contract 1.2's execute operation)
            etl.yaml:6:79: step 'test_it' queries table 'build' in connection 'text', but warehouse 'textwarehouse' cannot run SQL for it: it does not announce sql_query (contract 1.2's query operation)
            etl.yaml: 2 errors

            """)
    }

    @Test func aRefusedPluginIsExit2() throws {
        let sandbox = try sandbox("""
            connections:
              src: {plugin: mine, path: a.csv}
              dwh: {plugin: sqlite, path: w.db}
            steps:
              a: {sync: {from: src, to: dwh}}
            """, files: ["registry.json": """
                {"registry_version": 1, "plugins": [{"name": "mine", "kind": "extractor", "version": "1", "abi": "1.2",
                 "entry": "etl_plugin_init", "library": "libmine.so", "sha256": null, "language": "c", "capabilities": [],
                 "description": "an unpinned copy of the csv plugin"}]}
                """])
        try FileManager.default.copyItem(atPath: TestSupport.productsDirectory + "/libetl_csv.so", toPath: sandbox.root + "/libmine.so")
        let result = try sandbox.etlHost("validate")
        #expect(result.status == 2)
        #expect(result.stderr == """
            etl.yaml:2:3: connection 'src': plugin 'mine': refusing to load '\(sandbox.root)/libmine.so': the project registry \(sandbox.root)/registry.json does not pin it by sha256 ("sha256": null), and only libraries built with this etl-host (@host/) run unpinned. To trust this file, run `etl-host plugins install \(sandbox.root)/libmine.so --name mine`, which probes it in a child process and pins it
            etl.yaml: 1 error

            """)
    }

    @Test func connectOpensEachConnectionAndCallsCheck() throws {
        let sandbox = try sandbox("""
            connections:
              files: {plugin: csv, path: data/rates.csv}
              gone:  {plugin: csv, path: data/gone.csv}
              dwh:   {plugin: sqlite, path: dwh.db}
            steps:
              a: {sync: {from: files, to: dwh}}
              b: {sync: {from: gone, to: dwh}}
            """, name: "project/etl.yaml", files: ["project/data/rates.csv": "id\n1\n"])
        // Without --connect the missing file is not looked for.
        let offline = try sandbox.etlHost("validate", "-f", "project/etl.yaml")
        #expect(offline.status == 0, "\(offline.stderr)")
        #expect(offline.stdout == "project/etl.yaml: OK (2 steps, 3 connections)\n")
        // With it, paths resolve against the pipeline's folder, and an unreachable source is exit 1.
        let online = try sandbox.etlHost("validate", "-f", "project/etl.yaml", "--connect")
        #expect(online.status == 1)
        #expect(online.stderr == """
            project/etl.yaml:3:3: connection 'gone' is not reachable: plugin 'csv': check failed: file "data/gone.csv" does not exist [ETL_ERR_NOT_FOUND (3)]
            project/etl.yaml: 1 error

            """)
    }

    @Test func theSamplePipelineValidatesWithItsConnectionsAndPlans() throws {
        let sandbox = try HostSandbox("pipeline-samples")
        let file = TestSupport.repositoryRoot + "/samples/etl.yaml"
        let result = try sandbox.etlHost("validate", "-f", file, "--connect")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "\(file): OK (4 steps, 1 connection)\n")
        #expect(!FileManager.default.fileExists(atPath: TestSupport.repositoryRoot + "/samples/warehouse.db"))
        let plan = try sandbox.etlHost("plan", "-f", file, "--select", "+orders_ok")
        #expect(plan.stdout == """
            samples (\(file)): 2 steps in 2 layers
            layer 1
              raw_orders  sync     reads inline csv (all streams); writes dwh.orders
            layer 2
              orders_ok   check    needs raw_orders; checks dwh.orders (3 assertions, severity error)

            """)
    }

    @Test func aMissingFileAndTheDefaultName() throws {
        let sandbox = try HostSandbox("pipeline-missing")
        let result = try sandbox.etlHost("validate")
        #expect(result.status == 64)
        #expect(result.stderr == "etl.yaml: no such pipeline file (name one with -f FILE; the default is etl.yaml in the current folder)\netl.yaml: 1 error\n")
        let plan = try sandbox.etlHost("plan", "-f", "other.yml")
        #expect(plan.status == 64)
        #expect(plan.stderr == "other.yml: no such pipeline file (name one with -f FILE; the default is etl.yaml in the current folder)\nother.yml: 1 error\n")
    }

    @Test func planShowsLayersAsTextDotAndJSON() throws {
        let sandbox = try sandbox(Self.shop, files: Self.shopFiles)
        let text = try sandbox.etlHost("plan")
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout == """
            shop (etl.yaml): 5 steps in 4 layers
            layer 1
              raw_rates  sync     reads files (all streams); writes dwh.fx_rates
              raw_more   sync     reads inline csv (all streams); writes dwh (prefix more_)
            layer 2
              orders     sql      needs raw_rates, raw_more; runs sql/orders.sql in dwh; writes dwh.orders (table)
            layer 3
              orders_ok  check    needs orders; checks dwh.orders (3 assertions, severity error)
            layer 4
              export     command  needs orders_ok; runs echo done (timeout 10m)

            """)
        let selected = try sandbox.etlHost("plan", "--select", "orders_ok+", "--select", "raw_more")
        #expect(selected.stdout == """
            shop (etl.yaml): 3 steps in 2 layers
            layer 1
              raw_more   sync     reads inline csv (all streams); writes dwh (prefix more_)
              orders_ok  check    needs orders (not selected); checks dwh.orders (3 assertions, severity error)
            layer 2
              export     command  needs orders_ok; runs echo done (timeout 10m)

            """)
        let from = try sandbox.etlHost("plan", "--from", "orders", "--format", "dot")
        #expect(from.stdout == #"""
            digraph "shop" {
              rankdir=LR;
              node [shape=box];
              "orders" [label="orders\nsql"];
              "orders_ok" [label="orders_ok\ncheck"];
              "export" [label="export\ncommand"];
              "orders" -> "orders_ok";
              "orders_ok" -> "export";
            }

            """#)
        let json = try sandbox.etlHost("plan", "--format", "json", "--select", "+raw_rates")
        #expect(json.stdout == #"{"file":"etl.yaml","layers":[["raw_rates"]],"pipeline":"shop","steps":[{"kind":"sync","layer":1,"name":"raw_rates","needs":[],"reads":["files"],"summary":"reads files (all streams); writes dwh.fx_rates","unselected_needs":[],"writes":["dwh.fx_rates"]}]}"# + "\n")
        let unknown = try sandbox.etlHost("plan", "--select", "+ordres")
        #expect(unknown.status == 64)
        #expect(unknown.stderr == "etl-host: error: --select '+ordres': no step 'ordres' (did you mean 'orders'?); steps: raw_rates, raw_more, orders, orders_ok, export\n")
    }

    @Test func helpTeachesBothCommands() throws {
        let sandbox = try HostSandbox("pipeline-help")
        let validate = try sandbox.etlHost("validate", "--help")
        #expect(validate.status == 0)
        #expect(validate.stdout.contains("FILE:LINE:COLUMN: MESSAGE"))
        #expect(validate.stdout.contains("64  the file is not"))
        let plan = try sandbox.etlHost("plan", "--help")
        #expect(plan.stdout.contains("--select +STEP    the step and every step it needs"))
        let top = try sandbox.etlHost("--help")
        #expect(top.stdout.contains("etl-host validate             check the pipeline file etl.yaml"))
    }
}

import ETLHost
import ETLPluginKit
@testable import ETLWorkflow
import Foundation
import Testing

/// The parser: a full file decoded into the model, and every kind of
/// problem reported with its exact file:line:column text.
@Suite struct PipelineParserTests {
    static let shop = """
        name: shop
        connections:
          crm:  {plugin: airtable, base: "${AIRTABLE_BASE}", token: "@env:AIRTABLE_TOKEN", page_size: 50}
          dwh:  {plugin: sqlite, path: dwh.db}
        defaults: {retries: {max_attempts: 3}, snapshot: false, max_bad_rows: 2}
        steps:
          raw_crm:
            sync:
              from: crm
              to: dwh
              streams: [Customers, Orders]
              mode: upsert
              incremental: true
              deletions: flag
              primary_key: id
              parallel: 2
              keep_snapshots: 3
              tables: {prefix: "crm_", names: {Orders: orders_raw}}
              columns: {Orders: {exclude: [Notes], rename: {"Order ID": order_id}}, Customers: {select: [id, name]}}
              contract: {columns: freeze, types: widen, streams: {Orders: {columns: discard}}}
          raw_rates:  {sync: {from: {plugin: csv, path: rates.csv}, to: dwh, table: fx_rates, allow_empty: true}}
          orders:     {needs: [raw_crm, raw_rates], sql: sql/orders.sql, materialize: view}
          orders_ok:
            needs: orders
            retries: {max_attempts: 1}
            check:
              table: orders
              not_null: [id]
              unique: [id, day]
              accepted_values: {status: [open, paid, 3]}
              row_count: ">=10"
              freshness: {column: updated_at, max_age: 26h}
              sql: SELECT id FROM orders WHERE total < 0
              severity: warn
          export:     {needs: [orders_ok], command: ["python3", "report.py"], env: {MODE: full}, timeout: 10m}
        """

    @Test func decodesEveryKindOfStepWithDefaultsApplied() throws {
        let fixture = try PipelineFixture(Self.shop, files: ["sql/orders.sql": "SELECT 1\n"])
        let pipeline = try fixture.parse(environment: ["AIRTABLE_BASE": "appXYZ"])
        #expect(pipeline.name == "shop")
        #expect(pipeline.folder == fixture.folder)
        #expect(pipeline.connections.map(\.name) == ["crm", "dwh"])
        let crm = try #require(pipeline.connection(named: "crm"))
        #expect(crm.plugin == "airtable")
        // ${VAR} is interpolated, @env: is left for ConfigResolver, numbers stay numbers.
        #expect(crm.config == ["base": .string("appXYZ"), "token": .string("@env:AIRTABLE_TOKEN"), "page_size": .integer(50)])
        #expect(crm.location.description == "etl.yaml:3:3".replacingOccurrences(of: "etl.yaml", with: fixture.path))
        #expect(pipeline.steps.map(\.name) == ["raw_crm", "raw_rates", "orders", "orders_ok", "export"])

        guard case .sync(let sync) = pipeline.steps[0].kind else { Issue.record("raw_crm is not a sync step"); return }
        #expect(sync.streams == ["Customers", "Orders"])
        #expect(sync.mode == .upsert && sync.incremental && sync.deletions == .flag)
        #expect(sync.primaryKey == ["id"])
        #expect(sync.maxBadRows == 2 && sync.snapshot == false && sync.allowEmpty == false)
        #expect(sync.parallel == 2 && sync.keepSnapshots == 3)
        #expect(sync.tables == TableNaming(prefix: "crm_", names: ["Orders": "orders_raw"]))
        #expect(sync.columns["Orders"] == ColumnShaping(selection: .allExcept(["Notes"]), renames: ["Order ID": "order_id"]))
        #expect(sync.columns["Customers"] == ColumnShaping(selection: .only(["id", "name"])))
        #expect(sync.contract.contract(for: "Customers") == SchemaContract(columns: .freeze, types: .widen))
        #expect(sync.contract.contract(for: "Orders") == SchemaContract(columns: .discard, types: .widen))
        #expect(pipeline.steps[0].retries == RetrySettings(maxAttempts: 3, delay: PipelineDuration(seconds: 10)))

        guard case .sync(let rates) = pipeline.steps[1].kind, case .inline(let source) = rates.from else {
            Issue.record("raw_rates has no inline source"); return
        }
        #expect(source.name == "raw_rates.from" && source.plugin == "csv" && source.config == ["path": .string("rates.csv")])
        #expect(rates.tables.single == "fx_rates" && rates.allowEmpty)

        guard case .sql(let sql) = pipeline.steps[2].kind else { Issue.record("orders is not a sql step"); return }
        #expect(sql.source == .file(written: "sql/orders.sql", resolved: fixture.folder + "/sql/orders.sql"))
        #expect(sql.materialize == .view && sql.target == "orders")
        // into: omitted, and dwh is the only warehouse the file writes to.
        guard case .named("dwh", _) = sql.into else { Issue.record("orders does not default into dwh"); return }

        guard case .check(let check) = pipeline.steps[3].kind else { Issue.record("orders_ok is not a check step"); return }
        #expect(pipeline.steps[3].needs == ["orders"])
        #expect(pipeline.steps[3].retries.maxAttempts == 1)
        #expect(check.table == "orders" && check.severity == .warn)
        #expect(check.assertions == [
            .notNull(["id"]), .unique(["id", "day"]), .acceptedValues(column: "status", values: ["open", "paid", "3"]),
            .rowCount(RowCountRule(.atLeast, 10)), .freshness(column: "updated_at", maxAge: PipelineDuration(seconds: 93_600)),
            .customSQL("SELECT id FROM orders WHERE total < 0"),
        ])

        guard case .command(let command) = pipeline.steps[4].kind else { Issue.record("export is not a command step"); return }
        #expect(command.arguments == ["python3", "report.py"])
        #expect(command.environment == ["MODE": "full"])
        #expect(command.workingDirectory == fixture.folder)
        #expect(command.timeout == PipelineDuration(seconds: 600))
    }

    @Test func jsonIsAcceptedAsYAML() throws {
        let fixture = try PipelineFixture("""
            {
              "name": "j",
              "connections": {"dwh": {"plugin": "sqlite", "path": "w.db"}},
              "steps": {
                "build": {"query": "SELECT 1 AS x", "into": "dwh", "target": "t"},
                "hello": {"needs": ["build"], "command": ["echo", "hi"]}
              }
            }
            """)
        let pipeline = try fixture.parse()
        #expect(pipeline.name == "j")
        #expect(pipeline.steps.map(\.name) == ["build", "hello"])
        guard case .sql(let sql) = pipeline.steps[0].kind else { Issue.record("build is not a sql step"); return }
        #expect(sql.source == .inline("SELECT 1 AS x") && sql.target == "t")
    }

    @Test func unknownKeysAreNamedWithTheClosestValidOne() throws {
        let fixture = try PipelineFixture("""
            name: shop
            conections: {}
            steps:
              build:
                query: SELECT 1
                matrialize: table
              load:
                sync: {from: {plugin: csv, path: a.csv}, to: dwh, mdoe: append}
            """)
        #expect(fixture.problems() == [
            "etl.yaml:2:1: unknown key 'conections' in the pipeline file (did you mean 'connections'?); valid keys: name, connections, defaults, steps, schedules, alerts",
            "etl.yaml:6:5: unknown key 'matrialize' in step 'build' (did you mean 'materialize'?); valid keys: needs, retries, sql, query, materialize, into, target",
            "etl.yaml:8:50: step 'load': sync: to: unknown connection 'dwh'; the file defines no connections",
            "etl.yaml:8:55: unknown key 'mdoe' in step 'load': sync (did you mean 'mode'?); valid keys: from, to, streams, mode, incremental, deletions, primary_key, max_bad_rows, allow_empty, snapshot, keep_snapshots, keep_for, snapshot_dir, parallel, table, tables, columns, contract, lineage, history, history_table",
        ])
    }

    @Test func wrongTypesAndMissingKeys() throws {
        let fixture = try PipelineFixture("""
            connections:
              dwh: {plugin: sqlite, path: w.db}
              src: {path: a.csv}
            steps:
              load:
                sync: {from: dwh, incremental: "yes", max_bad_rows: -1, streams: {a: 1}}
              check_it:
                check: {not_null: id}
              run_it: {command: "python3 report.py", timeout: 10 minutes}
              both: {query: SELECT 1, command: [ls]}
              idle: {needs: []}
            """)
        #expect(fixture.problems() == [
            "etl.yaml:3:3: connection 'src': missing required key 'plugin' (the registry name of an extractor or warehouse, see `etl-host plugins list`)",
            "etl.yaml:6:11: step 'load': sync: missing required key 'to' (the warehouse connection to use)",
            "etl.yaml:6:36: step 'load': sync: incremental must be true or false, not text",
            "etl.yaml:6:57: step 'load': sync: max_bad_rows must be 0 or more, not -1",
            "etl.yaml:6:70: step 'load': sync: streams must be a list or text, not a mapping",
            "etl.yaml:8:12: step 'check_it': check: missing required key 'table' (the table the assertions are about)",
            "etl.yaml:9:21: step 'run_it': command must be a list of the program and its arguments, e.g. [\"python3\", \"report.py\"] (it runs without a shell)",
            "etl.yaml:9:51: step 'run_it': timeout: '10 minutes' is not a duration: write a whole number and a unit, s (seconds), m (minutes), h (hours) or d (days), e.g. 90s, 10m, 26h, 1h30m",
            "etl.yaml:10:27: step 'both' has both 'query' and 'command': a step does one thing; split it into two steps",
            "etl.yaml:11:3: step 'idle' does nothing: give it one of sync, sql (a file) or query (inline SQL), check, command",
        ])
    }

    @Test func duplicateKeysAreRefusedWithTheirPlace() throws {
        let fixture = try PipelineFixture("""
            steps:
              a: {command: [echo, 1]}
              b: {command: [echo, 2]}
              a: {command: [echo, 3]}
            """)
        #expect(fixture.problems() == ["etl.yaml:2:3: duplicate key 'a' in one mapping: each key may appear once"])
    }

    @Test func syntaxErrorsAndMissingFilesAndEmptyFiles() throws {
        let fixture = try PipelineFixture("steps: [\n")
        #expect(fixture.problems() == ["etl.yaml:2:1: not valid YAML: did not find expected node content (while parsing a flow node at line 2, column 1)"])
        try fixture.write("# nothing yet\n", to: "etl.yaml")
        #expect(fixture.problems() == ["etl.yaml:1:1: the pipeline file is empty: it needs at least 'steps:'"])
        try fixture.write("name: x\n", to: "etl.yaml")
        #expect(fixture.problems() == ["etl.yaml:1:1: the pipeline file: missing required key 'steps' (a mapping of step names to steps)"])
        let missing = fixture.folder + "/none.yaml"
        #expect(throws: PipelineDiagnostics.self) { try PipelineParser().parse(path: missing) }
        do { _ = try PipelineParser().parse(path: missing) } catch {
            #expect(error.description == "\(missing): no such pipeline file (name one with -f FILE; the default is etl.yaml in the current folder)")
        }
    }

    @Test func referencesToStepsConnectionsAndSQLFilesAreChecked() throws {
        let fixture = try PipelineFixture("""
            connections:
              dwh: {plugin: sqlite, path: w.db}
            steps:
              raw: {sync: {from: crm, to: dwh}}
              orders: {needs: [raw, rwa], sql: sql/orders.sql}
              orders_ok: {needs: orders, check: {table: orders, row_count: ">0", warehouse: dwhh}}
            """)
        #expect(fixture.problems() == [
            "etl.yaml:4:22: step 'raw': sync: from: unknown connection 'crm'; connections: dwh",
            "etl.yaml:5:25: step 'orders' needs an unknown step 'rwa' (did you mean 'raw'?); steps: raw, orders, orders_ok",
            "etl.yaml:5:36: step 'orders': SQL file 'sql/orders.sql' does not exist (paths are relative to the pipeline file's folder; for SQL written in the step use query:)",
            "etl.yaml:6:81: step 'orders_ok': check: warehouse: unknown connection 'dwhh' (did you mean 'dwh'?); connections: dwh",
        ])
    }

    @Test func cyclesAreNamedStepByStep() throws {
        let fixture = try PipelineFixture("""
            steps:
              a: {needs: [c], command: [echo, a]}
              b: {needs: [a], command: [echo, b]}
              c: {needs: [b], command: [echo, c]}
              d: {needs: [d], command: [echo, d]}
              e: {needs: [a, a], command: [echo, e]}
            """)
        #expect(fixture.problems() == [
            "etl.yaml:2:15: the steps form a cycle: a -> c -> b -> a (each needs the next)",
            "etl.yaml:5:15: step 'd' needs itself",
            "etl.yaml:6:18: step 'e' lists 'a' twice in needs",
        ])
    }

    @Test func theWarehouseMustBeNamedWhenThereAreSeveral() throws {
        let fixture = try PipelineFixture("""
            connections:
              a: {plugin: sqlite, path: a.db}
              b: {plugin: sqlite, path: b.db}
            steps:
              one: {query: SELECT 1, into: a}
              two: {query: SELECT 2, into: b}
              three: {query: SELECT 3}
              four: {query: SELECT 4, into: a, timeout: 5m, env: {}}
            """)
        #expect(fixture.problems() == [
            "etl.yaml:7:3: step 'three': missing required key 'into' (the pipeline writes to several warehouses: a, b; name one)",
            "etl.yaml:8:36: key 'timeout' belongs to command steps, but step 'four' is a sql step",
            "etl.yaml:8:49: key 'env' belongs to command steps, but step 'four' is a sql step",
        ])
    }

    @Test func syncOptionsThatContradictEachOther() throws {
        let fixture = try PipelineFixture("""
            connections:
              dwh: {plugin: sqlite, path: w.db}
            steps:
              a: {sync: {from: {plugin: csv, path: a.csv}, streams: [x, y], table: t}}
              b: {sync: {from: {plugin: csv, path: a.csv}, table: t, tables: {prefix: p_}, to: dwh}}
              c:
                sync:
                  from: {plugin: csv, path: a.csv}
                  columns: {x: {select: [a], exclude: [b]}}
                  contract: {columns: grow}
            """)
        #expect(fixture.problems() == [
            "etl.yaml:4:65: step 'a': sync: table names the table of a single stream, but streams lists 2; use tables: {names: {STREAM: TABLE}}",
            "etl.yaml:5:58: step 'b': sync: give either table (the one stream's table) or tables (a prefix, names per stream), not both",
            "etl.yaml:9:34: step 'c': sync: columns: x: give select (the columns to keep) or exclude (the columns to drop), not both",
            "etl.yaml:10:27: step 'c': sync: contract: columns 'grow' is not one of evolve, freeze, discard",
        ])
    }
}

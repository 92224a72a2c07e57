@testable import ETLWorkflow
import ETLHost
import Foundation
import Testing

/// Less common shapes: anchors and aliases, names, YAML 1.2 scalars,
/// defaults, and problems inside nested mappings.
@Suite struct PipelineParserEdgeTests {
    @Test func anchorsAndAliasesAreYAMLsOwn() throws {
        let fixture = try PipelineFixture("""
            connections:
              dwh: {plugin: sqlite, path: w.db}
            x-common: &common {to: dwh, mode: append, max_bad_rows: 5}
            steps:
              a: {sync: {<<: *common, from: {plugin: csv, path: a.csv}}}
            """)
        // Top-level keys are closed: the anchor holder is an unknown key, and merge keys are not YAML 1.2.
        #expect(fixture.problems() == [
            "etl.yaml:3:1: unknown key 'x-common' in the pipeline file; valid keys: name, connections, defaults, steps, schedules, alerts",
            "etl.yaml:5:13: step 'a': sync: missing required key 'to' (the warehouse connection to use)",
            "etl.yaml:5:14: unknown key '<<' in step 'a': sync; valid keys: from, to, streams, mode, incremental, deletions, primary_key, max_bad_rows, allow_empty, snapshot, keep_snapshots, keep_for, snapshot_dir, parallel, table, tables, columns, contract, lineage, history, history_table",
        ])
        let aliased = try PipelineFixture("""
            connections:
              dwh: &warehouse {plugin: sqlite, path: w.db}
              copy: *warehouse
            steps:
              a: {query: SELECT 1, into: copy}
            """)
        let pipeline = try aliased.parse()
        #expect(pipeline.connections.map(\.plugin) == ["sqlite", "sqlite"])
        #expect(pipeline.connections.map { $0.config["path"] } == [.string("w.db"), .string("w.db")])
    }

    @Test func scalarsAreTypedByYAML12() throws {
        let fixture = try PipelineFixture("""
            connections:
              src:
                plugin: csv
                path: a.csv
                has_header: yes
                quote: 'true'
                batch_rows: 1000
                ratio: 0.5
                empty:
                list: [1, two, false]
            steps:
              a: {sync: {from: src, to: src}}
            """)
        let pipeline = try fixture.parse()
        #expect(pipeline.connections[0].config == [
            "path": .string("a.csv"), "has_header": .string("yes"), "quote": .string("true"), "batch_rows": .integer(1000),
            "ratio": .number(0.5), "empty": .null, "list": .array([.integer(1), .string("two"), .boolean(false)]),
        ])
    }

    @Test func namesAndNeedsShapes() throws {
        let fixture = try PipelineFixture("""
            name: my shop
            connections:
              dwh+1: {plugin: sqlite, path: w.db}
            steps:
              a+b: {command: [echo]}
              c: {needs: {a: 1}, command: [echo]}
              d: {needs: [[a]], command: [echo]}
              e: {command: []}
              f: {command: [echo], env: {A: [1]}, cwd: nowhere}
            """)
        #expect(fixture.problems() == [
            "etl.yaml:1:7: the pipeline name 'my shop' is not a valid name: use letters, digits, _ and -, starting with a letter or _",
            "etl.yaml:3:3: connection name 'dwh+1' is not a valid name: use letters, digits, _ and -, starting with a letter or _",
            "etl.yaml:5:3: step name 'a+b' is not a valid name: use letters, digits, _ and -, starting with a letter or _",
            "etl.yaml:6:14: step 'c': needs must be a list or text, not a mapping",
            "etl.yaml:7:15: an item of step 'd': needs must be text, not a list",
            "etl.yaml:8:16: step 'e': command is empty: name the program to run",
            "etl.yaml:9:33: step 'f': env: 'A' must be text, not a list",
            "etl.yaml:9:44: step 'f': cwd 'nowhere' is not a folder (paths are relative to the pipeline file's folder)",
        ])
    }

    @Test func defaultsApplyUnlessAStepSaysOtherwise() throws {
        let fixture = try PipelineFixture("""
            defaults:
              retries: {max_attempts: 4, delay: 30s}
              snapshot: false
              max_bad_rows: 7
              allow_empty: true
              severity: warn
              timeout: 1h
            connections:
              dwh: {plugin: sqlite, path: w.db}
            steps:
              load: {sync: {from: {plugin: csv, path: a.csv}, to: dwh, snapshot: true}}
              ok:   {check: {table: t, row_count: 3}}
              strict: {check: {table: t, row_count: 3, severity: error}, retries: {max_attempts: 1}}
              run:  {command: [echo]}
            """)
        let pipeline = try fixture.parse()
        #expect(pipeline.defaults.retries == RetrySettings(maxAttempts: 4, delay: PipelineDuration(seconds: 30)))
        guard case .sync(let sync) = pipeline.steps[0].kind, case .check(let ok) = pipeline.steps[1].kind,
              case .check(let strict) = pipeline.steps[2].kind, case .command(let run) = pipeline.steps[3].kind else {
            Issue.record("unexpected kinds"); return
        }
        #expect(sync.snapshot && sync.maxBadRows == 7 && sync.allowEmpty)
        #expect(ok.severity == .warn && ok.assertions == [.rowCount(RowCountRule(.equal, 3))])
        #expect(strict.severity == .error)
        #expect(pipeline.steps[2].retries == RetrySettings(maxAttempts: 1, delay: PipelineDuration(seconds: 30)))
        #expect(pipeline.steps[3].retries.maxAttempts == 4)
        #expect(run.timeout == PipelineDuration(seconds: 3600))
    }

    @Test func problemsInsideNestedMappings() throws {
        let fixture = try PipelineFixture("""
            defaults: {retries: {max_attempt: 2}, severity: fatal}
            connections:
              dwh: {plugin: sqlite, path: w.db}
            steps:
              a:
                sync:
                  from: {plugin: csv, path: a.csv}
                  to: dwh
                  tables: {prefix: p_, name: {x: y}}
                  columns: {x: {selct: [a]}}
              b:
                check:
                  table: t
                  accepted_values: {status: open}
                  freshness: {column: at}
              c: {check: {table: t}}
            """)
        #expect(fixture.problems() == [
            "etl.yaml:1:22: unknown key 'max_attempt' in defaults: retries (did you mean 'max_attempts'?); valid keys: max_attempts, delay",
            "etl.yaml:1:49: defaults: severity 'fatal' is not one of error, warn",
            "etl.yaml:9:28: unknown key 'name' in step 'a': sync: tables (did you mean 'names'?); valid keys: prefix, names",
            "etl.yaml:10:21: unknown key 'selct' in step 'a': sync: columns: x (did you mean 'select'?); valid keys: select, exclude, rename",
            "etl.yaml:14:33: step 'b': check: accepted_values: status must be a list, not text",
            "etl.yaml:15:18: step 'b': check: freshness: missing required key 'max_age' (e.g. 26h)",
            "etl.yaml:16:14: step 'c': check asserts nothing: give at least one of not_null, unique, accepted_values, row_count, freshness, sql",
        ])
    }

    @Test func twoStepsWritingOneTableAreRefused() throws {
        let fixture = try PipelineFixture("""
            connections:
              dwh: {plugin: sqlite, path: w.db}
              other: {plugin: sqlite, path: o.db}
            steps:
              load: {sync: {from: {plugin: csv, path: a.csv}, to: dwh, table: orders}}
              build: {query: SELECT 1, into: dwh, target: Orders}
              elsewhere: {query: SELECT 1, into: other, target: orders}
              again: {query: SELECT 2, into: other, target: orders}
              rates: {sync: {from: {plugin: csv, path: r.csv}, to: dwh, tables: {names: {a: rates, b: rates}}}}
              log_a: {sync: {from: {plugin: csv, path: a.csv}, to: dwh, table: log, mode: append}}
              log_b: {sync: {from: {plugin: csv, path: b.csv}, to: dwh, table: log, mode: append}}
            """)
        #expect(fixture.problems() == [
            "etl.yaml:6:3: steps 'load' and 'build' both write dwh.Orders, and one replaces it: give one of them another name",
            "etl.yaml:8:3: steps 'elsewhere' and 'again' both write other.orders, and one replaces it: give one of them another name",
            "etl.yaml:9:3: step 'rates' names dwh.rates for two streams: give each stream its own table",
        ])
    }
}

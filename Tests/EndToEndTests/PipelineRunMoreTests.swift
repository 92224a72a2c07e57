import ETLTestSupport
import Foundation
import Testing

/// `etl-host run`: signals, parallel steps, `--json`, and the same
/// pipeline against PostgreSQL (only the warehouse connection changes).
@Suite struct PipelineRunMoreTests {
    @Test func aSignalAfterTheFirstCommitCancelsTheRestWith130() throws {
        let sandbox = try PipelineRunSandbox("run-sigint", yaml: PipelineRunTests.shop,
                                             files: ["rates.csv": PipelineRunTests.rates, "events.jsonl": PipelineRunTests.events])
        // SIGINT just after raw_rates committed: that sync succeeded; nothing else starts.
        let result = try sandbox.run(environment: ["ETL_CRASH_AT": "committed:1:INT"])
        #expect(result.status == 130, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("etl-host: received SIGINT: cancelling the run"), "\(result.stderr)")
        let record = try #require(try sandbox.pipelineRuns().last)
        #expect(record["status"] as? String == "cancelled")
        #expect(PipelineRunSandbox.states(record) == ["raw_rates=succeeded/1", "raw_events=cancelled/0", "report=cancelled/0"])
        #expect((record["steps"] as? [[String: Any]])?[1]["error"] as? String == "not started: the run was cancelled (received SIGINT)")
        #expect(try sandbox.rows("SELECT count(*) FROM rates") == [["2"]])
        #expect(try sandbox.rows("SELECT count(*) FROM sqlite_master WHERE name = 'events'") == [["0"]])
        #expect(sandbox.read("report.txt") == nil)
        // And --resume finishes it.
        let resumed = try sandbox.run("--resume", record["id"] as! String)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(PipelineRunSandbox.states(try sandbox.pipelineRuns().last!) == ["raw_rates=skipped/0", "raw_events=succeeded/1", "report=succeeded/1"])
    }

    /// The command sends etl-host SIGTERM itself, then would run for a
    /// minute: the run stops it (its process group gets SIGTERM) and
    /// marks it and the step after it cancelled.
    @Test func aSignalStopsARunningCommand() throws {
        let sandbox = try PipelineRunSandbox("run-sigterm-command", yaml: """
            name: stopper
            steps:
              long: {command: [sh, -c, 'kill -TERM $PPID; sleep 60; echo late >> ran.txt']}
              next: {needs: [long], command: [sh, -c, 'echo next >> ran.txt']}
            """)
        let started = Date()
        let result = try sandbox.run()
        #expect(result.status == 130, "\(result.stderr)")
        #expect(Date().timeIntervalSince(started) < 30)
        let record = try #require(try sandbox.pipelineRuns().last)
        #expect(PipelineRunSandbox.states(record) == ["long=cancelled/1", "next=cancelled/0"])
        #expect((record["steps"] as? [[String: Any]])?.first?["error"] as? String == "command sh cancelled (received SIGTERM)")
        #expect(sandbox.read("ran.txt") == nil)
    }

    /// Two commands that can only finish together (one writes a FIFO the
    /// other reads): with --parallel 2 both run at once.
    @Test func independentStepsRunAtOnceWithParallel() throws {
        let sandbox = try PipelineRunSandbox("run-parallel", yaml: """
            name: together
            steps:
              writer: {command: [sh, -c, 'echo hello > pipe'], timeout: 60s}
              reader: {command: [sh, -c, 'cat pipe > got.txt'], timeout: 60s}
              after:  {needs: [writer, reader], command: [sh, -c, 'cat got.txt']}
            """)
        #expect(mkfifo(sandbox.project + "/pipe", 0o644) == 0)
        let result = try sandbox.run("--parallel", "2", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(sandbox.read("got.txt") == "hello\n")
        #expect(result.stdout.split(separator: "\n").count == 1)
        let record = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(record["parallel"] as? Int == 2)
        #expect(record["status"] as? String == "succeeded")
        #expect(PipelineRunSandbox.states(record) == ["writer=succeeded/1", "reader=succeeded/1", "after=succeeded/1"])
    }

    @Test func theSamePipelineLoadsPostgreSQL() throws {
        let url = try PostgresInspector.serverURL()
        let schema = PostgresInspector.uniqueSchema("pipeline")
        let db = try PostgresInspector(url: url)
        defer { db.dropSchema(schema) }
        let yaml = PipelineRunTests.shop.replacingOccurrences(
            of: "dwh: {plugin: sqlite, path: dwh.db}", with: "dwh: {plugin: postgres, url: \"@env:PIPELINE_PG_URL\", schema: \(schema)}")
        let sandbox = try PipelineRunSandbox("run-postgres", yaml: yaml,
                                             files: ["rates.csv": PipelineRunTests.rates, "events.jsonl": PipelineRunTests.events])
        // A password in the URL (the test server trusts loopback) is never printed.
        let withPassword = url.replacingOccurrences(of: "postgres@", with: "postgres:pw-Hidden42@")
        #expect(withPassword != url)
        let result = try sandbox.run(environment: ["PIPELINE_PG_URL": withPassword])
        #expect(result.status == 0, "\(result.stderr)")
        let shown = url.replacingOccurrences(of: "postgres@", with: "postgres:***@") + (url.contains("?") ? "&" : "?") + "schema=\(schema)"
        #expect(result.stdout.hasSuffix("\nloaded into \(shown) table rates (2 rows)\nloaded into \(shown) table events (2 rows)\n"), "\(result.stdout)")
        #expect(!result.stdout.contains("pw-Hidden42") && !result.stderr.contains("pw-Hidden42"))
        #expect(try db.rows("SELECT id, rate FROM \(PostgresInspector.qualified(schema, "rates")) ORDER BY id") == [["1", "2.5"], ["2", "3"]])
        #expect(try db.rows("SELECT id, kind FROM \(PostgresInspector.qualified(schema, "events")) ORDER BY id") == [["1", "a"], ["2", "b"]])
        let record = try #require(try sandbox.pipelineRuns().last)
        #expect(PipelineRunSandbox.states(record) == ["raw_rates=succeeded/1", "raw_events=succeeded/1", "report=succeeded/1"])
        // The URL was an @env: reference: the run's records keep the reference, never the value.
        let syncs = try sandbox.syncRuns()
        #expect(syncs.map { ($0["destination_config"] as? [String: Any])?["url"] as? String } == ["@env:PIPELINE_PG_URL", "@env:PIPELINE_PG_URL"])
    }
}

/// Where `sync --config` users are pointed.
@Suite struct SyncConfigMigrationTests {
    @Test func syncHelpPointsToPipelines() throws {
        let sandbox = try HostSandbox("sync-help")
        let help = try sandbox.etlHost("sync", "--help")
        #expect(help.status == 0)
        #expect(help.stdout.contains("\n--config keeps working for one sync. Several syncs, SQL steps, checks\nand commands under one run id go in a pipeline file instead:\n  etl-host run -f etl.yaml     (see docs/PIPELINES.md)\n"), "\(help.stdout)")
        let top = try sandbox.etlHost("--help")
        #expect(top.stdout.contains("\n  etl-host run                  run them, under one run id\n"), "\(top.stdout)")
        #expect(top.stdout.contains("\n  run                     Run a pipeline file (etl.yaml): its steps in order,\n"), "\(top.stdout)")
        #expect(top.stdout.contains("\n  `etl-host run` adds 3 (a check step failed) and 75 (--no-wait, and\n  another run of the pipeline holds its lock): see `etl-host run --help`.\n"), "\(top.stdout)")
        let run = try sandbox.etlHost("run", "--help")
        #expect(run.stdout.contains("\n  3   a check step found failing rows (severity error)\n"), "\(run.stdout)")
        #expect(run.stdout.contains("\n  75  --no-wait and another run of the pipeline holds its lock\n"), "\(run.stdout)")
    }
}

/// A plugin that calls exit() during a pipeline's sync step.
@Suite struct PipelineRunExitGuardTests {
    @Test func aPluginThatCallsExitFailsTheRunAndItsRecords() throws {
        let sandbox = try PipelineRunSandbox("run-exit", yaml: """
            name: exiting
            connections:
              dwh: {plugin: sqlite, path: dwh.db}
            steps:
              load: {sync: {from: {plugin: exits, rows: 5}, to: dwh, streams: [numbers]}}
              after: {needs: [load], command: [sh, -c, 'echo after >> ran.txt']}
            """)
        let library = try sandbox.sandbox.compile(["Tests/Fixtures/CPlugins/exits.c"], name: "libexits.so")
        #expect(try sandbox.etlHost(["plugins", "install", library]).status == 0)
        let result = try sandbox.run(environment: ["ETL_FIXTURE_EXIT_AT": "read"])
        let message = "the process was ended by a call to exit() while the run was under way, not by etl-host: a plugin (or a library it uses) must return an error instead of exiting"
        #expect(!result.signaled && result.status == 1, "\(result.status) \(result.stderr)")
        #expect(result.stderr == "etl-host: error: \(message) (during step 'load')\n")
        let record = try #require(try sandbox.pipelineRuns().last)
        #expect(record["status"] as? String == "failed")
        #expect(record["error"] as? String == "\(message) (during step 'load')")
        #expect(PipelineRunSandbox.states(record) == ["load=failed/1", "after=pending/0"])
        let sync = try #require(try sandbox.syncRuns().last)
        #expect(sync["status"] as? String == "failed")
        #expect(sync["error"] as? String == "\(message) (during stream 'numbers')")
        #expect(sandbox.read("ran.txt") == nil)
    }
}

import ETLTestSupport
import Foundation
import Testing

/// `etl-host run` through the built binary: real plugins (csv, jsonl,
/// sqlite), real commands, the run records in the state folder.
@Suite struct PipelineRunTests {
    static let shop = """
        name: shop
        connections:
          dwh: {plugin: sqlite, path: dwh.db}
        steps:
          raw_rates:  {sync: {from: {plugin: csv, path: rates.csv}, to: dwh}}
          raw_events: {sync: {from: {plugin: jsonl, path: events.jsonl}, to: dwh}}
          report:
            needs: [raw_rates, raw_events]
            command: [sh, -c, 'echo "$ETL_STEP $ETL_RUN_ID $ETL_PIPELINE" > report.txt; echo done; echo careful >&2']
        """
    static let rates = "id,rate\n1,2.5\n2,3.0\n"
    static let events = #"{"id": 1, "kind": "a"}"# + "\n" + #"{"id": 2, "kind": "b"}"# + "\n"

    @Test func twoSyncsAndACommandRunUnderOneRunID() throws {
        let sandbox = try PipelineRunSandbox("run-shop", yaml: Self.shop, files: ["rates.csv": Self.rates, "events.jsonl": Self.events])
        let result = try sandbox.run()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr == "")
        let records = try sandbox.pipelineRuns()
        #expect(records.count == 1)
        let record = try #require(records.first)
        let id = try #require(record["id"] as? String)
        #expect(PipelineRunSandbox.masked(result.stdout) == """
            Run \(id): pipeline shop (project/etl.yaml), succeeded in #.## s; 3 of 3 steps done
            STEP        KIND     STATE      ATTEMPTS  ROWS  SECONDS
            raw_rates   sync     succeeded  1         2     #.##
            raw_events  sync     succeeded  1         2     #.##
            report      command  succeeded  1         -     #.##
            loaded into sqlite://\(sandbox.project)/dwh.db table rates (2 rows)
            loaded into sqlite://\(sandbox.project)/dwh.db table events (2 rows)

            """)
        // Tables in the warehouse next to the pipeline file; the command ran in that folder with the run's variables.
        #expect(try sandbox.rows("SELECT id, rate FROM rates ORDER BY id") == [["1", "2.5"], ["2", "3.0"]])
        #expect(try sandbox.rows("SELECT id, kind FROM events ORDER BY id") == [["1", "a"], ["2", "b"]])
        #expect(sandbox.read("report.txt") == "report \(id) shop\n")
        #expect(!FileManager.default.fileExists(atPath: sandbox.root + "/dwh.db"))

        // One pipeline run, two sync runs linked both ways.
        #expect(record["status"] as? String == "succeeded")
        #expect(record["kind"] as? String == "pipeline")
        #expect(PipelineRunSandbox.states(record) == ["raw_rates=succeeded/1", "raw_events=succeeded/1", "report=succeeded/1"])
        let steps = try #require(record["steps"] as? [[String: Any]])
        let syncs = try sandbox.syncRuns()
        #expect(syncs.count == 2)
        #expect(steps.map { ($0["sync_runs"] as? [String]) ?? [] } == [[syncs[0]["id"] as! String], [syncs[1]["id"] as! String], []])
        #expect(syncs.map { $0["pipeline_run"] as? String } == [id, id])
        #expect(syncs.map { $0["pipeline"] as? String } == ["shop.raw_rates", "shop.raw_events"])
        #expect(steps.map { $0["rows"] as? Int } == [2, 2, nil])

        let list = try sandbox.etlHost(["runs"])
        #expect(list.status == 0, "\(list.stderr)")
        let (rates, events) = (syncs[0]["id"] as! String, syncs[1]["id"] as! String)
        #expect(PipelineRunSandbox.masked(list.stdout) == """
            ID                            PIPELINE         FROM -> TO       MODE     STATUS     ROWS      STARTED                   SECONDS  ERROR
            \(rates)  shop.raw_rates   csv -> sqlite    replace  succeeded  rates=2   <time>  #.##     
            \(events)  shop.raw_events  jsonl -> sqlite  replace  succeeded  events=2  <time>  #.##     

            Pipeline runs:
            ID                            PIPELINE  STATUS     STEPS                     STARTED                   SECONDS  ERROR
            \(id)  shop      succeeded  3 ok, 0 failed, 3 in all  <time>  #.##     

            """)

        // runs --json: both kinds by start time (the pipeline run started before its syncs).
        let listed = try sandbox.etlHost(["runs", "--json"])
        #expect(listed.status == 0, "\(listed.stderr)")
        let array = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        #expect(array.map { "\($0["id"] as? String ?? "?")/\($0["kind"] as? String ?? "sync")" } == ["\(id)/pipeline", "\(rates)/sync", "\(events)/sync"])

        let show = try sandbox.etlHost(["runs", "show", String(id.prefix(20))])
        #expect(show.status == 0, "\(show.stderr)")
        let text = PipelineRunSandbox.masked(show.stdout)
        let sha = try #require(record["file_sha256"] as? String)
        #expect(text.components(separatedBy: "Log (").first == """
            Pipeline run \(id)
              pipeline:  shop (project/etl.yaml, sha256 \(sha.prefix(12))…)
              status:    succeeded
              started:   <time>
              finished:  <time> (#.## s)
              steps:     3 of 3 done, 0 failed

            Steps:
              STEP        KIND     STATE      ATTEMPTS  ROWS  SECONDS
              raw_rates   sync     succeeded  1         2     #.##
              raw_events  sync     succeeded  1         2     #.##
              report      command  succeeded  1         -     #.##

            raw_rates: sync run \(rates), csv -> sqlite (replace), succeeded
              STREAM  TABLE  STATUS     READ  WRITTEN  REJECTED
              rates   rates  succeeded  2     2        0

            raw_events: sync run \(events), jsonl -> sqlite (replace), succeeded
              STREAM  TABLE   STATUS     READ  WRITTEN  REJECTED
              events  events  succeeded  2     2        0


            """)
        // The command's output is in the run's log, line by line, under the step's name.
        #expect(text.contains("  <time>  info  [report stdout] done\n"))
        #expect(text.contains("  <time>  info  [report stderr] careful\n"))
        // A sync run of the pipeline shows as before.
        let syncShow = try sandbox.etlHost(["runs", "show", rates])
        #expect(syncShow.stdout.hasPrefix("Run \(rates)\n  pipeline:  shop.raw_rates\n"), "\(syncShow.stdout)")
    }

    static let failing = """
        name: shop
        connections:
          dwh: {plugin: sqlite, path: dwh.db}
        steps:
          raw_rates: {sync: {from: {plugin: csv, path: rates.csv}, to: dwh}}
          build:
            needs: [raw_rates]
            command: [sh, -c, 'echo build >> ran.txt; test -f fixed || { echo "not fixed" >&2; exit 3; }']
          publish: {needs: [build], command: [sh, -c, 'echo publish >> ran.txt']}
          side: {command: [sh, -c, 'echo side >> ran.txt']}
        """

    @Test func aFailingCommandFailsTheRunItsDownstreamIsUpstreamFailedAndResumeRerunsOnlyThat() throws {
        let sandbox = try PipelineRunSandbox("run-fail", yaml: Self.failing, files: ["rates.csv": Self.rates])
        let failed = try sandbox.run()
        #expect(failed.status == 1)
        #expect(failed.stderr == """
            etl-host: error: step 'build' failed: command sh exited with status 3
            etl-host: warn: step 'publish': not run: it needs 'build', which did not succeed

            """)
        #expect(PipelineRunSandbox.masked(failed.stdout).hasSuffix("""
            failed in #.## s; 2 of 4 steps done
            STEP       KIND     STATE            ATTEMPTS  ROWS  SECONDS
            raw_rates  sync     succeeded        1         2     #.##
            side       command  succeeded        1         -     #.##
            build      command  failed           1         -     #.##
            publish    command  upstream_failed  0         -     -
            loaded into sqlite://\(sandbox.project)/dwh.db table rates (2 rows)

            """), "\(failed.stdout)")
        #expect(sandbox.read("ran.txt") == "side\nbuild\n")
        let first = try #require(try sandbox.pipelineRuns().first)
        let id = try #require(first["id"] as? String)
        #expect(first["status"] as? String == "failed")

        // What --resume would do, without doing it.
        let dry = try sandbox.run("--resume", id, "--dry-run")
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.hasSuffix("""
            Resuming run \(id): would re-run build, publish
            Done in that run, not run again: raw_rates, side
            Nothing was run (--dry-run).

            """), "\(dry.stdout)")
        #expect(try sandbox.pipelineRuns().count == 1)

        try sandbox.write("", to: "fixed")
        let resumed = try sandbox.run("--resume", String(id.prefix(22)))
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(sandbox.read("ran.txt") == "side\nbuild\nbuild\npublish\n")
        let runs = try sandbox.pipelineRuns()
        #expect(runs.count == 2)
        let second = try #require(runs.last)
        #expect(second["resumed_from"] as? String == id)
        #expect(second["status"] as? String == "succeeded")
        #expect(PipelineRunSandbox.states(second) == ["raw_rates=skipped/0", "side=skipped/0", "build=succeeded/1", "publish=succeeded/1"])
        // The sync step was not run again: one sync run in all.
        #expect(try sandbox.syncRuns().count == 1)

        // A changed file is not resumed.
        try sandbox.write(Self.failing + "\n# changed\n", to: "etl.yaml")
        let changed = try sandbox.run("--resume", id)
        #expect(changed.status == 64)
        #expect(changed.stderr.hasPrefix("etl-host: error: cannot resume run \(id): the pipeline file project/etl.yaml changed since that run (sha256 "), "\(changed.stderr)")
        #expect(try sandbox.pipelineRuns().count == 2)
    }

    @Test func aRunKilledInsideASyncStepLeavesTablesOldOrNewAndResumeCompletes() throws {
        let sandbox = try PipelineRunSandbox("run-killed", yaml: Self.shop, files: ["rates.csv": Self.rates, "events.jsonl": Self.events])
        #expect(try sandbox.run().status == 0)
        try sandbox.write("id,rate\n1,9.5\n", to: "rates.csv")
        try sandbox.write(#"{"id": 7, "kind": "z"}"# + "\n", to: "events.jsonl")
        try FileManager.default.removeItem(atPath: sandbox.project + "/report.txt")
        // The second batch written in this process is raw_events' one: killed before its commit.
        let killed = try sandbox.run(environment: ["ETL_CRASH_AT": "batch-written:2"])
        #expect(killed.signaled && killed.status == SIGKILL)
        #expect(try sandbox.rows("SELECT id, rate FROM rates ORDER BY id") == [["1", "9.5"]])
        #expect(try sandbox.rows("SELECT id, kind FROM events ORDER BY id") == [["1", "a"], ["2", "b"]])
        #expect(sandbox.read("report.txt") == nil)
        let list = try sandbox.etlHost(["runs"])
        let id = try #require(try sandbox.pipelineRuns().last?["id"] as? String)
        #expect(list.stdout.contains("\(id)  shop      interrupted  1 ok, 0 failed, 3 in all"), "\(list.stdout)")
        #expect(PipelineRunSandbox.states(try sandbox.pipelineRuns().last!) == ["raw_rates=succeeded/1", "raw_events=running/1", "report=pending/0"])

        let resumed = try sandbox.run("--resume", id)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(PipelineRunSandbox.states(try sandbox.pipelineRuns().last!) == ["raw_rates=skipped/0", "raw_events=succeeded/1", "report=succeeded/1"])
        #expect(try sandbox.rows("SELECT id, rate FROM rates ORDER BY id") == [["1", "9.5"]])
        #expect(try sandbox.rows("SELECT id, kind FROM events ORDER BY id") == [["7", "z"]])
        #expect(sandbox.read("report.txt")?.hasPrefix("report ") == true)
    }

    @Test func aRunKilledInsideASQLStepLeavesItsTableOldAndResumeCompletes() throws {
        let sandbox = try PipelineRunSandbox("run-killed-sql", yaml: """
            name: clean
            connections:
              dwh: {plugin: sqlite, path: dwh.db}
            steps:
              raw_rates: {sync: {from: {plugin: csv, path: rates.csv}, to: dwh}}
              doubled:   {needs: [raw_rates], query: "SELECT id, rate * 2 AS rate FROM rates ORDER BY id", into: dwh}
              view:      {needs: [doubled], query: "SELECT count(*) AS n FROM doubled", materialize: view, into: dwh}
            """, files: ["rates.csv": Self.rates])
        #expect(try sandbox.run().status == 0)
        #expect(try sandbox.rows("SELECT id, rate FROM doubled ORDER BY id") == [["1", "5.0"], ["2", "6.0"]])
        try sandbox.write("id,rate\n1,9.5\n2,1.0\n3,2.0\n", to: "rates.csv")
        // Every row of the new table written, not committed: SIGKILL.
        let killed = try sandbox.run(environment: ["ETL_CRASH_AT": "sql-written"])
        #expect(killed.signaled && killed.status == SIGKILL)
        #expect(try sandbox.rows("SELECT id, rate FROM rates ORDER BY id") == [["1", "9.5"], ["2", "1.0"], ["3", "2.0"]])
        #expect(try sandbox.rows("SELECT id, rate FROM doubled ORDER BY id") == [["1", "5.0"], ["2", "6.0"]])
        #expect(try sandbox.rows("SELECT n FROM view") == [["2"]])
        let id = try #require(try sandbox.pipelineRuns().last?["id"] as? String)
        #expect(PipelineRunSandbox.states(try sandbox.pipelineRuns().last!) == ["raw_rates=succeeded/1", "doubled=running/1", "view=pending/0"])

        let resumed = try sandbox.run("--resume", id)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(PipelineRunSandbox.states(try sandbox.pipelineRuns().last!) == ["raw_rates=skipped/0", "doubled=succeeded/1", "view=succeeded/1"])
        #expect(try sandbox.rows("SELECT id, rate FROM doubled ORDER BY id") == [["1", "19.0"], ["2", "2.0"], ["3", "4.0"]])
        #expect(try sandbox.rows("SELECT n FROM view") == [["3"]])
    }

    @Test func aCommandThatKillsTheHostIsRunAgainByResume() throws {
        let sandbox = try PipelineRunSandbox("run-command-kill", yaml: """
            name: killer
            steps:
              first: {command: [sh, -c, 'echo first >> ran.txt']}
              kill:  {needs: [first], command: [sh, -c, 'if [ ! -f once ]; then touch once; kill -9 $PPID; exit 1; fi; echo kill >> ran.txt']}
              last:  {needs: [kill], command: [sh, -c, 'echo last >> ran.txt']}
            """)
        let killed = try sandbox.run()
        #expect(killed.signaled && killed.status == SIGKILL)
        let id = try #require(try sandbox.pipelineRuns().last?["id"] as? String)
        #expect(PipelineRunSandbox.states(try sandbox.pipelineRuns().last!) == ["first=succeeded/1", "kill=running/1", "last=pending/0"])
        let resumed = try sandbox.run("--resume", id)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(sandbox.read("ran.txt") == "first\nkill\nlast\n")
    }

    @Test func aSecondRunExitsWithTheLockCodeOrWaitsForTheLock() throws {
        let sandbox = try PipelineRunSandbox("run-lock", yaml: "name: shop\nsteps:\n  hello: {command: [sh, -c, 'echo hello $ETL_STATE_DIR >> ran.txt']}\n")
        let lockPath = sandbox.state + "/locks/shop.lock"
        try FileManager.default.createDirectory(atPath: sandbox.state + "/locks", withIntermediateDirectories: true)
        let descriptor = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        #expect(descriptor >= 0)
        defer { close(descriptor) }
        #expect(flock(descriptor, LOCK_EX | LOCK_NB) == 0)

        let busy = try sandbox.run("--no-wait")
        #expect(busy.status == 75)
        #expect(busy.stdout == "")
        #expect(busy.stderr == "etl-host: error: pipeline 'shop' is already running (lock \(lockPath)); nothing was run; wait for it with --wait\n")
        #expect(sandbox.read("ran.txt") == nil)
        #expect(sandbox.runFolders() == [])

        // Waiting (the default): it says so, and runs once the lock is free.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestSupport.hostExecutable)
        process.arguments = ["run", "-f", "project/etl.yaml"]
        process.environment = sandbox.environment
        process.currentDirectoryURL = URL(fileURLWithPath: sandbox.root)
        let errors = Pipe(), output = Pipe()
        process.standardError = errors
        process.standardOutput = output
        try process.run()
        var seen = Data()
        let expected = "etl-host: pipeline 'shop' is running in another process (lock \(lockPath)): waiting for it to end (--no-wait exits instead)\n"
        while !String(decoding: seen, as: UTF8.self).contains("\n") {
            let chunk = errors.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen.append(chunk)
        }
        #expect(String(decoding: seen, as: UTF8.self) == expected)
        #expect(sandbox.read("ran.txt") == nil)
        #expect(flock(descriptor, LOCK_UN) == 0)
        let rest = errors.fileHandleForReading.readDataToEndOfFile()
        _ = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(String(decoding: rest, as: UTF8.self))")
        #expect(sandbox.read("ran.txt") == "hello \(sandbox.state)\n")
    }

    @Test func dryRunPrintsThePlanAndChangesNothing() throws {
        let sandbox = try PipelineRunSandbox("run-dry", yaml: Self.shop, files: ["rates.csv": Self.rates, "events.jsonl": Self.events])
        let dry = try sandbox.run("--dry-run", "--full-refresh", "raw_rates")
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout == """
            shop (project/etl.yaml): 3 steps in 2 layers
            layer 1
              raw_rates   sync     reads inline csv (all streams); writes dwh
              raw_events  sync     reads inline jsonl (all streams); writes dwh
            layer 2
              report      command  needs raw_rates, raw_events; runs sh -c echo "$ETL_STEP $ETL_RUN_ID $ETL_PIPELINE" > report.txt; echo done; echo careful >&2

            Would run: raw_rates, raw_events, report
            Full refresh: raw_rates (every stream)
            Nothing was run (--dry-run).

            """)
        #expect(!FileManager.default.fileExists(atPath: sandbox.project + "/dwh.db"))
        #expect(sandbox.read("report.txt") == nil)
        #expect(sandbox.runFolders() == [])
    }

    @Test func aCommandPastItsTimeoutIsStoppedAndFails() throws {
        let sandbox = try PipelineRunSandbox("run-timeout", yaml: """
            name: slow
            steps:
              wait: {command: [sleep, "60"], timeout: 1s}
            """)
        let started = Date()
        let result = try sandbox.run()
        #expect(result.status == 1)
        #expect(result.stderr == "etl-host: error: step 'wait' failed: command sleep timed out after 1s (SIGTERM)\n")
        #expect(Date().timeIntervalSince(started) < 20)
    }
}

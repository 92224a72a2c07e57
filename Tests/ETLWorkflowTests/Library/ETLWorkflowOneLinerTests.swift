import ETLHost
import ETLPluginKit
import ETLTestSupport
import ETLWorkflow
import Foundation
import Testing

/// `ETLWorkflow(extractor:warehouse:).run(dropTables:)`, the `swift` kind
/// outside the library (the file format, `plan`, `etl-host runs show`).
@Suite struct ETLWorkflowOneLinerTests {
    @Test func dropTablesReplacesWhatAnAppendAdds() throws {
        let sandbox = try WorkflowSandbox("one-liner")
        let etl = ETLWorkflow(extractor: .plugin("csv", config: ["path": .string(sandbox.csv)]),
                              warehouse: .plugin("sqlite", config: ["path": .string(sandbox.warehouse)]))
        let first = try etl.run(dropTables: true, options: sandbox.options)
        #expect(first.pipeline == "etl-csv-sqlite")
        #expect(first.steps.map { "\($0.name)=\($0.kind.rawValue)/\($0.state.rawValue)/\($0.rows ?? -1)" } == ["sync=sync/succeeded/3"])
        _ = try etl.run(options: sandbox.options)
        #expect(try sandbox.rows("SELECT count(*), sum(rate) FROM rates") == [["6", "12.0"]])
        let replaced = try etl.run(dropTables: true, options: sandbox.options)
        #expect(replaced.status == .succeeded)
        #expect(try sandbox.rows("SELECT id, rate FROM rates ORDER BY id") == [["1", "2.5"], ["2", "3.0"], ["3", "0.5"]])
        let runs = sandbox.store.list().map(\.id)
        #expect(runs.count == 3)
        #expect(runs.contains(first.id) && runs.contains(replaced.id))
    }

    @Test func onlyTheNamedStreamsAreLoaded() throws {
        let sandbox = try WorkflowSandbox("streams")
        try Data("code,fee\nA,1\n".utf8).write(to: URL(fileURLWithPath: sandbox.root + "/fees.csv"))
        let etl = ETLWorkflow(extractor: .plugin("csv", config: ["path": "\(sandbox.root)/*.csv"]),
                              warehouse: .plugin("sqlite", config: ["path": "\(sandbox.warehouse)"]))
        let record = try etl.run(dropTables: true, streams: ["fees"], options: sandbox.options)
        #expect(record.status == .succeeded)
        let tables = try sandbox.rows("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        #expect(tables == [["_etl_runs"], ["_etl_schemas"], ["fees"]], "\(tables)")  // no rates table
        #expect(try sandbox.rows("SELECT code, fee FROM fees") == [["A", "1"]])
    }

    @Test func incrementalFromASourceWithoutItIsRefusedBeforeAnythingRuns() throws {
        let sandbox = try WorkflowSandbox("incremental")
        let line = #line + 1
        let etl = ETLWorkflow(extractor: .plugin("csv", config: ["path": "\(sandbox.csv)"]),
                              warehouse: .plugin("sqlite", config: ["path": "\(sandbox.warehouse)"]))
        do {
            _ = try etl.run(incremental: true, options: sandbox.options)
            Issue.record("ran")
        } catch let error as WorkflowError {
            let lines = error.description.components(separatedBy: "\n")
            #expect(lines.count == 2, "\(error)")
            #expect(lines.last?.hasPrefix("ETLWorkflowTests/ETLWorkflowOneLinerTests.swift:\(line):1: step 'sync': ") == true, "\(error)")
            #expect(lines.last?.contains("incremental") == true, "\(error)")
        }
        #expect(sandbox.store.list().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: sandbox.warehouse))
    }

    @Test func dropTablesWithAnotherModeIsRefused() throws {
        let etl = ETLWorkflow(extractor: .plugin("csv", config: ["path": "rates.csv"]), warehouse: .plugin("sqlite", config: ["path": "dwh.db"]))
        #expect(throws: HostError(.invalidArgument, "dropTables: true replaces the tables; it cannot be combined with mode upsert")) {
            _ = try etl.workflow(dropTables: true, mode: .upsert)
        }
    }

    @Test func aWrongPluginKindIsRefusedBeforeAnythingRuns() throws {
        let sandbox = try WorkflowSandbox("wrong-kind")
        let etl = ETLWorkflow(extractor: .plugin("sqlite", config: ["path": .string(sandbox.warehouse)]),
                              warehouse: .plugin("csv", config: ["path": .string(sandbox.csv)]))
        do {
            _ = try etl.run(dropTables: true, options: sandbox.options)
            Issue.record("ran")
        } catch let error as WorkflowError {
            #expect(error.description.hasPrefix("the workflow is invalid; nothing was run:\nETLWorkflowTests/ETLWorkflowOneLinerTests.swift:"))
            #expect(error.description.contains("sync: from"))
        }
        #expect(sandbox.store.list().isEmpty)
    }

    @Test func thePipelineFileHasNoSwiftKind() throws {
        let problems = try PipelineFixture("name: p\nsteps:\n  a: {swift: main}\n").problems()
        #expect(problems == [
            "etl.yaml:3:3: step 'a' does nothing: give it one of sync, sql (a file) or query (inline SQL), check, command",
            "etl.yaml:3:7: unknown key 'swift' in step 'a'; valid keys: needs, retries, sync, sql, query, check, command, materialize, into, target, env, cwd, timeout",
        ])
    }

    @Test func planAndRunsShowNameTheSwiftKind() throws {
        let sandbox = try WorkflowSandbox("runs-show")
        let workflow = Workflow("shown", connections: sandbox.connections, steps: [
            .sync("raw_rates", from: "rates", to: "dwh"),
            .run("announce", needs: ["raw_rates"]) { _ in },
        ])
        let pipeline = workflow.pipeline()
        let plan = try PipelinePlan(pipeline: pipeline, graph: StepGraph(pipeline)).render(.text)
        #expect(plan.hasSuffix("\nlayer 2\n  announce   swift    needs raw_rates; runs Swift code (closure)"), "\(plan)")
        let record = try workflow.run(sandbox.options)
        var environment = ProcessInfo.processInfo.environment
        environment["ETL_STATE_DIR"] = sandbox.state
        let show = try TestSupport.run(TestSupport.hostExecutable, ["runs", "show", record.id], environment: environment)
        #expect(show.status == 0, "\(show.stderr)")
        let lines = show.stdout.components(separatedBy: "\n")
        #expect(lines.prefix(2) == ["Pipeline run \(record.id)", "  pipeline:  shown (\(record.file), sha256 \(workflow.fingerprint.prefix(12))…)"])
        #expect(lines.contains { $0.hasPrefix("  announce   swift  succeeded  1         -") }, "\(show.stdout)")
        #expect(lines.contains { $0.hasPrefix("  raw_rates  sync   succeeded  1         3") }, "\(show.stdout)")
        let list = try TestSupport.run(TestSupport.hostExecutable, ["runs"], environment: environment)
        #expect(list.stdout.contains("\(record.id)  shown "), "\(list.stdout)")
        // A file cannot resume it: the program that declared it can.
        try Data("name: shown\nsteps:\n  announce: {command: [\"true\"]}\n".utf8).write(to: URL(fileURLWithPath: sandbox.root + "/etl.yaml"))
        let resume = try TestSupport.run(TestSupport.hostExecutable, ["run", "-f", sandbox.root + "/etl.yaml", "--resume", record.id],
                                         environment: environment)
        #expect(resume.status == 64)
        #expect(resume.stderr == "etl-host: error: cannot resume run \(record.id) with a pipeline file: it ran a workflow declared in Swift "
                + "(\(record.file)); resume it from that program (WorkflowRunOptions.resume)\n")
    }
}

import ETLHost
import ETLTestSupport
import ETLWorkflow
import Foundation
import Testing

/// A folder with a CSV file, a SQLite warehouse path and a state folder,
/// and the bundled plugins of this build (the registry a program gets
/// when it names the etl-host build folder).
struct WorkflowSandbox {
    let root: String
    var csv: String { root + "/rates.csv" }
    var warehouse: String { root + "/dwh.db" }
    var state: String { root + "/state" }
    let options: WorkflowRunOptions

    init(_ label: String, rates: String = "id,rate\n1,2.5\n2,3.0\n3,0.5\n") throws {
        root = try TestSupport.temporaryDirectory("workflow-\(label)")
        try Data(rates.utf8).write(to: URL(fileURLWithPath: root + "/rates.csv"))
        var options = WorkflowRunOptions()
        options.registry = try WorkflowPlugins.registry(etlHostDirectory: TestSupport.productsDirectory, environment: [:])
        options.stateDirectory = root + "/state"
        options.logLevel = .error
        self.options = options
    }

    var connections: [String: PluginConnection] {
        ["rates": .plugin("csv", config: ["path": .string(csv)]), "dwh": .plugin("sqlite", config: ["path": .string(warehouse)])]
    }

    func rows(_ sql: String) throws -> [[String?]] { try SQLiteInspector(path: warehouse).rows(sql) }

    var store: PipelineRunStore { PipelineRunStore(runs: RunStore(stateDirectory: state)) }
}

/// Counts calls across the engine's threads.
final class CallCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    private var seen: [String] = []

    /// Counts a call and returns its number (from 1).
    func next(_ note: String = "") -> Int { lock.withLock { count += 1; seen.append(note); return count } }
    var calls: Int { lock.withLock { count } }
    var notes: [String] { lock.withLock { seen } }
}

private func states(_ record: PipelineRunRecord) -> [String] {
    record.steps.map { "\($0.name)=\($0.kind.rawValue)/\($0.state.rawValue)/\($0.attempts)" }
}

/// The library API: workflows declared in Swift, run by the pipeline engine
/// with the real CSV and SQLite plugins.
@Suite struct WorkflowTests {
    @Test func aSyncAndAClosureRunUnderOneRecordedRunID() throws {
        let sandbox = try WorkflowSandbox("sync-closure")
        let seen = CallCounter()
        let workflow = Workflow("rates", connections: sandbox.connections, steps: [
            .sync("raw_rates", from: "rates", to: "dwh"),
            .run("announce", needs: ["raw_rates"]) { context in
                let total = try SQLiteInspector(path: sandbox.warehouse).scalar("SELECT sum(rate) FROM rates") ?? "none"
                _ = seen.next("\(context.step) \(context.runID) attempt \(context.attempt) pipeline \(context.pipeline) total \(total)")
                context.log("the rates add up to \(total)")
            },
        ])
        let record = try workflow.run(sandbox.options)
        #expect(states(record) == ["raw_rates=sync/succeeded/1", "announce=swift/succeeded/1"])
        #expect(record.status == .succeeded)
        #expect(record.exitStatus == .success)
        #expect(record.pipeline == "rates")
        #expect(record.file.hasPrefix("swift:"))
        #expect(record.steps.map(\.rows) == [3, nil])
        #expect(try sandbox.rows("SELECT id, rate FROM rates ORDER BY id") == [["1", "2.5"], ["2", "3.0"], ["3", "0.5"]])
        // The closure ran after the sync, once, inside the run.
        #expect(seen.notes == ["announce \(record.id) attempt 1 pipeline rates total 6.0"])
        // Recorded as a file's run is: pipeline.json, the sync run linked, the closure's line in the run's log.
        #expect(try sandbox.store.load(record.id) == record)
        #expect(sandbox.store.list().map(\.id) == [record.id])
        let syncRuns = record.steps[0].syncRuns
        #expect(syncRuns.count == 1)
        let log = try String(contentsOfFile: RunStore(stateDirectory: sandbox.state).logPath(record.id), encoding: .utf8)
        #expect(log.contains("[announce swift] the rates add up to 6.0"))
    }

    @Test func aFailingClosureBlocksWhatNeedsItAndIndependentStepsStillRun() throws {
        struct Broken: Error, CustomStringConvertible { var description: String { "the rates look wrong" } }
        let sandbox = try WorkflowSandbox("failing-closure")
        let counter = CallCounter()
        let workflow = Workflow("failing", connections: sandbox.connections, steps: [
            .run("inspect") { _ in throw Broken() },
            .run("publish", needs: ["inspect"]) { _ in _ = counter.next("publish") },
            .sync("raw_rates", from: "rates", to: "dwh"),
        ])
        let record = try workflow.run(sandbox.options)
        #expect(states(record) == ["inspect=swift/failed/1", "raw_rates=sync/succeeded/1", "publish=swift/upstream_failed/0"])
        #expect(record.step("inspect")?.error == "step 'inspect': the rates look wrong")
        #expect(record.step("inspect")?.exitCode == 1)
        #expect(record.step("publish")?.error == "not run: it needs 'inspect', which did not succeed")
        #expect(record.status == .failed)
        #expect(record.exitStatus == .failure)
        #expect(counter.calls == 0)
        #expect(try sandbox.rows("SELECT count(*) FROM rates") == [["3"]])
        #expect(try sandbox.store.load(record.id) == record)
    }

    @Test func aTransientHostErrorIsRetriedAPermanentOneIsNot() throws {
        let sandbox = try WorkflowSandbox("retries")
        let flaky = CallCounter(), permanent = CallCounter()
        let retries = RetrySettings(maxAttempts: 3, delay: PipelineDuration(seconds: 0))
        let workflow = Workflow("retries", steps: [
            .run("flaky", retries: retries) { context in
                if flaky.next("attempt \(context.attempt)") < 3 {
                    throw HostError(.operationFailed, "the service is busy", retryable: true)
                }
            },
            .run("permanent", retries: retries) { _ in
                _ = permanent.next()
                throw HostError(.operationFailed, "no such account")
            },
        ])
        let record = try workflow.run(sandbox.options)
        #expect(states(record) == ["flaky=swift/succeeded/3", "permanent=swift/failed/1"])
        #expect(flaky.notes == ["attempt 1", "attempt 2", "attempt 3"])
        #expect(permanent.calls == 1)
        #expect(record.step("permanent")?.error == "no such account")
    }

    @Test func aCancellationFromCodeStopsTheRunAndCancelsWhatIsPending() throws {
        let sandbox = try WorkflowSandbox("cancel")
        var options = sandbox.options
        let cancellation = Cancellation()
        options.cancellation = cancellation
        let counter = CallCounter()
        let workflow = Workflow("cancel", steps: [
            .run("stop") { context in
                cancellation.cancel(reason: "the operator asked")
                #expect(context.cancellation.isCancelled)
                throw HostError(.cancelled, "stopped on request")
            },
            .run("later", needs: ["stop"]) { _ in _ = counter.next() },
            .run("other") { _ in _ = counter.next() },
        ])
        let record = try workflow.run(options)
        #expect(states(record) == ["stop=swift/cancelled/1", "other=swift/cancelled/0", "later=swift/cancelled/0"])
        #expect(record.status == .cancelled)
        #expect(record.exitStatus == .cancelled)
        #expect(record.step("other")?.error == "not started: the run was cancelled (the operator asked)")
        #expect(counter.calls == 0)
    }

    @Test func aResumeRerunsOnlyWhatDidNotSucceedAndRefusesAChangedWorkflow() throws {
        let sandbox = try WorkflowSandbox("resume")
        let first = CallCounter(), flaky = CallCounter(), last = CallCounter()
        let fixed = Cancellation()  // raised: the data is fixed (any thread-safe flag would do)
        let steps: [Step] = [
            .run("load") { _ in _ = first.next() },
            .run("check", needs: ["load"]) { _ in
                _ = flaky.next()
                guard fixed.isCancelled else { throw HostError(.operationFailed, "2 rows fail") }
            },
            .run("publish", needs: ["check"]) { _ in _ = last.next() },
        ]
        let failed = try Workflow("resume", steps: steps).run(sandbox.options)
        #expect(states(failed) == ["load=swift/succeeded/1", "check=swift/failed/1", "publish=swift/upstream_failed/0"])

        // Another declaration: refused, nothing runs.
        var changed = sandbox.options
        changed.resume = failed.id
        #expect(throws: HostError(.invalidArgument, "cannot resume run \(failed.id): the pipeline file \(failed.file) changed since that run (sha256 \(failed.fileSHA256.prefix(12))… then, \(Workflow("resume", steps: steps.dropLast()).fingerprint.prefix(12))… now); a resume re-runs with the same inputs: restore the file, or start a new run without --resume")) {
            _ = try Workflow("resume", steps: Array(steps.dropLast())).run(changed)
        }
        #expect(throws: HostError(.invalidArgument, "cannot resume run \(failed.id): it is a run of 'resume', not of workflow 'other'")) {
            _ = try Workflow("other", steps: steps).run(changed)
        }
        #expect(flaky.calls == 1)

        fixed.cancel(reason: "fixed")
        var options = sandbox.options
        options.resume = String(failed.id.prefix(24))
        let resumed = try Workflow("resume", steps: steps).run(options)
        #expect(states(resumed) == ["load=swift/skipped/0", "check=swift/succeeded/1", "publish=swift/succeeded/1"])
        #expect(resumed.resumedFrom == failed.id)
        #expect(resumed.fileSHA256 == failed.fileSHA256)
        #expect(resumed.status == .succeeded)
        #expect((first.calls, flaky.calls, last.calls) == (1, 2, 1))
        #expect(sandbox.store.list().map(\.id) == [failed.id, resumed.id])
    }

    @Test func theFingerprintFollowsTheDeclarationNotTheLines() {
        func workflow(_ path: String, retries: Int = 1) -> Workflow {
            Workflow("f", connections: ["dwh": .plugin("sqlite", config: ["path": .string(path), "options": ["b": 1, "a": [true, nil]]])],
                     steps: [.sync("s", from: "dwh", to: "dwh", retries: RetrySettings(maxAttempts: retries, delay: PipelineDuration(seconds: 1)))])
        }
        let one = workflow("a.db")
        let same = workflow("a.db")  // another line
        #expect(one.fingerprint == same.fingerprint)
        #expect(one.fingerprint.count == 64)
        #expect(workflow("b.db").fingerprint != one.fingerprint)
        #expect(workflow("a.db", retries: 2).fingerprint != one.fingerprint)
        #expect(Workflow("f", connections: one.connections, steps: [.command("s", ["true"])]).fingerprint != one.fingerprint)
    }

    @Test func aTypeConformingToWorkflowTaskRunsAsAStep() throws {
        struct Mark: WorkflowTask {
            let counter: CallCounter
            func run(_ context: WorkflowTaskContext) throws { _ = counter.next("\(context.step)#\(context.attempt)") }
        }
        let sandbox = try WorkflowSandbox("task")
        let counter = CallCounter()
        let record = try Workflow("task", steps: [.task("mark", Mark(counter: counter))]).run(sandbox.options)
        #expect(states(record) == ["mark=swift/succeeded/1"])
        #expect(counter.notes == ["mark#1"])
    }

    @Test func invalidWorkflowsAreRefusedNamingTheSwiftLineAndNothingRuns() throws {
        let sandbox = try WorkflowSandbox("invalid")
        let counter = CallCounter()
        let line = #line + 2
        let workflow = Workflow("invalid", connections: sandbox.connections, steps: [
            .sync("raw", from: "rates", to: "warehouse"),
            .run("after", needs: ["raw", "nowhere"]) { _ in _ = counter.next() },
            .run("after") { _ in _ = counter.next() },
        ])
        do {
            _ = try workflow.run(sandbox.options)
            Issue.record("the workflow ran")
        } catch let error as WorkflowError {
            #expect(error.exitStatus == .usage)
            #expect(error.description == """
                the workflow is invalid; nothing was run:
                ETLWorkflowTests/WorkflowTests.swift:\(line):1: step 'raw': to: no connection named 'warehouse'; the workflow's connections: dwh, rates
                ETLWorkflowTests/WorkflowTests.swift:\(line + 2):1: step 'after' is declared twice; step names must be unique
                """)
        }
        #expect(counter.calls == 0)
        #expect(sandbox.store.list().isEmpty)
    }

    @Test func aCycleAndAnUnknownNeedAreRefusedByTheGraph() throws {
        let sandbox = try WorkflowSandbox("cycle")
        let line = #line + 2
        let workflow = Workflow("cycle", steps: [
            .run("a", needs: ["b"]) { _ in },
            .run("b", needs: ["a"]) { _ in },
            .run("c", needs: ["ghost"]) { _ in },
        ])
        #expect(throws: WorkflowError.self) { try workflow.run(sandbox.options) }
        let problems = workflow.problems(registry: try #require(sandbox.options.registry), executors: [.swift])
        let text = try #require(problems).items.map(\.description)
        #expect(text == [
            "ETLWorkflowTests/WorkflowTests.swift:\(line):1: the steps form a cycle: a -> b -> a (each needs the next)",
            "ETLWorkflowTests/WorkflowTests.swift:\(line + 2):1: step 'c' needs an unknown step 'ghost'; steps: a, b, c",
        ])
        #expect(sandbox.store.list().isEmpty)
    }

    @Test func theEtlHostFolderComesFromTheEnvironmentOrThePath() throws {
        let root = try TestSupport.temporaryDirectory("host-dir")
        let install = root + "/opt/etl/bin", bin = root + "/bin"
        for folder in [install, bin, root + "/empty"] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        FileManager.default.createFile(atPath: install + "/etl-host", contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: 0o755])
        try FileManager.default.createSymbolicLink(atPath: bin + "/etl-host", withDestinationPath: install + "/etl-host")
        #expect(WorkflowPlugins.hostDirectory(environment: ["PATH": "\(root)/empty:\(bin)"]) == install)
        #expect(WorkflowPlugins.hostDirectory(environment: ["PATH": bin, "ETL_HOST_DIR": "/srv/etl"]) == "/srv/etl")
        #expect(WorkflowPlugins.hostDirectory(environment: ["PATH": root + "/empty"]) == nil)
        // The bundled registry and its @host/ plugins are those of the folder found.
        let registry = try WorkflowPlugins.registry(environment: ["ETL_HOST_DIR": TestSupport.productsDirectory])
        let csv = try registry.plugin(named: "csv")
        #expect(csv.libraryPath == TestSupport.productsDirectory + "/libetl_csv.so")
    }

    @Test func anotherRunHoldingTheLockIsReportedWithoutWaiting() throws {
        let sandbox = try WorkflowSandbox("locked")
        var options = sandbox.options
        options.wait = false
        let state = try HostEnvironment.prepareStateDirectory(environment: ["ETL_STATE_DIR": sandbox.state])
        let held = try PipelineLock(pipeline: "locked", runID: "OTHER", stateDirectory: state, wait: false, cancellation: Cancellation())
        defer { held.release() }
        let counter = CallCounter()
        do {
            _ = try Workflow("locked", steps: [.run("a") { _ in _ = counter.next() }]).run(options)
            Issue.record("the workflow ran under a held lock")
        } catch let error as WorkflowError {
            #expect(error.exitStatus == .locked)
            #expect(error.description == "workflow 'locked' is already running (pid \(getpid()), run OTHER; lock \(state)/locks/locked.lock); nothing was run")
        }
        #expect(counter.calls == 0)
    }
}

import ETLHost
import ETLTestSupport
@testable import ETLWorkflow
import Foundation
import Testing

/// The scheduler and the step state machine, on a fake clock with scripted executors.
@Suite struct PipelineEngineTests {
    static let diamond = """
        name: shop
        steps:
          a: {command: [a]}
          b: {needs: [a], command: [b]}
          c: {command: [c]}
          d: {needs: [b], command: [d]}
        """

    struct Harness {
        let pipeline: PipelineFile
        let clock = FakeClock()
        let cancellation = Cancellation()
        let state: String
        let executor: ScriptedExecutor

        init(_ yaml: String = PipelineEngineTests.diamond, _ scripts: [String: [ScriptedExecutor.Attempt]] = [:]) throws {
            pipeline = try PipelineFixture(yaml).parse()
            state = try TestSupport.temporaryDirectory("engine-state")
            executor = ScriptedExecutor(scripts, clock: clock, cancellation: cancellation)
        }

        func run(parallel: Int = 1, done: Set<String> = []) throws -> PipelineRunRecord {
            var options = EngineOptions()
            options.parallel = parallel
            options.done = done
            options.stateDirectory = state
            options.file = "etl.yaml"
            options.fileSHA256 = "abc"
            let store = PipelineRunStore(runs: RunStore(stateDirectory: state))
            let engine = PipelineEngine(pipeline: pipeline, graph: try StepGraph(pipeline), executors: [.command: executor],
                                        runID: "R1", log: RunLog(runID: "R1", path: nil, echo: false), store: store,
                                        clock: clock, cancellation: cancellation, options: options)
            let record = try engine.run()
            // What the state folder holds is what run() returned.
            #expect(try store.load("R1") == record)
            return record
        }
    }

    private func states(_ record: PipelineRunRecord) -> [String] {
        record.steps.map { "\($0.name)=\($0.state.rawValue)/\($0.attempts)" }
    }

    @Test func oneAtATimeInPlanOrderWithTimesFromTheClock() throws {
        let harness = try Harness(Self.diamond, ["a": [.ok(3)], "c": [.ok(5)]])
        let record = try harness.run()
        #expect(harness.executor.calls == ["a#1", "c#1", "b#1", "d#1"])
        #expect(states(record) == ["a=succeeded/1", "c=succeeded/1", "b=succeeded/1", "d=succeeded/1"])
        #expect(record.status == .succeeded)
        #expect(record.exitStatus == .success)
        #expect(record.steps.map(\.seconds) == [2, 2, 2, 2])
        #expect(record.steps.map(\.rows) == [3, 5, nil, nil])
        #expect(record.startedAt == "2027-01-15T08:00:00.000Z")
        #expect(record.durationSeconds == 8)
        #expect(record.steps[1].startedAt == "2027-01-15T08:00:02.000Z")
    }

    @Test func aFailureBlocksItsDownstreamAndIndependentStepsFinish() throws {
        let harness = try Harness(Self.diamond, ["b": [.fail(HostError(.operationFailed, "command b exited with status 3"))]])
        let record = try harness.run()
        #expect(states(record) == ["a=succeeded/1", "c=succeeded/1", "b=failed/1", "d=upstream_failed/0"])
        #expect(record.step("b")?.error == "command b exited with status 3")
        #expect(record.step("b")?.exitCode == 1)
        #expect(record.step("d")?.error == "not run: it needs 'b', which did not succeed")
        #expect(record.status == .failed)
        #expect(record.exitStatus == .failure)
        #expect(!harness.executor.calls.contains("d#1"))
    }

    @Test func transientFailuresAreRetriedWithADoublingDelayPermanentOnesAreNot() throws {
        let yaml = """
            steps:
              flaky: {command: [x], retries: {max_attempts: 3, delay: 10s}}
              broken: {command: [y], retries: {max_attempts: 3, delay: 10s}}
            """
        let busy = HostError(.operationFailed, "database is locked", retryable: true)
        let harness = try Harness(yaml, ["flaky": [.fail(busy), .fail(busy), .ok(1)],
                                         "broken": [.fail(HostError(.badData, "row 2: not a number"))]])
        let record = try harness.run()
        #expect(states(record) == ["flaky=succeeded/3", "broken=failed/1"])
        #expect(harness.clock.waits == [10, 20])
        // Three attempts of 2 s and the waits between them.
        #expect(record.step("flaky")?.seconds == 36)
        #expect(record.exitStatus == .badData)
    }

    @Test func transientFailuresStopAtMaxAttempts() throws {
        let busy = HostError(.operationFailed, "database is locked", retryable: true)
        let harness = try Harness("steps:\n  s: {command: [x], retries: {max_attempts: 2, delay: 1s}}\n", ["s": [.fail(busy), .fail(busy), .ok(1)]])
        let record = try harness.run()
        #expect(states(record) == ["s=failed/2"])
        #expect(record.step("s")?.error == "database is locked")
        #expect(harness.clock.waits == [1])
    }

    @Test func aFailedCheckFailsTheStepWithItsOwnExitCode() throws {
        let harness = try Harness(Self.diamond, ["b": [.checkFailed(4)]])
        let record = try harness.run()
        #expect(states(record) == ["a=succeeded/1", "c=succeeded/1", "b=failed/1", "d=upstream_failed/0"])
        #expect(record.step("b")?.checkFailures == 4)
        #expect(record.step("b")?.error == "4 rows fail")
        #expect(record.exitStatus == .checkFailed)
        #expect(ExitStatus.checkFailed.rawValue == 3)
    }

    @Test func stepsDoneByAnEarlierRunAreSkippedAndLetTheirDownstreamRun() throws {
        let harness = try Harness()
        let record = try harness.run(done: ["a", "c"])
        #expect(harness.executor.calls == ["b#1", "d#1"])
        #expect(states(record) == ["a=skipped/0", "c=skipped/0", "b=succeeded/1", "d=succeeded/1"])
        #expect(record.status == .succeeded)
    }

    @Test func aCancellationStopsTheRunningStepAndCancelsThePendingOnes() throws {
        let harness = try Harness(Self.diamond, ["c": [.cancelRun]])
        let record = try harness.run()
        #expect(harness.executor.calls == ["a#1", "c#1"])
        #expect(states(record) == ["a=succeeded/1", "c=cancelled/1", "b=cancelled/0", "d=cancelled/0"])
        #expect(record.step("b")?.error == "not started: the run was cancelled (received SIGINT)")
        #expect(record.status == .cancelled)
        #expect(record.exitStatus == .cancelled)
    }

    @Test func inParallelEveryStepStillRunsOnceAfterItsNeeds() throws {
        let harness = try Harness(Self.diamond, ["c": [.fail(HostError(.operationFailed, "no"))]])
        let record = try harness.run(parallel: 3)
        let calls = harness.executor.calls
        #expect(Set(calls) == ["a#1", "b#1", "c#1", "d#1"])
        #expect(calls.firstIndex(of: "a#1")! < calls.firstIndex(of: "b#1")!)
        #expect(calls.firstIndex(of: "b#1")! < calls.firstIndex(of: "d#1")!)
        #expect(states(record) == ["a=succeeded/1", "c=failed/1", "b=succeeded/1", "d=succeeded/1"])
        #expect(record.parallel == 3)
    }
}

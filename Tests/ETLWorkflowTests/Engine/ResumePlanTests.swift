import ETLHost
@testable import ETLWorkflow
import Foundation
import Testing

/// What `--resume` re-runs, and `--full-refresh` parsing.
@Suite struct ResumePlanTests {
    private func record(_ states: [(String, StepState)], sha: String = "abc") -> PipelineRunRecord {
        var record = PipelineRunRecord(id: "R1", pipeline: "shop", file: "etl.yaml", fileSHA256: sha, startedAt: "t",
                                       steps: states.map { StepRecord(name: $0.0, kind: .command) })
        for (index, state) in states.enumerated() { record.steps[index].state = state.1 }
        record.status = .failed
        return record
    }

    @Test func whatDidNotSucceedAndItsDownstreamRunAgain() throws {
        let graph = try StepGraph(PipelineFixture(PipelineEngineTests.diamond).parse())
        let plan = try ResumePlan(previous: record([("a", .succeeded), ("c", .succeeded), ("b", .failed), ("d", .upstreamFailed)]),
                                  graph: graph, currentSHA256: "abc")
        #expect(plan.rerun == ["b", "d"])
        #expect(plan.done == ["a", "c"])
        #expect(plan.selected == ["a", "c", "b", "d"])
        // A step killed while running, after a skipped one.
        let killed = try ResumePlan(previous: record([("a", .skipped), ("c", .running), ("b", .succeeded), ("d", .pending)]),
                                    graph: graph, currentSHA256: "abc")
        #expect(killed.rerun == ["c", "d"])
        #expect(killed.done == ["a", "b"])
    }

    @Test func aChangedFileIsRefused() throws {
        let graph = try StepGraph(PipelineFixture(PipelineEngineTests.diamond).parse())
        #expect(throws: HostError(.invalidArgument, "cannot resume run R1: the pipeline file etl.yaml changed since that run (sha256 aaaaaaaaaaaa… then, bbbbbbbbbbbb… now); a resume re-runs with the same inputs: restore the file, or start a new run without --resume")) {
            try ResumePlan(previous: record([("a", .failed)], sha: String(repeating: "a", count: 64)), graph: graph,
                           currentSHA256: String(repeating: "b", count: 64))
        }
    }

    @Test func fullRefreshNamesSyncStepsAndStreams() throws {
        let pipeline = try PipelineFixture("""
            connections:
              dwh: {plugin: sqlite, path: w.db}
            steps:
              raw: {sync: {from: {plugin: csv, path: a.csv}, to: dwh}}
              cmd: {command: [x]}
              listed: {sync: {from: {plugin: csv, path: a.csv}, to: dwh, streams: [a]}}
            """).parse()
        #expect(try FullRefreshSelection.parse(["raw.Orders", "raw.Items"], steps: pipeline.steps) == ["raw": ["Orders", "Items"]])
        #expect(try FullRefreshSelection.parse(["raw.Orders", "raw"], steps: pipeline.steps) == ["raw": []])
        #expect(throws: HostError(.invalidArgument, "--full-refresh 'cmd': step 'cmd' is a command step; only sync steps keep incremental state")) {
            try FullRefreshSelection.parse(["cmd"], steps: pipeline.steps)
        }
        #expect(try FullRefreshSelection.parse(["listed.a"], steps: pipeline.steps) == ["listed": ["a"]])
        #expect(throws: HostError(.invalidArgument, "--full-refresh 'listed.b': step 'listed' has no stream 'b'; its streams: a")) {
            try FullRefreshSelection.parse(["listed.b"], steps: pipeline.steps)
        }
        #expect(throws: HostError(.invalidArgument, "--full-refresh 'rw.Orders': no step 'rw' among the steps that run; steps: raw, cmd, listed")) {
            try FullRefreshSelection.parse(["rw.Orders"], steps: pipeline.steps)
        }
    }
}

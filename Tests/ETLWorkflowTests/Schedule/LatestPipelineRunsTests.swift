import ETLHost
import ETLTestSupport
@testable import ETLWorkflow
import Foundation
import Testing

/// ``LatestPipelineRuns``: each pipeline's newest run, read incrementally.
@Suite struct LatestPipelineRunsTests {
    private func record(_ id: String, _ pipeline: String, at startedAt: String, _ status: PipelineRunRecord.Status) -> PipelineRunRecord {
        var record = PipelineRunRecord(id: id, pipeline: pipeline, file: "etl.yaml", fileSHA256: "x", startedAt: startedAt, steps: [])
        record.status = status
        return record
    }

    @Test func newRunsAndEndedRunsAreSeenOnTheNextRefresh() throws {
        let state = try TestSupport.temporaryDirectory("latest-runs")
        let store = PipelineRunStore(runs: RunStore(stateDirectory: state))
        try store.save(record("r1", "a", at: "2026-12-06T10:00:00.000Z", .succeeded))
        try store.save(record("r2", "b", at: "2026-12-06T11:00:00.000Z", .failed))
        try store.save(record("r3", "a", at: "2026-12-06T12:00:00.000Z", .running))
        try FileManager.default.createDirectory(atPath: state + "/runs/s1", withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: state + "/runs/s1/run.json"))
        var latest = LatestPipelineRuns()
        latest.refresh(store)
        #expect(latest.latest(of: ["a", "b", "c"]).mapValues(\.id) == ["a": "r3", "b": "r2"])
        #expect(latest.latest(of: ["a"])["a"]?.status == .running)

        // r3 ends, b runs again, an older run of a turns up late: the newest stays.
        try store.save(record("r3", "a", at: "2026-12-06T12:00:00.000Z", .succeeded))
        try store.save(record("r4", "b", at: "2026-12-06T13:00:00.000Z", .succeeded))
        try store.save(record("r0", "a", at: "2026-12-06T09:00:00.000Z", .failed))
        latest.refresh(store)
        #expect(latest.latest(of: ["a", "b"]).mapValues(\.id) == ["a": "r3", "b": "r4"])
        #expect(latest.latest(of: ["a"])["a"]?.status == .succeeded)
    }
}

@testable import ETLHost
import ETLPluginKit
import Foundation
import Testing

/// ``RebuildPlan``: which runs rebuild the tables as of an instant, in order.
@Suite struct RebuildPlanTests {
    static let start = Date(timeIntervalSince1970: 1_796_000_000)

    /// A run of `pipeline` started at hour `hour` and ended half an hour later.
    private func run(_ id: String, _ pipeline: String, _ mode: WriteMode, hour: Double, streams: [(String, StreamStatus)] = [("s", .succeeded)],
                     replayOf: String? = nil) -> RunRecord {
        var record = RunRecord(id: id, pipeline: pipeline, extractor: "csv", warehouse: "sqlite", mode: mode, status: .succeeded,
                               startedAt: Timestamp.iso8601(Self.start.addingTimeInterval(hour * 3600)), streams: [], retries: [], pid: 1,
                               sourceConfig: [:], destinationConfig: [:], incremental: false, deletions: .keep, primaryKey: nil,
                               snapshot: true, replayOf: replayOf)
        record.finishedAt = Timestamp.iso8601(Self.start.addingTimeInterval(hour * 3600 + 1800))
        record.streams = streams.map { name, status in
            StreamReport(stream: name, table: name, status: status, rowsRead: 1, rowsWritten: 1, rowsRejected: 0, newColumns: [],
                         widenedColumns: [], seconds: 1, error: nil, committed: status == .succeeded)
        }
        return record
    }

    private func at(_ hour: Double) -> Date { Self.start.addingTimeInterval(hour * 3600) }

    @Test func eachPipelineFromItsLastReplaceLoadInterleavedByStart() throws {
        let runs = [
            run("a1", "a", .replace, hour: 0), run("b1", "b", .upsert, hour: 1), run("a2", "a", .upsert, hour: 2),
            run("a3", "a", .replace, hour: 3), run("b2", "b", .upsert, hour: 4), run("a4", "a", .upsert, hour: 5),
            run("r1", "a", .replace, hour: 5.2, replayOf: "a1"), run("a5", "a", .upsert, hour: 7),
        ]
        let plan = try RebuildPlan(runs: runs.shuffled(), asOf: at(6)) { _ in true }
        #expect(plan.steps.map(\.run.id) == ["b1", "a3", "b2", "a4"])
        #expect(try RebuildPlan(runs: runs, asOf: at(6), pipeline: "a") { _ in true }.steps.map(\.run.id) == ["a3", "a4"])
        // A run that had not ended by then is left out: a4 ends at 5.5.
        #expect(try RebuildPlan(runs: runs, asOf: at(5.4), pipeline: "a") { _ in true }.steps.map(\.run.id) == ["a3"])
    }

    @Test func onlyCommittedStreamsAreReplayed() throws {
        let runs = [
            run("a1", "a", .replace, hour: 0, streams: [("s", .succeeded), ("t", .failed), ("u", .skipped)]),
            run("a2", "a", .upsert, hour: 1, streams: [("s", .cancelled)]),
        ]
        let plan = try RebuildPlan(runs: runs, asOf: at(9)) { _ in true }
        #expect(plan.steps.map(\.run.id) == ["a1"])
        #expect(plan.steps.map(\.streams) == [["s"]])
    }

    @Test func aMissingSnapshotIsNamed() throws {
        let runs = [run("a1", "a", .replace, hour: 0), run("a2", "a", .upsert, hour: 1)]
        #expect(throws: HostError.self) { try RebuildPlan(runs: runs, asOf: at(9)) { $0.id != "a2" } }
        // A snapshot before the last replace load is not needed.
        let later = runs + [run("a3", "a", .replace, hour: 2)]
        #expect(try RebuildPlan(runs: later, asOf: at(9)) { $0.id != "a2" }.steps.map(\.run.id) == ["a3"])
    }
}

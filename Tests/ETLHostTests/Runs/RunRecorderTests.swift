@testable import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// ``RunRecorder`` writes the run record when it starts, after each
/// stream and at its end, with times from the run's clock.
@Suite struct RunRecorderTests {
    private func record(_ clock: any RunClock) -> RunRecord {
        RunRecord(id: "20261206T120000000Z-0000002a", pipeline: "csv_to_sqlite", extractor: "csv", warehouse: "sqlite",
                  mode: .replace, status: .running, startedAt: clock.timestamp(), streams: [], retries: [], pid: 42,
                  sourceConfig: [:], destinationConfig: [:], incremental: false, deletions: .keep, primaryKey: nil,
                  snapshot: false, replayOf: nil)
    }

    @Test func theRecordIsSavedAtStartAfterEachStreamAndAtTheEnd() throws {
        let store = RunStore(stateDirectory: try TestSupport.temporaryDirectory("recorder"))
        let clock = FakeClock(Date(timeIntervalSince1970: 1_796_000_000))
        let log = RunLog(runID: "r", path: nil, echo: false)
        let recorder = RunRecorder(record(clock), store: store, log: log, clock: clock)
        try recorder.save()
        let id = "20261206T120000000Z-0000002a"
        #expect(try store.load(id).status == .running)
        #expect(try store.load(id).startedAt == "2026-11-30T00:53:20.000Z")

        let report = StreamReport(stream: "orders", table: "orders", status: .succeeded, rowsRead: 3, rowsWritten: 3,
                                  rowsRejected: 0, newColumns: [], widenedColumns: [], seconds: 0.5, error: nil, committed: true)
        log.hostRetry(stream: "orders", attempt: 1, of: 3, reason: "busy", wait: 1)
        recorder.streamEnded(report)
        #expect(try store.load(id).streams == [report])
        #expect(try store.load(id).retries.map(\.reason) == ["busy"])

        recorder.snapshotKept()
        clock.advance(2.5)
        recorder.finish(status: .succeeded, error: nil)
        let finished = try store.load(id)
        #expect(finished.status == .succeeded)
        #expect(finished.finishedAt == "2026-11-30T00:53:22.500Z")
        #expect(finished.durationSeconds == 2.5)
        #expect(finished.snapshot)
        #expect(finished.error == nil)
    }

    @Test func withoutAStoreTheRecordIsKeptInMemory() throws {
        let clock = FakeClock()
        let recorder = RunRecorder(record(clock), store: nil, log: RunLog(runID: "r", path: nil, echo: false), clock: clock)
        try recorder.save()
        recorder.finish(status: .failed, error: "boom")
        #expect(recorder.current.status == .failed)
        #expect(recorder.current.error == "boom")
    }
}

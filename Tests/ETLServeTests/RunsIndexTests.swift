@testable import ETLServe
import ETLTestSupport
import ETLWorkflow
import Foundation
import Testing

/// The runs index: built from the run folders, refreshed incrementally,
/// keyset pages newest first, filters.
@Suite struct RunsIndexTests {
    /// 30 pipeline runs of two pipelines (every third failed, every fifth scheduled)
    /// and, per pipeline run, one sync run belonging to it; plus 2 sync runs of their own.
    func history() throws -> RunHistoryFixture {
        let fixture = try RunHistoryFixture("runs-index")
        for second in 0 ..< 30 {
            let id = RunHistoryFixture.id(second * 10)
            try fixture.pipelineRun(id, pipeline: second % 2 == 0 ? "shop" : "crm", at: second * 10,
                                    status: second % 3 == 0 ? .failed : .succeeded, trigger: second % 5 == 0 ? .schedule : .cli,
                                    log: ["info: started", "warn: slow", second % 3 == 0 ? "error: broke" : "info: done"])
            try fixture.syncRun(RunHistoryFixture.id(second * 10, 1), at: second * 10, parent: id)
        }
        try fixture.syncRun(RunHistoryFixture.id(1000), at: 1000, streams: [RunHistoryFixture.stream("a", table: "a", rows: 7)])
        try fixture.syncRun(RunHistoryFixture.id(1001), at: 1001, status: "failed", error: "cannot open a.csv")
        return fixture
    }

    @Test func pagesAreNewestFirstAndKeysetPagesCoverEveryTopLevelRunOnce() async throws {
        let fixture = try history()
        let index = try RunsIndex(stateFolder: fixture.state)
        var seen: [String] = []
        var filter = RunsFilter(limit: 7)
        var pages = 0
        while true {
            let page = try await index.page(filter)
            seen += page.runs.map(\.id)
            pages += 1
            guard let next = page.next else { break }
            filter.after = RunsCursor(text: next)
        }
        #expect(pages == 5)
        #expect(seen.count == 32)
        #expect(Set(seen).count == 32)
        #expect(seen.first == RunHistoryFixture.id(1001))
        #expect(seen == seen.sorted(by: >))
        #expect(try await index.count() == 62)
    }

    @Test func summariesCarryRowsCountsAndTheError() async throws {
        let fixture = try history()
        let index = try RunsIndex(stateFolder: fixture.state)
        let page = try await index.page(RunsFilter(limit: 3))
        let failedSync = try #require(page.runs.first)
        #expect(failedSync.kind == .sync)
        #expect(failedSync.status == "failed")
        #expect(failedSync.error == "cannot open a.csv")
        #expect(page.runs[1].rows == 7)
        let pipelineRun = page.runs[2]
        #expect(pipelineRun.id == RunHistoryFixture.id(290))
        #expect(pipelineRun.kind == .pipeline)
        #expect(pipelineRun.pipeline == "crm")
        #expect(pipelineRun.rows == 10)
        #expect(pipelineRun.warnings == 1)
        #expect(pipelineRun.errors == 0)
        #expect(pipelineRun.durationSeconds == 3)
    }

    @Test func filtersByPipelineStatusTriggerKindAndTime() async throws {
        let fixture = try history()
        let index = try RunsIndex(stateFolder: fixture.state)
        let shopFailed = try await index.page(RunsFilter(pipeline: "shop", status: .failed, limit: 100)).runs
        #expect(shopFailed.map(\.id) == [24, 18, 12, 6, 0].map { RunHistoryFixture.id($0 * 10) })
        #expect(shopFailed.allSatisfy { $0.errors == 1 && $0.error == "step 'load': failed" })
        let scheduled = try await index.page(RunsFilter(trigger: .schedule, limit: 100)).runs
        #expect(scheduled.map(\.id) == [25, 20, 15, 10, 5, 0].map { RunHistoryFixture.id($0 * 10) })
        let syncs = try await index.page(RunsFilter(kind: .sync, limit: 100)).runs
        #expect(syncs.count == 32)
        let window = try await index.page(RunsFilter(from: RunHistoryFixture.time(100), to: RunHistoryFixture.time(130), limit: 100)).runs
        #expect(window.map(\.id) == [RunHistoryFixture.id(120), RunHistoryFixture.id(110), RunHistoryFixture.id(100)])
    }

    @Test func newRunsAndEndedRunsAppearAfterTheFirstBuild() async throws {
        let fixture = try history()
        let index = try RunsIndex(stateFolder: fixture.state)
        _ = try await index.page(RunsFilter())
        // A run still running (its process alive: this one), and a run whose process is gone.
        try fixture.pipelineRun(RunHistoryFixture.id(2000), at: 2000, status: .running, pid: getpid())
        try fixture.pipelineRun(RunHistoryFixture.id(2001), at: 2001, status: .running, pid: 999_999)
        var runs = try await index.page(RunsFilter(limit: 2)).runs
        #expect(runs.map(\.status) == ["interrupted", "running"])
        // The running one ends: the next query reads it again.
        try fixture.pipelineRun(RunHistoryFixture.id(2000), at: 2000, status: .failed, error: "boom")
        runs = try await index.page(RunsFilter(limit: 2)).runs
        #expect(runs.map(\.status) == ["interrupted", "failed"])
        #expect(runs[1].error == "boom")
    }

    @Test func aMissingIndexIsRebuiltFromTheRunFolders() async throws {
        let fixture = try history()
        do {
            let index = try RunsIndex(stateFolder: fixture.state)
            #expect(try await index.count() == 62)
        }
        try FileManager.default.removeItem(atPath: fixture.state + "/serve")
        let rebuilt = try RunsIndex(stateFolder: fixture.state)
        #expect(try await rebuilt.count() == 62)
        #expect(FileManager.default.fileExists(atPath: fixture.state + "/serve/runs-index.sqlite"))
    }

    @Test func aFolderWithoutARecordYetIsReadOnceItHasOne() async throws {
        let fixture = try RunHistoryFixture("runs-index-late")
        let id = RunHistoryFixture.id(5)
        try FileManager.default.createDirectory(atPath: fixture.state + "/runs/" + id, withIntermediateDirectories: true)
        let index = try RunsIndex(stateFolder: fixture.state)
        #expect(try await index.page(RunsFilter()).runs.isEmpty)
        // Writing the record inside the existing folder does not change the
        // runs folder: the index finds it because the folder was pending.
        try fixture.pipelineRun(id, at: 5)
        #expect(try await index.page(RunsFilter()).runs.map(\.id) == [id])
    }
}

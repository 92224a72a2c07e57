@testable import ETLHost
import ETLPluginKit
import Foundation
import Testing

/// ``SnapshotRetention`` decides which snapshots of one pipeline go: by
/// count, by age, and never the chain a kept snapshot is rebuilt from.
@Suite struct SnapshotRetentionTests {
    /// Day 0 of these tests.
    static let start = Date(timeIntervalSince1970: 1_796_000_000)

    /// Runs `r0`, `r1`, ... one a day from ``start``, in the given modes.
    private func runs(_ modes: [WriteMode]) -> [RunRecord] {
        modes.enumerated().map { index, mode in
            RunRecord(id: "r\(index)", pipeline: "p", extractor: "csv", warehouse: "sqlite", mode: mode, status: .succeeded,
                      startedAt: Timestamp.iso8601(Self.start.addingTimeInterval(Double(index) * 86_400)), streams: [], retries: [],
                      pid: 1, sourceConfig: [:], destinationConfig: [:], incremental: false, deletions: .keep, primaryKey: nil,
                      snapshot: true, replayOf: nil)
        }
    }

    private func day(_ number: Double) -> Date { Self.start.addingTimeInterval(number * 86_400) }

    @Test func byCountTheNewestAreKept() {
        let retention = SnapshotRetention(keepCount: 2)
        #expect(retention.doomed(runs([.replace, .replace, .replace, .replace]), now: day(10)) == ["r0", "r1"])
        #expect(retention.doomed(runs([.replace, .replace]), now: day(10)) == [])
        #expect(retention.doomed([], now: day(10)) == [])
    }

    @Test func byAgeYoungerSnapshotsAreKeptWhateverTheirNumber() {
        let retention = SnapshotRetention(keepCount: 1, keepFor: 2.5 * 86_400)
        // Now is day 5: r3 (2 days old) and r4 are young enough; r2 is 3 days old.
        #expect(retention.doomed(runs([.replace, .replace, .replace, .replace, .replace]), now: day(5)) == ["r0", "r1", "r2"])
        // Count keeps more than age: the larger set wins.
        let generous = SnapshotRetention(keepCount: 4, keepFor: 86_400)
        #expect(generous.doomed(runs([.replace, .replace, .replace, .replace, .replace]), now: day(5)) == ["r0"])
        // Everything is young: nothing goes.
        #expect(SnapshotRetention(keepCount: 1, keepFor: 30 * 86_400).doomed(runs([.replace, .replace, .replace]), now: day(3)) == [])
    }

    @Test func theChainBackToTheLastReplaceLoadIsKept() {
        let retention = SnapshotRetention(keepCount: 2)
        // r3, r4 kept; r3 is an upsert, so r2 (upsert) and r1 (the replace load) stay too.
        #expect(retention.doomed(runs([.replace, .replace, .upsert, .upsert, .upsert]), now: day(10)) == ["r0"])
        // The oldest kept is a replace load: nothing older is needed.
        #expect(retention.doomed(runs([.upsert, .upsert, .replace, .append, .append]), now: day(10)) == ["r0", "r1"])
        // No replace load at all: every snapshot is needed.
        #expect(retention.doomed(runs([.append, .append, .append, .append]), now: day(10)) == [])
    }
}

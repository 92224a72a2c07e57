import Foundation

/// Which snapshots of one pipeline are kept after a run: the newest
/// ``keepCount``, and (with ``keepFor``) every one younger than that age —
/// a snapshot goes only when both rules let it go. Then, so that every kept
/// snapshot can still be rebuilt from (`replay` in order, `rebuild --as-of`),
/// the chain behind the oldest kept one is kept too: when it is an append or
/// upsert load, the snapshots back to the last replace load before it stay
/// (all of them when the pipeline never ran a replace load).
///
/// ```swift
/// let retention = SnapshotRetention(keepCount: 10, keepFor: 30 * 86_400)
/// let doomed = retention.doomed(runsOfThePipelineOldestFirst, now: Date())
/// ```
public struct SnapshotRetention: Sendable, Equatable {
    /// The newest snapshots kept by count (`--keep-snapshots`, at least 1).
    public var keepCount: Int
    /// Seconds: snapshots younger than this are kept whatever their number (`--keep-for`).
    public var keepFor: Double?

    /// A retention policy.
    public init(keepCount: Int = 10, keepFor: Double? = nil) {
        self.keepCount = keepCount
        self.keepFor = keepFor
    }

    /// The ids of the runs whose snapshots go, from `runs`: one pipeline's
    /// runs that have a snapshot, oldest first.
    public func doomed(_ runs: [RunRecord], now: Date) -> [String] {
        guard !runs.isEmpty else { return [] }
        var oldestKept = max(runs.count - max(keepCount, 1), 0)
        if let keepFor {
            let youngEnough = runs.firstIndex { run in
                Timestamp.date(run.startedAt).map { now.timeIntervalSince($0) < keepFor } ?? true
            }
            oldestKept = min(oldestKept, youngEnough ?? runs.count)
        }
        while oldestKept > 0, runs[oldestKept].mode != .replace {
            oldestKept -= 1
        }
        return runs[..<oldestKept].map(\.id)
    }
}

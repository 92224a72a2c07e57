import Foundation

/// Which runs' snapshots rebuild the tables as they were at an instant,
/// and in what order (`etl-host rebuild --as-of`, `etl-host diff`): for each
/// pipeline, the last replace load that ended by then, and every run after
/// it that ended by then (append and upsert loads build on it); every
/// pipeline's runs together in the order they ran, so that two pipelines
/// loading one table replay as they loaded. Only the streams a run
/// committed are replayed; replays are never replayed again.
///
/// ```swift
/// let plan = try RebuildPlan(runs: store.list(), asOf: instant, pipeline: "shop")
/// for step in plan.steps { print(step.run.id, step.streams) }
/// ```
public struct RebuildPlan: Sendable {
    /// One run to replay: its record and the streams it committed.
    public struct Step: Sendable {
        /// The run whose snapshot is replayed.
        public var run: RunRecord
        /// The streams of it to replay (those it committed), in run order.
        public var streams: [String]
    }

    /// The runs to replay, oldest first.
    public let steps: [Step]

    /// The plan for the tables as they were at `asOf`, from `runs` (any
    /// order), of `pipeline` only when given.
    ///
    /// - Throws: `.invalidArgument` when no run of `pipeline` (or none at
    ///   all) ended by then, or when a needed run has no snapshot (pruned,
    ///   or run with `--no-snapshot`), naming it.
    public init(runs: [RunRecord], asOf: Date, pipeline: String? = nil, hasSnapshot: (RunRecord) -> Bool) throws {
        let ended = runs.filter { run in
            run.replayOf == nil && (pipeline == nil || run.pipeline == pipeline)
                && run.finishedAt.flatMap(Timestamp.date).map { $0 <= asOf } == true
                && !Self.committedStreams(of: run).isEmpty
        }
        let when = Timestamp.iso8601(asOf)
        guard !ended.isEmpty else {
            throw HostError(.invalidArgument, pipeline.map { "no run of pipeline '\($0)' had committed anything by \(when); `etl-host runs` lists them" }
                ?? "no run had committed anything by \(when); `etl-host runs` lists them")
        }
        var needed: [RunRecord] = []
        for name in Set(ended.map(\.pipeline)).sorted() {
            let chain = ended.filter { $0.pipeline == name }.sorted { ($0.startedAt, $0.id) < ($1.startedAt, $1.id) }
            let start = chain.lastIndex { $0.mode == .replace } ?? 0
            needed += chain[start...]
        }
        needed.sort { ($0.startedAt, $0.id) < ($1.startedAt, $1.id) }
        if let missing = needed.first(where: { !hasSnapshot($0) }) {
            throw HostError(.invalidArgument, "the tables as of \(when) need the snapshot of run \(missing.id) (pipeline '\(missing.pipeline)', \(missing.mode), ended \(missing.finishedAt ?? "?")), which was not kept (--no-snapshot) or was pruned; they cannot be rebuilt from snapshots")
        }
        steps = needed.map { Step(run: $0, streams: Self.committedStreams(of: $0)) }
    }

    /// The streams `run` committed to its warehouse.
    static func committedStreams(of run: RunRecord) -> [String] {
        run.streams.filter { $0.committed ?? ($0.status == .succeeded) }.map(\.stream)
    }
}

extension RebuildPlan {
    /// The instant `text` names: an ISO 8601 time with a zone
    /// (`2026-12-01T09:00:00Z`, `2026-12-01T10:00:00+01:00`), a day
    /// (`2026-12-01`: its start, UTC), or a run id or unique beginning of
    /// one (the moment that run ended).
    ///
    /// - Throws: `.invalidArgument` saying what an instant looks like.
    public static func instant(_ text: String, store: RunStore) throws -> Date {
        if let date = Timestamp.date(text) { return date }
        let day = DateFormatter()
        day.locale = Locale(identifier: "en_US_POSIX")
        day.timeZone = TimeZone(identifier: "UTC")
        day.dateFormat = "yyyy-MM-dd"
        if text.count == 10, let date = day.date(from: text) { return date }
        if let run = try? store.load(text) {
            guard let finished = run.finishedAt.flatMap(Timestamp.date) else {
                throw HostError(.invalidArgument, "run \(run.id) has not ended; name a time or an ended run")
            }
            return finished
        }
        throw HostError(.invalidArgument, "'\(text)' is not a time or a run id: write an ISO 8601 time with its zone (2026-12-01T09:00:00Z, 2026-12-01T10:00:00+01:00), a day (2026-12-01, UTC) or a run id")
    }
}

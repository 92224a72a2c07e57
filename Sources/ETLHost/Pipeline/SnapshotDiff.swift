import ETLPluginKit
import Foundation

/// What changed in the tables between two runs (`etl-host diff`): both
/// moments are rebuilt from snapshots (``RebuildPlan``) into one scratch
/// SQLite database — the first under the prefix `a__`, the second under
/// `b__` — and compared there by key: rows added, removed, and changed
/// (same key, other values). The key is the runs' `--primary-key`, else
/// the primary key the source declared for the stream (the catalog in the
/// snapshot's manifest). Without a key, whole rows are
/// compared: a changed row reads as one removed and one added.
public struct SnapshotDiff: Sendable {
    /// One table's differences.
    public struct TableDiff: Codable, Sendable, Equatable {
        /// The table, as the runs loaded it.
        public var table: String
        /// The key the rows are matched by (empty: whole rows).
        public var key: [String]
        /// Keys (or whole rows) only in the second moment, sorted.
        public var added: [String]
        /// Keys (or whole rows) only in the first moment, sorted.
        public var removed: [String]
        /// Keys whose rows differ, sorted.
        public var changed: [String]
    }

    /// The earlier run and the later one.
    public let first: RunRecord, second: RunRecord
    /// The tables compared, by name.
    public private(set) var tables: [TableDiff] = []

    /// Compares the tables as they were when `first` and `second` ended
    /// (only `stream`'s table when given), rebuilding both in `scratch`
    /// (a folder, removed afterwards) with the `sqlite` warehouse plugin.
    ///
    /// - Throws: what ``RebuildPlan`` throws (a missing snapshot is named);
    ///   `.invalidArgument` when `stream` is not a stream of either run; a
    ///   replay's failure.
    public init(first: RunRecord, second: RunRecord, stream: String? = nil, runs: [RunRecord], store: RunStore,
                sqlite: LoadedPlugin, scratch: String) throws {
        self.first = first
        self.second = second
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let database = (scratch as NSString).appendingPathComponent("diff.db")
        let pipeline = first.pipeline == second.pipeline ? first.pipeline : nil
        var loaded: [[String: String]] = []
        for (prefix, run) in [("a__", first), ("b__", second)] {
            guard let ended = run.finishedAt.flatMap(Timestamp.date) else {
                throw HostError(.invalidArgument, "run \(run.id) has not ended; only ended runs can be compared")
            }
            let plan = try RebuildPlan(runs: runs, asOf: ended, pipeline: pipeline) { run in
                run.snapshot && FileManager.default.fileExists(atPath: store.snapshotFolder(of: run))
            }
            loaded.append(try Self.rebuild(plan, prefix: prefix, database: database, store: store, sqlite: sqlite, scratch: scratch))
        }
        var names = Set(loaded[0].keys).union(loaded[1].keys)
        if let stream {
            let tables = (first.streams + second.streams).filter { $0.stream == stream }.map(\.table)
            guard !tables.isEmpty else {
                throw HostError(.invalidArgument, "stream '\(stream)' is not a stream of run \(first.id) or \(second.id)", stream: stream)
            }
            names.formIntersection(tables)
        }
        let instance = try PluginInstance(plugin: sqlite, configJSON: try ConfigResolver.json(["path": .string(database)]))
        defer { instance.close() }
        let comparison = TableComparison(instance: instance)
        tables = try names.sorted().map { name in
            try comparison.compare(table: name, before: loaded[0][name], after: loaded[1][name],
                                   key: Self.key(of: name, runs: [second, first], store: store))
        }
    }

    /// The key `table`'s rows are matched by: the runs' `--primary-key`,
    /// else the primary key the source declared for the stream loading it
    /// (the catalog kept in the snapshot's manifest), else none.
    private static func key(of table: String, runs: [RunRecord], store: RunStore) -> [String] {
        if let key = runs.lazy.compactMap(\.primaryKey).first { return key }
        for run in runs {
            guard let stream = run.streams.first(where: { $0.table == table })?.stream,
                  let snapshot = try? Snapshot(folder: store.snapshotFolder(of: run), runID: run.id),
                  let manifest = snapshot.manifests.first(where: { $0.stream == stream }),
                  let catalog = try? CatalogReading(discovered: "{\"streams\":[\(manifest.catalog)]}", plugin: "snapshot"),
                  let key = catalog.catalog.streams.first?.primaryKey, !key.isEmpty
            else { continue }
            return key
        }
        return []
    }

    /// Replays `plan` into `database` with `prefix` before every table;
    /// returns each table's name -> its prefixed name.
    private static func rebuild(_ plan: RebuildPlan, prefix: String, database: String, store: RunStore,
                                sqlite: LoadedPlugin, scratch: String) throws -> [String: String] {
        var tables: [String: String] = [:]
        for step in plan.steps {
            let snapshot = try Snapshot(folder: store.snapshotFolder(of: step.run), runID: step.run.id)
            var request = SyncRequest.replaying(step.run, into: "sqlite", destinationConfig: ["path": .string(database)],
                                                streams: step.streams, workDirectory: (scratch as NSString).appendingPathComponent("spool"))
            request.tablePrefix = prefix
            request.allowEmpty = true
            let log = RunLog(runID: step.run.id, path: nil, echo: false)
            let report = try SyncRunner(request: request, source: .snapshot(snapshot), warehouse: sqlite, log: log, store: nil).run()
            for stream in report.streams {
                guard stream.status == .succeeded || stream.status == .skipped else {
                    throw HostError(.io, "replaying run \(step.run.id) to compare it failed: \(stream.error ?? "stream '\(stream.stream)' \(stream.status)")",
                                    stream: stream.stream)
                }
                if stream.status == .succeeded, let original = step.run.streams.first(where: { $0.stream == stream.stream }) {
                    tables[original.table] = stream.table
                }
            }
        }
        return tables
    }
}

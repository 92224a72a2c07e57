import Foundation

/// The run history in the state folder: one folder per run,
/// `<state>/runs/<id>/`, holding `run.json` (the ``RunRecord``),
/// `log.jsonl` (the run's structured log) and `snapshot/` (the raw data the
/// extractor returned, see ``SnapshotWriter``).
///
/// Records are written atomically (temporary file, fsync, rename), so a
/// reader — or a run killed mid-write — sees the old record or the new
/// one. A record left `running` by a process that no longer exists reads
/// as ``RunRecord/Status/interrupted``.
///
/// ```swift
/// let store = RunStore()
/// for run in try store.list().suffix(5) { print(run.id, run.status) }
/// ```
public struct RunStore: Sendable {
    /// The folder holding one folder per run.
    public let root: String

    /// The store under `stateDirectory` (default: ``HostEnvironment/stateDirectory(environment:)``).
    public init(stateDirectory: String = HostEnvironment.stateDirectory()) {
        root = (stateDirectory as NSString).appendingPathComponent("runs")
    }

    /// The folder of run `id`.
    public func folder(_ id: String) -> String { (root as NSString).appendingPathComponent(id) }
    /// The structured log of run `id`.
    public func logPath(_ id: String) -> String { (folder(id) as NSString).appendingPathComponent("log.jsonl") }
    /// The snapshot folder of run `id` in the state folder (where it is unless `--snapshot-dir` named another).
    public func snapshotFolder(_ id: String) -> String { (folder(id) as NSString).appendingPathComponent("snapshot") }
    /// Where `record`'s snapshot is: the folder `--snapshot-dir` named, or ``snapshotFolder(_:)``.
    public func snapshotFolder(of record: RunRecord) -> String { record.snapshotFolder ?? snapshotFolder(record.id) }

    /// Creates the run's folder and writes its record.
    public func save(_ record: RunRecord) throws {
        let folder = folder(record.id)
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw HostError(.io, "cannot create the run folder '\(folder)': \(error.localizedDescription); set ETL_STATE_DIR to a writable folder")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(try encoder.encode(record), to: (folder as NSString).appendingPathComponent("run.json"))
    }

    /// The record of run `id`, or of the one run whose id starts with `id`.
    ///
    /// - Throws: `.invalidArgument` when no run (or more than one) matches.
    public func load(_ id: String) throws -> RunRecord {
        if let record = read(id) { return record }
        let matches = ids().filter { $0.hasPrefix(id) }
        guard matches.count == 1, let record = read(matches[0]) else {
            throw HostError(.invalidArgument, matches.isEmpty
                ? "no run '\(id)' in \(root); `etl-host runs` lists them"
                : "'\(id)' matches \(matches.count) runs (\(matches.prefix(3).joined(separator: ", "))...); give more of the id")
        }
        return record
    }

    /// Every readable run, oldest first (by start time). Unreadable
    /// records are skipped.
    public func list() -> [RunRecord] {
        ids().compactMap(read).sorted { ($0.startedAt, $0.id) < ($1.startedAt, $1.id) }
    }

    /// The ids of the run folders, oldest first.
    func ids() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .filter { !$0.hasPrefix(".") }
            .sorted()
    }

    private func read(_ id: String) -> RunRecord? {
        guard !id.contains("/"), let data = FileManager.default.contents(atPath: (folder(id) as NSString).appendingPathComponent("run.json")),
              var record = try? JSONDecoder().decode(RunRecord.self, from: data) else { return nil }
        if record.status == .running, record.pid != getpid(), kill(record.pid, 0) != 0, errno != EPERM {
            record.status = .interrupted
        }
        return record
    }

    /// Removes the snapshots of `pipeline`'s runs that `retention` lets go
    /// (their records and logs stay); returns the run ids whose snapshot
    /// was removed. Runs of other pipelines are never touched: ten runs of
    /// one pipeline do not delete another's only snapshot.
    @discardableResult
    public func pruneSnapshots(_ retention: SnapshotRetention, pipeline: String, now: Date = Date()) -> [String] {
        let withSnapshots = ids().compactMap(read)
            .filter { $0.pipeline == pipeline && FileManager.default.fileExists(atPath: snapshotFolder(of: $0)) }
            .sorted { ($0.startedAt, $0.id) < ($1.startedAt, $1.id) }
        let doomed = Set(retention.doomed(withSnapshots, now: now))
        var removed: [String] = []
        for var record in withSnapshots where doomed.contains(record.id) {
            if (try? FileManager.default.removeItem(atPath: snapshotFolder(of: record))) != nil {
                removed.append(record.id)
                record.snapshot = false
                try? save(record)
            }
        }
        return removed
    }
}

import ETLHost
import Foundation

/// Pipeline run records in the state folder: `runs/<id>/pipeline.json`
/// beside the run's `log.jsonl`, in the same `runs` folder as sync runs
/// (a sync run's folder holds `run.json` instead). Records are written
/// atomically; one left `running` by a process that no longer exists
/// reads as ``PipelineRunRecord/Status/interrupted``.
public struct PipelineRunStore: Sendable {
    /// The sync runs' store, whose folder this one shares.
    public let runs: RunStore

    /// The store in `runs`' folder.
    public init(runs: RunStore = RunStore()) { self.runs = runs }

    /// The record file of run `id`.
    public func recordPath(_ id: String) -> String { (runs.folder(id) as NSString).appendingPathComponent("pipeline.json") }

    /// Writes the record atomically (creating the run's folder).
    public func save(_ record: PipelineRunRecord) throws {
        let folder = runs.folder(record.id)
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw HostError(.io, "cannot create the run folder '\(folder)': \(error.localizedDescription); set ETL_STATE_DIR to a writable folder")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(try encoder.encode(record), to: recordPath(record.id))
    }

    /// The record of pipeline run `id`, or of the one pipeline run whose id starts with `id`; nil when none.
    ///
    /// - Throws: `.invalidArgument` when `id` begins several pipeline runs.
    public func load(_ id: String) throws -> PipelineRunRecord? {
        if let record = read(id) { return record }
        let matches = ids().filter { $0.hasPrefix(id) }
        guard matches.count <= 1 else {
            throw HostError(.invalidArgument, "'\(id)' matches \(matches.count) runs (\(matches.prefix(3).joined(separator: ", "))...); give more of the id")
        }
        return matches.first.flatMap(read)
    }

    /// Every readable pipeline run, oldest first.
    public func list() -> [PipelineRunRecord] {
        ids().compactMap(read).sorted { ($0.startedAt, $0.id) < ($1.startedAt, $1.id) }
    }

    private func ids() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: runs.root)) ?? [])
            .filter { !$0.hasPrefix(".") && FileManager.default.fileExists(atPath: recordPath($0)) }
            .sorted()
    }

    private func read(_ id: String) -> PipelineRunRecord? {
        guard !id.contains("/"), let data = FileManager.default.contents(atPath: recordPath(id)),
              var record = try? JSONDecoder().decode(PipelineRunRecord.self, from: data) else { return nil }
        if record.status == .running, record.pid != getpid(), kill(record.pid, 0) != 0, errno != EPERM {
            record.status = .interrupted
        }
        return record
    }
}

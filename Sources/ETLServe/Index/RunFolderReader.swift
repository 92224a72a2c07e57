import ETLHost
import ETLWorkflow
import Foundation

/// Reads the run folders of a state folder (`<state>/runs/<id>/`) as
/// `etl-host runs` does: `pipeline.json` (a pipeline run) or `run.json`
/// (a sync run), and `log.jsonl`. A record left `running` by a process that
/// no longer exists reads as interrupted.
public struct RunFolderReader: Sendable {
    /// The sync runs' store (its folder holds every run's folder).
    public let runStore: RunStore
    /// The pipeline runs' store (same folder).
    public let pipelineStore: PipelineRunStore

    /// A reader of `stateFolder/runs`.
    public init(stateFolder: String) {
        runStore = RunStore(stateDirectory: stateFolder)
        pipelineStore = PipelineRunStore(runs: runStore)
    }

    /// The run folders' names (run ids), unsorted.
    func runIDs() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: runStore.root)) ?? []).filter { !$0.hasPrefix(".") }
    }

    /// A stamp that changes when a run folder is added or removed (the
    /// `runs` folder's modification time, in nanoseconds, and its link count).
    func runsFolderStamp() -> String? {
        var info = stat()
        guard stat(runStore.root, &info) == 0 else { return nil }
        return "\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec).\(info.st_nlink)"
    }

    /// The pipeline run `id`, if its folder holds one (exact id only).
    public func pipelineRun(_ id: String) -> PipelineRunRecord? {
        guard Self.isRunID(id), let data = FileManager.default.contents(atPath: pipelineStore.recordPath(id)),
              var record = try? JSONDecoder().decode(PipelineRunRecord.self, from: data) else { return nil }
        if record.status == .running, !Self.isAlive(record.pid) { record.status = .interrupted }
        return record
    }

    /// The sync run `id`, if its folder holds one (exact id only).
    public func syncRun(_ id: String) -> RunRecord? {
        guard Self.isRunID(id),
              let data = FileManager.default.contents(atPath: (runStore.folder(id) as NSString).appendingPathComponent("run.json")),
              var record = try? JSONDecoder().decode(RunRecord.self, from: data) else { return nil }
        if record.status == .running, !Self.isAlive(record.pid) { record.status = .interrupted }
        return record
    }

    /// The text of run `id`'s log (empty when it has none).
    public func logText(_ id: String) -> String {
        guard Self.isRunID(id), let data = FileManager.default.contents(atPath: runStore.logPath(id)) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    /// The summary of run `id`, nil when its folder holds no readable record (yet).
    func summary(of id: String) -> RunSummary? {
        if let record = pipelineRun(id) {
            let syncRuns = record.steps.flatMap(\.syncRuns)
            return RunSummary(pipelineRun: record, logs: [logText(id)] + syncRuns.map(logText))
        }
        if let record = syncRun(id) { return RunSummary(syncRun: record, log: logText(id)) }
        return nil
    }

    /// Whether `id` can name a run folder (no path separators, no dot files).
    static func isRunID(_ id: String) -> Bool {
        !id.isEmpty && !id.hasPrefix(".") && !id.contains("/") && id.count <= 200
    }

    private static func isAlive(_ pid: Int32) -> Bool {
        pid == getpid() || kill(pid, 0) == 0 || errno == EPERM
    }
}

import ETLHost
import ETLPluginKit
import ETLWorkflow
import Foundation

/// Pipeline runs in `etl-host runs` and `etl-host runs show`.
extension RunsCommand {
    /// The pipeline runs' table (after the sync runs' one), or nil when there are none.
    static func pipelineRunsTable(_ runs: [PipelineRunRecord]) -> String? {
        guard !runs.isEmpty else { return nil }
        return "Pipeline runs:\n" + table(["ID", "PIPELINE", "STATUS", "STEPS", "STARTED", "SECONDS", "ERROR"], runs.map { run in
            [run.id, run.pipeline, run.status.rawValue, "\(run.stepsDone) ok, \(run.stepsFailed) failed, \(run.steps.count) in all",
             run.startedAt, run.durationSeconds.map { String(format: "%.2f", $0) } ?? "-",
             run.steps.first(where: { $0.state == .failed }).map { "\($0.name): \($0.error ?? "")" }.map { String($0.prefix(80)) } ?? ""]
        })
    }

    /// The last `last` runs of both kinds, oldest first by start time, for `runs --json`.
    static func listedRuns(syncRuns: [RunRecord], pipelineRuns: [PipelineRunRecord], last: Int) -> [ListedRun] {
        let listed = syncRuns.map(ListedRun.sync) + pipelineRuns.map(ListedRun.pipeline)
        return Array(listed.sorted { ($0.startedAt, $0.id) < ($1.startedAt, $1.id) }.suffix(last))
    }

    /// A record in `runs --json`: a sync run's or a pipeline run's, encoded as its own record.
    enum ListedRun: Encodable {
        case sync(RunRecord)
        case pipeline(PipelineRunRecord)

        var startedAt: String {
            switch self {
            case .sync(let run): run.startedAt
            case .pipeline(let run): run.startedAt
            }
        }

        var id: String {
            switch self {
            case .sync(let run): run.id
            case .pipeline(let run): run.id
            }
        }

        func encode(to encoder: any Encoder) throws {
            switch self {
            case .sync(let run): try run.encode(to: encoder)
            case .pipeline(let run): try run.encode(to: encoder)
            }
        }
    }

    /// The id of the run that started last, of either kind (`runs show last`).
    ///
    /// - Throws: `.invalidArgument` when there is no run yet.
    static func lastRunID() throws -> String {
        let listed = listedRuns(syncRuns: Array(RunStore().list().suffix(1)), pipelineRuns: Array(PipelineRunStore().list().suffix(1)), last: 1)
        guard let last = listed.last else { throw HostError(.invalidArgument, "no runs yet in \(RunStore().root), so no last one") }
        return last.id
    }

    /// The pipeline run `id` names: an exact id, else (when no sync run
    /// matches) a unique beginning of a pipeline run's id.
    static func pipelineRun(_ id: String, syncMatches: Bool) throws -> PipelineRunRecord? {
        let store = PipelineRunStore()
        if FileManager.default.fileExists(atPath: store.recordPath(id)) { return try store.load(id) }
        return syncMatches ? nil : try store.load(id)
    }

    /// `runs show` of a pipeline run: the run, its steps, each sync step's streams, the log.
    static func showPipelineRun(_ run: PipelineRunRecord, minimum: LogLevel) -> String {
        let runs = RunStore()
        var lines = [
            "Pipeline run \(run.id)" + (run.resumedFrom.map { " (resumed from \($0))" } ?? ""),
            "  pipeline:  \(run.pipeline) (\(run.file), sha256 \(run.fileSHA256.prefix(12))…)",
            "  status:    \(run.status.rawValue)",
            "  started:   \(run.startedAt)",
            "  finished:  \(run.finishedAt ?? "-")" + (run.durationSeconds.map { " (\(String(format: "%.2f", $0)) s)" } ?? ""),
            "  steps:     \(run.stepsDone) of \(run.steps.count) done, \(run.stepsFailed) failed",
        ]
        if !run.fullRefresh.isEmpty { lines.append("  full refresh: \(run.fullRefresh.joined(separator: ", "))") }
        lines.append("")
        lines.append("Steps:")
        lines.append(PipelineRunText.stepTable(run).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
        for step in run.steps {
            if let error = step.error { lines.append("  \(step.name): \(error)") }
        }
        for step in run.steps {
            if let sql = step.sql {
                lines.append("  \(step.name): \(sql.materialize.rawValue) \"\(sql.target)\" from \(sql.source) (sha256 \(sql.sha256.prefix(12))…)")
            }
            for check in step.checks ?? [] {
                lines.append("  \(step.name): \(check.passed ? "passed" : "FAILED"): \(check.description)")
            }
        }
        for step in run.steps where !step.syncRuns.isEmpty {
            lines.append("")
            for syncRun in step.syncRuns {
                guard let record = try? runs.load(syncRun) else {
                    lines.append("\(step.name): sync run \(syncRun) (no record)")
                    continue
                }
                lines.append("\(step.name): sync run \(syncRun), \(record.extractor) -> \(record.warehouse) (\(record.mode)), \(record.status.rawValue)")
                guard !record.streams.isEmpty else {
                    lines.append("  no stream finished")
                    continue
                }
                lines.append(table(["STREAM", "TABLE", "STATUS", "READ", "WRITTEN", "REJECTED"], record.streams.map { stream in
                    [stream.stream, stream.table, stream.status.rawValue, "\(stream.rowsRead)", "\(stream.rowsWritten)", "\(stream.rowsRejected)"]
                }).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
            }
        }
        lines.append("")
        lines.append("Log (\(runs.logPath(run.id))):")
        lines.append(contentsOf: Show.logLines(path: runs.logPath(run.id), minimum: minimum))
        return lines.joined(separator: "\n")
    }
}

import ETLHost
import ETLWorkflow
import Foundation

/// Everything the run page shows of one run (`/api/runs/<id>`): the
/// pipeline run record (if it is one), its sync runs without their
/// configs, and its log lines. No config, raw or resolved, is part of it.
public struct RunDetail: Codable, Sendable {
    /// The run's summary (as the runs page lists it).
    public var summary: RunSummary
    /// The pipeline run's record (steps, states, attempts, errors, SQL), nil for a sync run.
    public var pipelineRun: PipelineRunRecord?
    /// The sync runs: the run itself (a sync run) or its sync steps' runs.
    public var syncRuns: [SyncRunView]
    /// The log lines at or above the asked level, in order.
    public var log: [LogLine]

    enum CodingKeys: String, CodingKey {
        case summary, log
        case pipelineRun = "pipeline_run"
        case syncRuns = "sync_runs"
    }

    /// The detail of run `id` (nil when no such run), its log at `level` and above.
    public static func load(_ id: String, reader: RunFolderReader, level: LogLine.Level) -> RunDetail? {
        if let record = reader.pipelineRun(id) {
            let syncIDs = record.steps.flatMap(\.syncRuns)
            let syncRuns = syncIDs.compactMap { reader.syncRun($0) }.map(SyncRunView.init)
            let logs = [reader.logText(id)] + syncIDs.map(reader.logText)
            return RunDetail(summary: RunSummary(pipelineRun: record, logs: logs), pipelineRun: record, syncRuns: syncRuns,
                             log: LogLine.parse(logs[0], minimum: level))
        }
        guard let record = reader.syncRun(id) else { return nil }
        let log = reader.logText(id)
        return RunDetail(summary: RunSummary(syncRun: record, log: log), pipelineRun: nil, syncRuns: [SyncRunView(record)],
                         log: LogLine.parse(log, minimum: level))
    }
}

/// A sync run as the UI shows it: its record without the configs.
public struct SyncRunView: Codable, Sendable {
    /// The sync run's id.
    public var id: String
    /// Its extractor and warehouse plugins.
    public var extractor: String, warehouse: String
    /// replace, append or upsert.
    public var mode: String
    /// How it ended.
    public var status: String
    /// ISO 8601 UTC.
    public var startedAt: String
    /// ISO 8601 UTC.
    public var finishedAt: String?
    /// Seconds from start to end.
    public var durationSeconds: Double?
    /// Per stream: rows, schema changes, attempts, error.
    public var streams: [StreamReport]
    /// Every retry, by the host or a plugin.
    public var retries: [RetryEvent]
    /// What stopped it before its streams, if anything.
    public var error: String?
    /// That error's fields (plugin, stream, table, ...).
    public var errorDetail: ErrorDetail?
    /// The pipeline run it belongs to.
    public var pipelineRun: String?

    enum CodingKeys: String, CodingKey {
        case id, extractor, warehouse, mode, status, streams, retries, error
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case durationSeconds = "duration_seconds"
        case errorDetail = "error_detail"
        case pipelineRun = "pipeline_run"
    }

    init(_ record: RunRecord) {
        id = record.id
        extractor = record.extractor
        warehouse = record.warehouse
        mode = record.mode.description
        status = record.status.rawValue
        startedAt = record.startedAt
        finishedAt = record.finishedAt
        durationSeconds = record.durationSeconds
        streams = record.streams
        retries = record.retries
        error = record.error
        errorDetail = record.errorDetail
        pipelineRun = record.pipelineRun
    }
}

/// One line of a run's log (`log.jsonl`).
public struct LogLine: Codable, Sendable {
    /// Log levels, lowest first (as `--log-level`).
    public enum Level: String, Codable, Sendable, CaseIterable, Comparable {
        case trace, debug, info, warn, error
        /// Orders levels by severity.
        public static func < (lhs: Level, rhs: Level) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }
    /// ISO 8601 UTC.
    public var time: String
    /// Its level.
    public var level: Level
    /// The plugin that wrote it (nil: the host).
    public var plugin: String?
    /// The stream it is about.
    public var stream: String?
    /// The text (secrets already replaced by `***` when written).
    public var message: String

    /// The lines of `text` at `minimum` or above; lines that do not parse are skipped.
    static func parse(_ text: String, minimum: Level) -> [LogLine] {
        let decoder = JSONDecoder()
        return text.split(separator: "\n").compactMap { line in
            guard let parsed = try? decoder.decode(LogLine.self, from: Data(line.utf8)), parsed.level >= minimum else { return nil }
            return parsed
        }
    }
}

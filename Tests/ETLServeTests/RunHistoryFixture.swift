import ETLHost
import ETLTestSupport
import ETLWorkflow
import Foundation

/// A state folder with run records written as `etl-host run` and
/// `etl-host sync` write them (PipelineRunStore, run.json), for the index
/// and the pages to read.
struct RunHistoryFixture {
    let state: String
    var store: PipelineRunStore { PipelineRunStore(runs: RunStore(stateDirectory: state)) }

    init(_ label: String) throws {
        state = try TestSupport.temporaryDirectory(label) + "/state"
        try FileManager.default.createDirectory(atPath: state + "/runs", withIntermediateDirectories: true)
    }

    /// An ISO 8601 UTC instant `seconds` after 2026-12-01T00:00:00Z.
    static func time(_ seconds: Int) -> String {
        let date = Date(timeIntervalSince1970: 1_796_083_200 + Double(seconds))
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    /// Writes a pipeline run record; returns it.
    @discardableResult
    func pipelineRun(_ id: String, pipeline: String = "shop", at seconds: Int, status: PipelineRunRecord.Status = .succeeded,
                     trigger: RunTrigger = .cli, steps: [StepRecord]? = nil, error: String? = nil, pid: Int32 = 1,
                     log: [String] = []) throws -> PipelineRunRecord {
        var step = StepRecord(name: "load", kind: .sync)
        step.state = status == .failed ? .failed : .succeeded
        step.rows = 10
        step.attempts = 1
        step.startedAt = Self.time(seconds)
        step.finishedAt = Self.time(seconds + 2)
        step.seconds = 2
        var record = PipelineRunRecord(id: id, pipeline: pipeline, file: "etl.yaml", fileSHA256: String(repeating: "0", count: 64),
                                       startedAt: Self.time(seconds), steps: steps ?? [step], trigger: trigger)
        record.status = status
        record.pid = pid
        record.error = error
        if status != .running {
            record.finishedAt = Self.time(seconds + 3)
            record.durationSeconds = 3
        }
        try store.save(record)
        try writeLog(id, log)
        return record
    }

    /// Writes a sync run record (`run.json`) as JSON text.
    func syncRun(_ id: String, pipeline: String = "csv_to_sqlite", at seconds: Int, status: String = "succeeded",
                 parent: String? = nil, streams: [[String: Any]] = [], error: String? = nil, log: [String] = []) throws {
        var object: [String: Any] = [
            "id": id, "pipeline": pipeline, "extractor": "csv", "warehouse": "sqlite", "mode": "replace", "status": status,
            "started_at": Self.time(seconds), "finished_at": Self.time(seconds + 1), "duration_seconds": 1.0, "streams": streams,
            "retries": [], "pid": 1, "source_config": ["path": "a.csv", "api_key": "@env:SECRET_KEY"],
            "destination_config": ["path": "dwh.db"], "incremental": false, "deletions": "keep", "snapshot": false,
        ]
        if let parent { object["pipeline_run"] = parent }
        if let error { object["error"] = error }
        let folder = state + "/runs/" + id
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: folder + "/run.json"))
        try writeLog(id, log)
    }

    /// A stream of a sync run record.
    static func stream(_ name: String, table: String, rows: Int, status: String = "succeeded", error: String? = nil,
                       newColumns: [String] = []) -> [String: Any] {
        var object: [String: Any] = ["stream": name, "table": table, "status": status, "rows_read": rows, "rows_written": status == "succeeded" ? rows : 0,
                                     "rows_rejected": 0, "new_columns": newColumns, "widened_columns": [], "seconds": 0.5, "attempts": 1]
        if let error { object["error"] = error }
        return object
    }

    /// Log lines `level: message` as the run log writes them.
    func writeLog(_ id: String, _ lines: [String]) throws {
        guard !lines.isEmpty else { return }
        let text = lines.map { line -> String in
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let object = ["time": Self.time(0), "level": parts[0], "run_id": id, "message": parts.count > 1 ? parts[1] : ""]
            return String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }.joined(separator: "\n") + "\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: state + "/runs/" + id + "/log.jsonl"))
    }

    /// A run id for second `seconds` (sorts as the start time).
    static func id(_ seconds: Int, _ suffix: Int = 0) -> String {
        String(format: "20261201T%09dZ-%08x", seconds, suffix)
    }
}

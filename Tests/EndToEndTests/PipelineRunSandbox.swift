import ETLTestSupport
import Foundation

/// A project folder for `etl-host run`: the pipeline file and its data in
/// `<root>/project`, the state folder `<root>/state`, runs started from
/// `<root>` (so paths in the file must resolve against its own folder).
struct PipelineRunSandbox {
    let sandbox: HostSandbox
    var root: String { sandbox.root }
    var project: String { root + "/project" }
    var state: String { root + "/state" }

    init(_ label: String, yaml: String, files: [String: String] = [:]) throws {
        sandbox = try HostSandbox(label)
        try write(yaml, to: "etl.yaml")
        for (name, text) in files { try write(text, to: name) }
    }

    /// Writes a file of the project folder.
    func write(_ text: String, to name: String) throws {
        let url = URL(fileURLWithPath: project + "/" + name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    /// A project file's text, or nil.
    func read(_ name: String) -> String? {
        FileManager.default.contents(atPath: project + "/" + name).map { String(decoding: $0, as: UTF8.self) }
    }

    var environment: [String: String] { sandbox.environment.merging(["ETL_STATE_DIR": state]) { $1 } }

    /// Runs etl-host from the sandbox's root.
    func etlHost(_ arguments: [String], environment extra: [String: String] = [:]) throws -> TestSupport.ProcessResult {
        try TestSupport.run(TestSupport.hostExecutable, arguments, environment: environment.merging(extra) { $1 }, currentDirectory: root)
    }

    /// `etl-host run -f project/etl.yaml ARGUMENTS`.
    func run(_ arguments: String..., environment extra: [String: String] = [:]) throws -> TestSupport.ProcessResult {
        try etlHost(["run", "-f", "project/etl.yaml"] + arguments, environment: extra)
    }

    /// The folders under `state/runs`, sorted.
    func runFolders() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: state + "/runs")) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// The pipeline run records, oldest first.
    func pipelineRuns() throws -> [[String: Any]] {
        try runFolders().compactMap { id in
            guard let data = FileManager.default.contents(atPath: "\(state)/runs/\(id)/pipeline.json") else { return nil }
            return try JSONSerialization.jsonObject(with: data) as? [String: Any]
        }
    }

    /// The sync run records, oldest first.
    func syncRuns() throws -> [[String: Any]] {
        try runFolders().compactMap { id in
            guard let data = FileManager.default.contents(atPath: "\(state)/runs/\(id)/run.json") else { return nil }
            return try JSONSerialization.jsonObject(with: data) as? [String: Any]
        }
    }

    /// A table's rows in the project's SQLite warehouse.
    func rows(_ sql: String, database: String = "dwh.db") throws -> [[String?]] {
        try SQLiteInspector(path: project + "/" + database).rows(sql)
    }

    /// `name=state/attempts` for each step of a pipeline run record.
    static func states(_ record: [String: Any]) -> [String] {
        (record["steps"] as? [[String: Any]] ?? []).map { "\($0["name"] as? String ?? "?")=\($0["state"] as? String ?? "?")/\($0["attempts"] as? Int ?? -1)" }
    }

    /// Output with times and durations masked: ISO times become `<time>`,
    /// `0.123` becomes `#.###` (same width, so tables stay aligned).
    static func masked(_ text: String) -> String {
        var result = text.replacingOccurrences(of: #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"#, with: "<time>", options: .regularExpression)
        result = result.replacingOccurrences(of: #"\b\d+\.\d{2,3}\b"#, with: "#.##", options: .regularExpression)
        return result
    }
}

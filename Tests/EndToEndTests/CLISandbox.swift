import ETLTestSupport
import Foundation

/// A sandbox for the command-line tests of issue 18 (URIs, environment
/// configuration, init, show, runs filters): its own state folder, and no
/// ETL_SOURCE*/ETL_DESTINATION* variable from the test process.
struct CLISandbox {
    let sandbox: HostSandbox
    var root: String { sandbox.root }
    var state: String { sandbox.root + "/state" }

    init(_ label: String) throws { sandbox = try HostSandbox(label) }

    /// The environment a run gets: the sandbox's, the state folder, `extra`.
    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = sandbox.environment.filter { !$0.key.hasPrefix("ETL_SOURCE") && !$0.key.hasPrefix("ETL_DESTINATION") }
        environment["ETL_STATE_DIR"] = state
        return environment.merging(extra) { $1 }
    }

    /// Runs etl-host in `folder` (default: the sandbox root).
    func etlHost(_ arguments: [String], environment extra: [String: String] = [:], in folder: String? = nil) throws -> TestSupport.ProcessResult {
        try TestSupport.run(TestSupport.hostExecutable, arguments, environment: environment(extra), currentDirectory: folder ?? root)
    }

    /// Writes `text` to `name` under the root (folders created).
    func write(_ text: String, to name: String) throws {
        let url = URL(fileURLWithPath: root + "/" + name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    /// A SQLite warehouse's tables with their rows, and its stored schemas
    /// without their run id and time: what two loads of the same data must
    /// share (the run records and state differ by run id and time).
    func warehouseContent(_ path: String) throws -> String {
        let db = try SQLiteInspector(path: path.hasPrefix("/") ? path : root + "/" + path)
        let stamped = ["_etl_runs", "_etl_state", "_etl_schemas|"]
        let tables = try db.dump().split(separator: "\n").map(String.init).filter { line in !stamped.contains { line.hasPrefix($0) } }
        let schemas = try db.rows("SELECT table_name, schema_json FROM _etl_schemas ORDER BY table_name").map { "_etl_schemas| \($0[0] ?? ""): \($0[1] ?? "")" }
        return (tables + schemas).joined(separator: "\n")
    }
}

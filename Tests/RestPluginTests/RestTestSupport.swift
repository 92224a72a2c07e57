import ETLTestSupport
import Foundation
import Testing

/// `etl-host sync rest sqlite -s @file:api.json` through the built binary, against a
/// ``RestServer`` on loopback.
struct RestSync {
    let sandbox: HostSandbox

    init(_ label: String) throws { sandbox = try HostSandbox(label) }

    /// Writes `config` to `api.json` in the sandbox and syncs it into `warehouse.db`.
    @discardableResult
    func run(_ config: [String: Any], extra: [String] = [],
             environment: [String: String] = [:]) throws -> TestSupport.ProcessResult {
        let file = sandbox.root + "/api.json"
        try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys]).write(to: URL(fileURLWithPath: file))
        return try TestSupport.run(TestSupport.hostExecutable, ["sync", "rest", "sqlite", "-s", "@file:api.json"] + extra,
                                   environment: sandbox.environment.merging(environment) { $1 },
                                   currentDirectory: sandbox.root)
    }

    /// Rows of a query on the warehouse.
    func rows(_ sql: String) throws -> [[String?]] {
        try SQLiteInspector(path: sandbox.root + "/warehouse.db").rows(sql)
    }
}

/// A config of one resource `items` on `server`.
func itemsConfig(_ server: RestServer, path: String = "/items", records: String = "",
                 paginator: Any? = nil, extra: [String: Any] = [:]) -> [String: Any] {
    var resource: [String: Any] = ["name": "items", "path": path, "primary_key": "id"]
    if !records.isEmpty { resource["records"] = records }
    if let paginator { resource["paginator"] = paginator }
    var config: [String: Any] = ["base_url": server.url, "resources": [resource]]
    config.merge(extra) { $1 }
    return config
}

/// `count` records `{"id": n, "name": "item n"}` from `first`.
func items(_ first: Int, _ count: Int) -> [[String: Any]] {
    (first..<first + count).map { ["id": $0, "name": "item \($0)"] }
}

/// The rows `items(first, count)` loads as.
func itemRows(_ first: Int, _ count: Int) -> [[String?]] {
    (first..<first + count).map { ["\($0)", "item \($0)"] }
}

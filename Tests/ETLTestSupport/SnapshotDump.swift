import Foundation

/// An Arrow IPC file (a snapshot) as pyarrow reads it, through
/// `Tests/Fixtures/ArrowIPC/dump_ipc.py`: column names, pyarrow's type
/// names, field metadata, and every value as text (`nil` for null; ints
/// in decimal, booleans `true`/`false`, doubles as `bits:<IEEE pattern>`,
/// binary as comma-separated bytes, dates as days, timestamps as
/// microseconds).
public struct SnapshotDump {
    /// The column names, in order.
    public let names: [String]
    /// pyarrow's name of each column's type (`string`, `int64`, `double`, ...).
    public let types: [String]
    /// Each column's field metadata.
    public let metadata: [[String: String]]
    /// Every row of every batch, in order.
    public let rows: [[String?]]

    /// Reads `path` with pyarrow (python3 must have it: scripts/install-system-packages).
    public init(_ path: String) throws {
        let script = TestSupport.repositoryRoot + "/Tests/Fixtures/ArrowIPC/dump_ipc.py"
        let result = try TestSupport.run("/usr/bin/env", ["python3", script, path])
        guard result.status == 0 else { throw TestFailure("dump_ipc.py \(path) exited \(result.status): \(result.stderr)") }
        guard let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
              let fields = json["fields"] as? [[String: Any]], let batches = json["batches"] as? [[[Any]]] else {
            throw TestFailure("dump_ipc.py printed something unexpected: \(result.stdout.prefix(200))")
        }
        names = fields.map { $0["name"] as? String ?? "?" }
        types = fields.map { $0["type"] as? String ?? "?" }
        metadata = fields.map { $0["metadata"] as? [String: String] ?? [:] }
        let types = self.types
        rows = batches.flatMap { columns -> [[String?]] in
            (0..<(columns.first?.count ?? 0)).map { row in
                columns.indices.map { column in Self.text(columns[column][row], type: types[column]) }
            }
        }
    }

    private static func text(_ value: Any, type: String) -> String? {
        if value is NSNull { return nil }
        if let text = value as? String { return text }
        if type == "bool", let number = value as? NSNumber { return number.boolValue ? "true" : "false" }
        if let bytes = value as? [NSNumber] { return bytes.map { "\($0.intValue)" }.joined(separator: ",") }
        if let number = value as? NSNumber { return "\(number.int64Value)" }
        return "\(value)"
    }
}

import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Synchronization
import Testing

/// The built `libetl_airtable.so`, driven as the host drives it (PluginLoader:
/// dlopen, etl_plugin_init, descriptor checks; PluginInstance: open, discover,
/// read through the ArrowArrayStream, checkpoint), against the Airtable test
/// server (`AirtableServer`, a Python process on loopback, one per test).
enum AirtablePlugin {
    static var libraryPath: String { TestSupport.productsDirectory + "/libetl_airtable.so" }

    static func load() throws -> LoadedPlugin { try PluginLoader().load(libraryAt: libraryPath) }

    /// The state folder of these tests (pacing files), never the user's.
    static let stateFolder = NSTemporaryDirectory() + "etl-airtable-plugin-tests-\(getpid())"

    /// Config for `server`: its URL, the default token, short penalties, and
    /// `extra` on top (values are JSON values).
    static func config(_ server: AirtableServer, base: String, _ extra: [String: JSONValue] = [:]) -> String {
        var values: [String: JSONValue] = [
            "base": .string(base), "api_url": .string(server.url), "token": .string(AirtableServer.defaultToken),
            "rate_limit_wait_seconds": .integer(2), "max_retries": .integer(4), "timeout_seconds": .integer(20),
            "state_dir": .string(stateFolder),
        ]
        values.merge(extra) { $1 }
        return JSONValue.object(values).jsonText
    }

    /// Opens an instance on `server`; its log goes to the returned capture.
    static func open(_ server: AirtableServer, base: String, _ extra: [String: JSONValue] = [:]) throws
        -> (PluginInstance, LogCapture) {
        let log = LogCapture()
        let instance = try PluginInstance(plugin: load(), configJSON: config(server, base: base, extra), logSink: log)
        return (instance, log)
    }
}

/// Keeps what a plugin logs.
final class LogCapture: PluginLogSink {
    private let entries = Mutex<[(LogLevel, String)]>([])
    /// Broadcast after each message, for ``waitForMessage(containing:timeout:)``.
    private let arrived = NSCondition()

    func log(plugin: String, level: LogLevel, message: String) {
        entries.withLock { $0.append((level, message)) }
        arrived.lock()
        arrived.broadcast()
        arrived.unlock()
    }

    /// Blocks until a message containing `text` was logged (true), or `timeout` passed (false):
    /// a test waits for the moment the plugin reports instead of guessing a delay.
    func waitForMessage(containing text: String, timeout: TimeInterval = 60) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        arrived.lock()
        defer { arrived.unlock() }
        while !entries.withLock({ $0.contains { $0.1.contains(text) } }) {
            guard arrived.wait(until: deadline) else { return entries.withLock { $0.contains { $0.1.contains(text) } } }
        }
        return true
    }

    /// The messages at `level`.
    func messages(_ level: LogLevel) -> [String] {
        entries.withLock { $0.filter { $0.0 == level }.map(\.1) }
    }

    /// Every message, `level: text`, for failure output.
    var all: [String] { entries.withLock { $0.map { "\($0.0.name): \($0.1)" } } }
}

/// One cell of a read batch, typed as the column is.
enum Cell: Hashable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    /// utf8 text, as its exact bytes.
    case text([UInt8])
    case date(Int32)
    case timestamp(Int64)

    static func string(_ text: String) -> Cell { .text(Array(text.utf8)) }

    var description: String {
        switch self {
        case .null: "NULL"
        case .bool(let value): "\(value)"
        case .int(let value): "\(value)"
        case .double(let value): "\(value)d"
        case .text(let bytes): "\"\(String(decoding: bytes, as: UTF8.self))\""
        case .date(let value): "date(\(value))"
        case .timestamp(let value): "ts(\(value))"
        }
    }

    var text: String? {
        if case .text(let bytes) = self { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }
}

/// Everything a read returned.
struct ReadResult {
    var schema: ArrowBatchSchema
    var rows: [[Cell]]
    var batches: Int

    var columnNames: [String] { schema.fields.map(\.name) }

    /// The cells of column `name`, row by row.
    func column(_ name: String) -> [Cell] {
        guard let index = schema.index(of: name) else {
            Issue.record("no column \(name) in \(columnNames)")
            return []
        }
        return rows.map { $0[index] }
    }

    /// Row `row` as column name -> cell.
    func row(_ row: Int) -> [String: Cell] {
        Dictionary(uniqueKeysWithValues: zip(columnNames, rows[row]))
    }

    /// The rows keyed by their `id` column.
    func byID() -> [String: [String: Cell]] {
        var out: [String: [String: Cell]] = [:]
        for index in rows.indices {
            out[row(index)["id"]?.text ?? "?"] = row(index)
        }
        return out
    }
}

extension PluginInstance {
    /// Reads a whole stream.
    func readAll(_ stream: String, state: String? = nil) throws -> ReadResult {
        let reader = try read(stream: stream, stateJSON: state)
        var rows: [[Cell]] = []
        var batches = 0
        while let batch = try reader.next() {
            batches += 1
            for row in 0..<batch.rowCount {
                rows.append((0..<batch.columnCount).map { column in
                    if batch.isNull(row: row, column: column) { return .null }
                    switch batch.schema.fields[column].type {
                    case .bool: return .bool(batch.bool(row: row, column: column)!)
                    case .int64: return .int(batch.int64(row: row, column: column)!)
                    case .float64: return .double(batch.double(row: row, column: column)!)
                    case .utf8: return .text(Array(batch.utf8(row: row, column: column)!))
                    case .date32: return .date(batch.date32(row: row, column: column)!)
                    case .timestampMicrosecondsUTC: return .timestamp(batch.timestamp(row: row, column: column)!)
                    default: return .null
                    }
                })
            }
        }
        return ReadResult(schema: reader.schema, rows: rows, batches: batches)
    }
}

/// The HostError that `body` throws; records an issue if it throws none.
func hostError(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> HostError? {
    do {
        try body()
        Issue.record("expected an error", sourceLocation: sourceLocation)
        return nil
    } catch let error as HostError {
        return error
    } catch {
        Issue.record("not a HostError: \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Days since 1970-01-01 of a civil date.
func days(_ year: Int, _ month: Int, _ day: Int) -> Int32 {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let date = calendar.date(from: DateComponents(year: year, month: month, day: day))!
    return Int32((date.timeIntervalSince1970 / 86_400).rounded())
}

/// Microseconds since the epoch of an ISO 8601 time with a zone.
func micros(_ text: String) -> Int64 {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let date = formatter.date(from: text) { return Int64((date.timeIntervalSince1970 * 1000).rounded()) * 1000 }
    formatter.formatOptions = [.withInternetDateTime]
    return Int64(formatter.date(from: text)!.timeIntervalSince1970) * 1_000_000
}

/// The records of a table as the server holds them, in API order: id, and fields as JSON objects.
func serverIDs(_ server: AirtableServer, base: String, table: String) throws -> [String] {
    try server.records(base: base, table: table).map { $0["id"] as! String }
}

/// The most requests to `base` the server received in any window of one second.
func maxRequestsPerSecond(_ log: [AirtableServer.LogEntry]) -> Int {
    let times = log.map(\.time).sorted()
    var best = 0
    var start = 0
    for end in times.indices {
        while times[end] - times[start] >= 1.0 { start += 1 }
        best = max(best, end - start + 1)
    }
    return best
}

extension AirtableServer {
    /// A server with `fixture` loaded as JSON with sorted keys (so nested
    /// objects come back in a known order), and its rate limits off unless
    /// `rateLimited`.
    static func start(_ fixture: [String: Any], rateLimited: Bool = false) throws -> AirtableServer {
        let server = try launch()
        let data = try JSONSerialization.data(withJSONObject: fixture, options: [.sortedKeys])
        try server.load(json: String(decoding: data, as: UTF8.self))
        if !rateLimited { try server.disableRateLimits() }
        return server
    }
}

extension AirtableServer {
    /// Starts a server whose SIGTERM is not blocked.
    ///
    /// Test functions run on threads that block most signals, and the child
    /// process inherits the mask of the thread that spawns it: without this,
    /// `stop()` (SIGTERM, then wait) would wait forever.
    static func launch() throws -> AirtableServer {
        var unblocked = sigset_t()
        var previous = sigset_t()
        sigemptyset(&unblocked)
        sigaddset(&unblocked, SIGTERM)
        sigaddset(&unblocked, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &unblocked, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        return try AirtableServer()
    }
}

/// The etl-host binary in a sandbox, with a registry that adds the built
/// airtable plugin (the bundled registry.json does not list it yet), syncing
/// into a SQLite file of the sandbox.
struct AirtableSandbox {
    let sandbox: HostSandbox
    let server: AirtableServer
    let registry: String
    var database: String { sandbox.root + "/warehouse.db" }

    init(server: AirtableServer) throws {
        sandbox = try HostSandbox("airtable")
        self.server = server
        registry = sandbox.root + "/registry.json"
        let entry: [String: Any] = [
            "name": "airtable", "kind": "extractor", "version": "0.1.0", "abi": "1.0", "entry": "etl_plugin_init",
            "library": "@host/libetl_airtable.so", "sha256": NSNull(), "language": "swift", "toolchain": NSNull(),
            "capabilities": ["incremental", "schema_hints"], "description": "Airtable",
        ]
        let data = try JSONSerialization.data(withJSONObject: ["registry_version": 1, "plugins": [entry]])
        try data.write(to: URL(fileURLWithPath: registry))
    }

    /// `etl-host sync airtable sqlite --registry R -s api_url=… -d path=… <arguments>`.
    func sync(_ arguments: [String]) throws -> TestSupport.ProcessResult {
        try TestSupport.run(
            TestSupport.hostExecutable,
            ["sync", "airtable", "sqlite", "--registry", registry, "-s", "api_url=\(server.url)",
             "-s", "rate_limit_wait_seconds=2", "-d", "path=\(database)"] + arguments,
            environment: sandbox.environment, currentDirectory: sandbox.root)
    }
}

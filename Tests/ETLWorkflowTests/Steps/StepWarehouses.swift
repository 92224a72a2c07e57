import ETLHost
import ETLPluginKit
import ETLTestSupport
@testable import ETLWorkflow
import Foundation

/// A value to load into a test table.
enum Value {
    case null
    case int(Int64)
    case real(Double)
    case text(String)
    case bool(Bool)
    case date(Int32)
    case timestamp(Int64)
}

/// Plugin messages kept for assertions.
final class KeptLogs: PluginLogSink, @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func log(plugin: String, level: LogLevel, message: String) { lock.withLock { stored.append("\(level.name): \(message)") } }
    var messages: [String] { lock.withLock { stored } }
}

/// A warehouse for step tests: the bundled SQLite plugin on a new file, or
/// the bundled PostgreSQL plugin on a new schema of the test server.
final class StepTestWarehouse {
    enum Kind { case sqlite, postgres }

    let kind: Kind
    let warehouse: StepWarehouse
    let folder: String
    /// The SQLite file (SQLite only).
    let path: String
    /// The schema (PostgreSQL only).
    let schema: String
    private let postgres: PostgresInspector?

    init(_ kind: Kind, _ label: String) throws {
        self.kind = kind
        folder = try TestSupport.temporaryDirectory("steps-\(label)")
        switch kind {
        case .sqlite:
            path = folder + "/dwh.db"
            schema = ""
            postgres = nil
            let plugin = try PluginLoader().load(libraryAt: TestSupport.productsDirectory + "/libetl_sqlite.so")
            warehouse = try StepWarehouse(plugin: plugin, config: ["path": .string(path)], logSink: KeptLogs())
        case .postgres:
            path = ""
            schema = PostgresInspector.uniqueSchema("steps_\(label)")
            let url = try PostgresInspector.serverURL()
            postgres = try PostgresInspector(url: url)
            try postgres!.execute("CREATE SCHEMA \(PostgresInspector.quoted(schema))")
            let plugin = try PluginLoader().load(libraryAt: TestSupport.productsDirectory + "/libetl_postgres.so")
            warehouse = try StepWarehouse(plugin: plugin, config: ["url": .string(url), "schema": .string(schema)], logSink: KeptLogs())
        }
    }

    deinit {
        postgres?.dropSchema(schema)
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Runs statements through the plugin's execute, one by one.
    func execute(_ statements: String...) throws {
        let instance = try warehouse.open()
        defer { instance.close() }
        for statement in statements { _ = try instance.execute(sql: statement) }
    }

    /// Loads `rows` into `table` with a replace, through the plugin.
    func load(_ table: String, _ fields: [ArrowField], _ rows: [[Value]]) throws {
        let instance = try warehouse.open()
        defer { instance.close() }
        let writer = try instance.begin(table: table, schema: ArrowBatchSchema(fields), mode: .replace, runID: "setup")
        let builder = try ArrowBatchBuilder(fields: fields)
        for row in rows {
            for value in row {
                switch value {
                case .null: builder.appendNull()
                case .int(let value): builder.append(value)
                case .real(let value): builder.append(value)
                case .text(let value): builder.appendText(value)
                case .bool(let value): builder.append(value)
                case .date(let value): builder.appendDate32(daysSinceEpoch: value)
                case .timestamp(let value): builder.appendTimestamp(microsecondsSinceEpoch: value)
                }
            }
            try builder.endRow()
        }
        try writer.write(builder)
        try writer.commit()
    }

    /// Every row of `sql` as text, read directly (not through the plugin);
    /// unqualified names resolve in the test schema on PostgreSQL.
    func rows(_ sql: String) throws -> [[String?]] {
        switch kind {
        case .sqlite: try SQLiteInspector(path: path).rows(sql)
        case .postgres: try postgres!.rows("SET search_path = \(PostgresInspector.quoted(schema)); \(sql)")
        }
    }

    /// `name type` of each column of `table`.
    func columns(_ table: String) throws -> [String] {
        switch kind {
        case .sqlite: try SQLiteInspector(path: path).columns(table)
        case .postgres: try postgres!.columns(table, schema: schema)
        }
    }

    /// Writes `text` to `name` in the folder and returns its path.
    func file(_ name: String, _ text: String) throws -> String {
        let path = folder + "/" + name
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A `sql` step reading `query` inline.
    func step(_ query: String, _ materialize: SQLStep.Materialization = .table, target: String) -> SQLStep {
        SQLStep(source: .inline(query), materialize: materialize,
                into: .named("dwh", SourceLocation(file: "etl.yaml", line: 1, column: 1)), target: target)
    }

    /// A check step on `table`.
    func check(_ table: String, _ assertions: [CheckAssertion], severity: CheckSeverity = .error) -> CheckStep {
        CheckStep(table: table, warehouse: .named("dwh", SourceLocation(file: "etl.yaml", line: 1, column: 1)),
                  assertions: assertions, severity: severity)
    }
}

/// A query run over and over on its own connection and thread until
/// stopped (SQLite file or PostgreSQL schema); any error ends it.
final class ReaderLoop: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [String] = []
    private var failure: String?
    private var stopped = false
    private let done = DispatchSemaphore(value: 0)
    private let arrived = NSCondition()

    init(_ warehouse: StepTestWarehouse, sql: String) {
        let kind = warehouse.kind
        let path = warehouse.path
        let schema = warehouse.schema
        let thread = Thread { [self] in
            defer {
                arrived.lock()
                lock.withLock { stopped = true }
                arrived.broadcast()
                arrived.unlock()
                done.signal()
            }
            do {
                let read: () throws -> [[String?]]
                switch kind {
                case .sqlite:
                    let db = try SQLiteInspector(path: path)
                    read = { try db.rows(sql) }
                case .postgres:
                    let db = try PostgresInspector()
                    try db.execute("SET search_path = \(PostgresInspector.quoted(schema))")
                    read = { try db.rows(sql) }
                }
                while !lock.withLock({ stopped }) {
                    let value = try read().first?.first.flatMap { $0 } ?? "NULL"
                    arrived.lock()
                    lock.withLock { results.append(value) }
                    arrived.broadcast()
                    arrived.unlock()
                }
            } catch {
                lock.withLock { failure = "\(error)" }
            }
        }
        thread.start()
    }

    /// Blocks until the loop got `value` (true), or it ended or a minute passed (false).
    func waitFor(_ value: String) -> Bool {
        let deadline = Date().addingTimeInterval(60)
        arrived.lock()
        defer { arrived.unlock() }
        while true {
            let (seen, ended) = lock.withLock { (results.contains(value), stopped) }
            if seen { return true }
            if ended || !arrived.wait(until: deadline) { return false }
        }
    }

    /// Stops the loop; returns every result and the error that ended it, if any.
    func stop() -> (results: [String], failure: String?) {
        lock.withLock { stopped = true }
        done.wait()
        return lock.withLock { (results, failure) }
    }
}

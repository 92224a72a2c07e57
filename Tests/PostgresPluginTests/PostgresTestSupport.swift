import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

/// The built PostgreSQL warehouse plugin, loaded once per process.
enum PostgresPlugin {
    static let library = (TestSupport.productsDirectory as NSString).appendingPathComponent("libetl_postgres.so")

    static func load() throws -> LoadedPlugin {
        try PluginLoader().load(libraryAt: library)
    }
}

/// Log messages a plugin sent, for assertions.
final class CollectingLogSink: PluginLogSink, @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []

    func log(plugin: String, level: LogLevel, message: String) {
        lock.withLock { stored.append("\(level.name): \(message)") }
    }

    /// Every message, as `level: text`.
    var messages: [String] { lock.withLock { stored } }

    /// The messages of level warn and above.
    var warnings: [String] { messages.filter { $0.hasPrefix("warn: ") || $0.hasPrefix("error: ") } }
}

/// A schema of its own on the test server (dropped at deinit), with an
/// open instance of the plugin loading into it.
final class TestWarehouse {
    let schema: String
    let instance: PluginInstance
    let logs = CollectingLogSink()
    /// A plain connection for checking what the plugin wrote.
    let db: PostgresInspector

    init(_ label: String = "pg", extraConfig: String = "") throws {
        schema = PostgresInspector.uniqueSchema(label)
        let url = try PostgresInspector.serverURL()
        db = try PostgresInspector(url: url)
        instance = try PluginInstance(plugin: try PostgresPlugin.load(),
                                      configJSON: #"{"url": "\#(url)", "schema": "\#(schema)"\#(extraConfig)}"#,
                                      logSink: logs)
    }

    deinit {
        instance.close()
        db.dropSchema(schema)
    }

    /// Begins a load, writes `batches` (each a list of rows), and commits
    /// with the given bookkeeping.
    @discardableResult
    func load(_ table: String, _ fields: [ArrowField], _ batches: [[[Cell]]], mode: WriteMode = .replace,
              keys: [String] = [], runID: String = "run-1", stateKey: String? = nil, stateJSON: String? = nil,
              runJSON: String? = nil, schemaJSON: String? = nil) throws -> WarehouseWriter {
        let writer = try instance.begin(table: table, schema: ArrowBatchSchema(fields), mode: mode,
                                        keyColumns: keys, runID: runID)
        for rows in batches { try writer.write(try makeBatch(fields, rows)) }
        try writer.commit(stateKey: stateKey, stateJSON: stateJSON, runJSON: runJSON, schemaJSON: schemaJSON)
        return writer
    }

    /// `"schema"."table"`.
    func qualified(_ table: String) -> String { PostgresInspector.qualified(schema, table) }

    /// Every row of `sql` as text cells.
    func rows(_ sql: String) throws -> [[String?]] { try db.rows(sql) }

    /// `name type` of each column of `table`.
    func columns(_ table: String) throws -> [String] { try db.columns(table, schema: schema) }

    /// The tables of the schema.
    func tables() throws -> [String] { try db.tables(schema: schema) }

    /// Every table of the schema with its columns, indexes and rows.
    func dump() throws -> String { try db.dump(schema: schema) }
}

/// A builder holding `rows`, ready for ``WarehouseWriter/write(_:)``.
func makeBatch(_ fields: [ArrowField], _ rows: [[Cell]]) throws -> ArrowBatchBuilder {
    let builder = try ArrowBatchBuilder(fields: fields)
    for row in rows {
        for cell in row {
            switch cell {
            case .null: builder.appendNull()
            case .bool(let value): builder.append(value)
            case .int(let value): builder.append(value)
            case .real(let value): builder.append(value)
            case .text(let value): builder.appendText(value)
            case .bytes(let value): builder.appendBinary(value)
            case .date(let value): builder.appendDate32(daysSinceEpoch: value)
            case .timestamp(let value): builder.appendTimestamp(microsecondsSinceEpoch: value)
            }
        }
        try builder.endRow()
    }
    return builder
}

/// The HostError that `body` throws, or nil.
func hostError(_ body: () throws -> Void) -> HostError? {
    do {
        try body()
        return nil
    } catch let error as HostError {
        return error
    } catch {
        return HostError(.io, "not a HostError: \(error)")
    }
}

import CSQLite
import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

/// The built SQLite warehouse plugin, loaded once per process.
enum SQLitePlugin {
    static let library = (TestSupport.productsDirectory as NSString).appendingPathComponent("libetl_sqlite.so")

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

/// A warehouse database in a fresh temporary folder, with an open instance
/// of the plugin on it.
final class TestWarehouse {
    let folder: String
    let path: String
    let instance: PluginInstance
    let logs = CollectingLogSink()

    init(_ label: String = "sqlite") throws {
        folder = try TestSupport.temporaryDirectory(label)
        path = folder + "/warehouse.db"
        instance = try PluginInstance(plugin: try SQLitePlugin.load(),
                                      configJSON: #"{"path": "\#(path)"}"#, logSink: logs)
    }

    deinit {
        instance.close()
        try? FileManager.default.removeItem(atPath: folder)
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

    /// A direct connection to the database file, as another tool would
    /// open it (creating the file when the plugin has not yet: it creates
    /// it at the first begin).
    func database() throws -> TestDatabase { try TestDatabase(path, creating: true) }
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

/// A value read back with sqlite3, with its storage class.
enum Stored: Hashable, CustomStringConvertible {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    var description: String {
        switch self {
        case .null: "NULL"
        case .integer(let value): "integer:\(value)"
        case .real(let value): "real:\(value)[\(String(value.bitPattern, radix: 16))]"
        case .text(let value): "text:\(value.debugDescription)"
        case .blob(let value): "blob:\(value.map { String($0, radix: 16) }.joined(separator: " "))"
        }
    }
}

/// A plain sqlite3 connection for checking what the plugin wrote.
final class TestDatabase {
    let handle: OpaquePointer

    init(_ path: String, creating: Bool = false) throws {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | (creating ? SQLITE_OPEN_CREATE : 0)
        guard sqlite3_open_v2(path, &db, flags, nil) == SQLITE_OK, let db else {
            sqlite3_close(db)
            throw TestFailure("cannot open \(path)")
        }
        handle = db
        sqlite3_busy_timeout(db, 2000)
    }

    deinit { sqlite3_close_v2(handle) }

    /// Every row of `sql`, values with their storage class.
    func rows(_ sql: String) throws -> [[Stored]] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw TestFailure("\(sql): \(String(cString: sqlite3_errmsg(handle)))")
        }
        defer { sqlite3_finalize(statement) }
        var result: [[Stored]] = []
        while true {
            let status = sqlite3_step(statement)
            if status == SQLITE_DONE { return result }
            guard status == SQLITE_ROW else { throw TestFailure("\(sql): \(String(cString: sqlite3_errmsg(handle)))") }
            result.append((0..<sqlite3_column_count(statement)).map { column in
                switch sqlite3_column_type(statement, column) {
                case SQLITE_INTEGER: .integer(sqlite3_column_int64(statement, column))
                case SQLITE_FLOAT: .real(sqlite3_column_double(statement, column))
                case SQLITE_TEXT: .text(String(cString: sqlite3_column_text(statement, column)))
                case SQLITE_BLOB:
                    .blob(Array(UnsafeRawBufferPointer(start: sqlite3_column_blob(statement, column),
                                                       count: Int(sqlite3_column_bytes(statement, column)))))
                default: .null
                }
            })
        }
    }

    /// Runs statements that return nothing.
    func execute(_ sql: String) throws {
        guard sqlite3_exec(handle, sql, nil, nil, nil) == SQLITE_OK else {
            throw TestFailure("\(sql): \(String(cString: sqlite3_errmsg(handle)))")
        }
    }

    /// The first value of the first row.
    func scalar(_ sql: String) throws -> Stored? { try rows(sql).first?.first }

    /// `name declared-type` of each column of `table`.
    func columns(_ table: String) throws -> [String] {
        try rows("SELECT name || ' ' || type FROM pragma_table_info('\(table.replacingOccurrences(of: "'", with: "''"))')")
            .map { $0[0].description }
    }

    /// The names of every table, sorted.
    func tables() throws -> [String] {
        try rows("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").map {
            if case .text(let name) = $0[0] { return name }
            return "?"
        }
    }

    /// The schema and every row of every table, values exact with their
    /// storage class, in rowid order: equal dumps mean equal databases.
    func dump() throws -> String {
        var text = ""
        for row in try rows("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name") {
            text += row.map(\.description).joined(separator: " ") + "\n"
        }
        for table in try tables() {
            let quoted = "\"" + table.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            for row in try rows("SELECT rowid, * FROM \(quoted) ORDER BY rowid") {
                text += "\(table): " + row.map(\.description).joined(separator: " | ") + "\n"
            }
        }
        return text
    }
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

import ETLHost
// The source templates of `etl-host plugins new` for Swift plugins (with
// ETLPluginKit). Placeholders: __NAME__ (the plugin name), __TYPE__ (the
// plugin's class). PluginsNewTests type-checks both kinds against the kit
// and builds, installs and syncs the extractor.

extension ScaffoldTemplates {
    /// A Swift extractor: one stream of `count` numbers.
    static let swiftExtractor = ##"""
    import ETLPluginKit

    /// __NAME__ — an etl-host extractor in Swift, made by `etl-host plugins new`.
    ///
    /// It reads one stream, "numbers", of `count` rows (config; default 10):
    /// n (int64), square (int64), even (bool) and label (utf8, "row <n>").
    ///
    /// Make it yours: change ``info`` (its config schema), ``discover()`` and
    /// ``read(stream:state:)``, marked TODO. ETLPluginKit turns this class into
    /// the C contract (etl_plugin.h): what you throw becomes a status and a
    /// message, batches are exported and released for you, and the host's
    /// cancel() is checked between batches.
    final class __TYPE__: Extractor {
        // TODO: the config your plugin accepts (a JSON Schema; the host checks
        // configs against it before init).
        static let info = PluginInfo(
            name: "__NAME__", version: "0.1.0",
            description: "TODO: say what __NAME__ reads (now: a stream of `count` numbers)",
            configSchema: #"""
            {
              "type": "object",
              "additionalProperties": false,
              "properties": {
                "count": {
                  "type": "integer",
                  "default": 10,
                  "description": "How many rows the numbers stream has (0 to 1000000000)."
                }
              }
            }
            """#,
            capabilities: [.schemaHints])

        /// The columns of the stream. TODO: yours.
        static let fields = [
            ArrowField("n", .int64), ArrowField("square", .int64), ArrowField("even", .bool),
            ArrowField("label", .utf8),
        ]

        private let count: Int64
        private let host: HostContext

        init(config: PluginConfig, host: HostContext) throws {
            try config.rejectUnknownKeys(allowed: ["count"])
            count = try config.integer("count") ?? 10
            guard (0 ... 1_000_000_000).contains(count) else {
                throw PluginError.invalidArgument("config \"count\" must be from 0 to 1000000000")
            }
            self.host = host
        }

        /// TODO: your streams, their keys and column types.
        func discover() throws -> Catalog {
            Catalog(streams: [
                CatalogStream(name: "numbers", primaryKey: ["n"], fields: [
                    CatalogField(name: "n", type: .integer), CatalogField(name: "square", type: .integer),
                    CatalogField(name: "even", type: .boolean), CatalogField(name: "label", type: .string),
                ]),
            ])
        }

        /// TODO: your rows. Each call of the closure fills one batch and says
        /// whether more follow.
        func read(stream: String, state: String?) throws -> any BatchSource {
            guard stream == "numbers" else {
                throw PluginError.invalidArgument("__NAME__ has no stream '\(stream)'; its only stream is 'numbers'")
            }
            let count = self.count
            var next: Int64 = 1
            return ClosureBatchSource(schema: ArrowBatchSchema(Self.fields)) { b in
                while next <= count && b.rowCount < 1000 {
                    b.append(next)
                    b.append(next * next)
                    b.append(next % 2 == 0)
                    b.appendText("row \(next)")
                    try b.endRow()
                    next += 1
                }
                return next <= count
            }
        }
    }
    """##

    /// A Swift warehouse: each table as JSON Lines in a directory, replace and append.
    static let swiftWarehouse = ##"""
    import ETLPluginKit
    import Foundation

    /// __NAME__ — an etl-host warehouse in Swift, made by `etl-host plugins new`.
    ///
    /// It writes each table as JSON Lines: table "orders" becomes
    /// `<dir>/orders.jsonl`, one JSON object per row (NULL as null, dates and
    /// timestamps as ISO 8601 text, binary as hex text, JSON columns as JSON).
    /// Config: `{"dir": "out"}`, created if missing.
    ///
    /// - replace: rows go to a hidden temporary file, renamed over the table's
    ///   file at commit (readers see the old file or the new one).
    /// - append: commit writes the old rows and the new ones to a new file and
    ///   renames it (atomic too).
    ///
    /// Extractor states and table schemas are small files in `<dir>/_etl/`,
    /// replaced atomically after the data at each commit (so not in one
    /// transaction with it: it does not claim `.transactionalState`).
    ///
    /// Make it yours: write somewhere else in ``__TYPE__Writer``, marked TODO.
    final class __TYPE__: Warehouse {
        // TODO: the config your plugin accepts (a JSON Schema; the host checks
        // configs against it before init).
        static let info = PluginInfo(
            name: "__NAME__", version: "0.1.0",
            description: "TODO: say where __NAME__ writes (now: JSON Lines files in a directory)",
            configSchema: #"""
            {
              "type": "object",
              "additionalProperties": false,
              "required": ["dir"],
              "properties": {
                "dir": {
                  "type": "string",
                  "description": "The directory for the <table>.jsonl files, created if missing."
                }
              }
            }
            """#,
            capabilities: [.modeReplace, .modeAppend])

        /// The tables' directory.
        let directory: String
        /// `<dir>/_etl`: states and schemas.
        let metaDirectory: String

        init(config: PluginConfig, host: HostContext) throws {
            try config.rejectUnknownKeys(allowed: ["dir"])
            directory = try config.requiredString("dir")
            guard !directory.isEmpty else { throw PluginError.invalidArgument("config \"dir\" is empty") }
            metaDirectory = directory + "/_etl"
            do {
                try FileManager.default.createDirectory(atPath: metaDirectory, withIntermediateDirectories: true)
            } catch {
                throw PluginError.io("cannot create the directory \(metaDirectory): \(error.localizedDescription)")
            }
        }

        func check() throws {
            guard FileManager.default.isWritableFile(atPath: directory) else {
                throw PluginError(.permissionDenied, "cannot write to the directory \(directory)")
            }
        }

        func begin(_ request: TableRequest) throws -> any TableWriter {
            let table = request.table
            guard !table.isEmpty, !table.hasPrefix("."), !table.contains("/") else {
                throw PluginError.invalidArgument("table name '\(table)' cannot be a file name")
            }
            return try __TYPE__Writer(warehouse: self, request: request)
        }

        func stateGet(key: String) throws -> String? {
            FileManager.default.contents(atPath: statePath(key)).map { String(decoding: $0, as: UTF8.self) }
        }

        func schemaGet(table: String) throws -> String? {
            FileManager.default.contents(atPath: schemaPath(table)).map { String(decoding: $0, as: UTF8.self) }
        }

        /// `<dir>/_etl/state-<hex of key>.json`: any key becomes a file name.
        func statePath(_ key: String) -> String {
            metaDirectory + "/state-" + key.utf8.map { String(format: "%02x", $0) }.joined() + ".json"
        }

        /// `<dir>/_etl/schema-<table>.json`.
        func schemaPath(_ table: String) -> String {
            metaDirectory + "/schema-\(table).json"
        }
    }

    /// Writes one table: rows to a temporary file, renamed at commit.
    final class __TYPE__Writer: TableWriter {
        private let warehouse: __TYPE__
        private let request: TableRequest
        private let path: String
        private let temporaryPath: String
        private var handle: FileHandle?

        init(warehouse: __TYPE__, request: TableRequest) throws {
            self.warehouse = warehouse
            self.request = request
            path = warehouse.directory + "/\(request.table).jsonl"
            temporaryPath = warehouse.directory + "/.\(request.table).jsonl.\(getpid())-\(UInt32.random(in: 0 ... .max)).tmp"
            // TODO: start writing to your destination.
            guard FileManager.default.createFile(atPath: temporaryPath, contents: nil),
                  let handle = FileHandle(forWritingAtPath: temporaryPath)
            else { throw PluginError.io("cannot create \(temporaryPath)") }
            self.handle = handle
        }

        func write(batch: ImportedBatch) throws {
            var text = ""
            for row in 0 ..< batch.rowCount {
                text += "{"
                for column in 0 ..< batch.columnCount {
                    if column > 0 { text += "," }
                    text += JSONStringWriter.quoted(batch.schema.fields[column].name) + ":"
                    text += Self.json(batch, row: row, column: column)
                }
                text += "}\n"
            }
            // TODO: send the rows to your destination.
            try handle?.write(contentsOf: Data(text.utf8))
        }

        func commit(_ commit: CommitRequest) throws {
            try handle?.synchronize()
            try handle?.close()
            handle = nil
            let fileManager = FileManager.default
            if request.mode == .append, let old = fileManager.contents(atPath: path) {
                let new = fileManager.contents(atPath: temporaryPath) ?? Data()
                try (old + new).write(to: URL(fileURLWithPath: path), options: .atomic)
                try? fileManager.removeItem(atPath: temporaryPath)
            } else if rename(temporaryPath, path) != 0 {
                throw PluginError.posix(errno, "rename \(temporaryPath) to \(path)")
            }
            // The data is in place; what describes it follows.
            if let key = commit.stateKey, let state = commit.stateJSON {
                try Data(state.utf8).write(to: URL(fileURLWithPath: warehouse.statePath(key)), options: .atomic)
            }
            if let schema = commit.schemaJSON {
                try Data(schema.utf8).write(to: URL(fileURLWithPath: warehouse.schemaPath(request.table)), options: .atomic)
            }
        }

        func rollback() {
            try? handle?.close()
            handle = nil
            try? FileManager.default.removeItem(atPath: temporaryPath)
        }

        /// One value as JSON text.
        static func json(_ batch: ImportedBatch, row: Int, column: Int) -> String {
            let field = batch.schema.fields[column]
            if batch.isNull(row: row, column: column) { return "null" }
            switch field.type {
            case .bool: return batch.bool(row: row, column: column)! ? "true" : "false"
            case .int64: return String(batch.int64(row: row, column: column)!)
            case .float64:
                let value = batch.double(row: row, column: column)!
                return value.isFinite ? "\(value)" : "null" // JSON has no NaN or infinity
            case .utf8:
                let text = batch.string(row: row, column: column)!
                return field.annotation == .json ? text : JSONStringWriter.quoted(text)
            case .binary:
                let bytes = batch.binary(row: row, column: column)!
                return "\"" + bytes.map { String(format: "%02x", $0) }.joined() + "\""
            case .date32:
                return "\"" + DateText.date(daysSinceEpoch: Int64(batch.date32(row: row, column: column)!)) + "\""
            case .timestampMicrosecondsUTC:
                return "\"" + DateText.timestamp(microsecondsSinceEpoch: batch.timestamp(row: row, column: column)!) + "\""
            case .null:
                return "null"
            }
        }
    }
    """##

    /// The entry point of a Swift extractor.
    static let swiftExtractorEntry = ##"""
    import ETLPluginKit

    /// The one symbol the host looks up after dlopen. ETLPluginKit negotiates
    /// the ABI, fills the descriptor from __TYPE__.info and serves the
    /// operations; nothing else needs exporting.
    @_cdecl("etl_plugin_init")
    public func etl_plugin_init(
        _ hostABI: UInt32, _ host: UnsafePointer<etl_host_api>?, _ out: UnsafeMutablePointer<etl_plugin>?,
        _ error: UnsafeMutablePointer<etl_error>?
    ) -> Int32 {
        PluginEntry.initialize(hostABI: hostABI, host: host, out: out, error: error, extractor: __TYPE__.self)
    }
    """##

    /// The entry point of a Swift warehouse.
    static let swiftWarehouseEntry = ##"""
    import ETLPluginKit

    /// The one symbol the host looks up after dlopen. ETLPluginKit negotiates
    /// the ABI, fills the descriptor from __TYPE__.info and serves the
    /// operations; nothing else needs exporting.
    @_cdecl("etl_plugin_init")
    public func etl_plugin_init(
        _ hostABI: UInt32, _ host: UnsafePointer<etl_host_api>?, _ out: UnsafeMutablePointer<etl_plugin>?,
        _ error: UnsafeMutablePointer<etl_error>?
    ) -> Int32 {
        PluginEntry.initialize(hostABI: hostABI, host: host, out: out, error: error, warehouse: __TYPE__.self)
    }
    """##
}

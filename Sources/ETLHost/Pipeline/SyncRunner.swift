import CETLPlugin
import ETLPluginKit
import Foundation

/// What to sync: the plugins, their configs, the mode and the streams.
public struct SyncRequest: @unchecked Sendable {
    /// Extractor plugin name.
    public var extractor: String
    /// Warehouse plugin name.
    public var warehouse: String
    /// The extractor's config, validated.
    public var sourceConfig: [String: Any]
    /// The warehouse's config, validated.
    public var destinationConfig: [String: Any]
    /// How tables are loaded.
    public var mode: WriteMode
    /// Upsert keys (column or source field names); nil uses the stream's own.
    public var primaryKey: [String]?
    /// Streams to sync; nil means all.
    public var streams: [String]?
    /// Folder for the run's spool files.
    public var workDirectory: String
    /// Read only what changed since the state the last successful run
    /// committed (append or upsert; the extractor must be incremental).
    public var incremental = false
    /// Malformed records each stream may set aside in `_etl_rejects`
    /// instead of failing (--max-bad-rows).
    public var maxBadRows: Int = 0
    /// With upsert: what to do with rows whose key the source no longer
    /// has (--deletions). With `incremental` the extractor lists every key
    /// (`key_listing`); otherwise the rows read are the keys present.
    public var deletions: DeletionMode = .keep

    /// A request.
    public init(
        extractor: String, warehouse: String, sourceConfig: [String: Any], destinationConfig: [String: Any],
        mode: WriteMode, primaryKey: [String]? = nil, streams: [String]? = nil, workDirectory: String
    ) {
        self.extractor = extractor
        self.warehouse = warehouse
        self.sourceConfig = sourceConfig
        self.destinationConfig = destinationConfig
        self.mode = mode
        self.primaryKey = primaryKey
        self.streams = streams
        self.workDirectory = workDirectory
    }
}

/// Runs extract -> transform -> load for every selected stream.
///
/// Per stream: pass 1 reads every batch from the extractor into a spool file
/// while inferring each field's type; the table schema is resolved against
/// the one stored by the last run (names kept, types only widened); pass 2
/// converts the spool into typed batches and writes them; commit stores the
/// data, the extractor's state, the run record and the schema in one
/// transaction. A failing stream is rolled back (the warehouse is exactly as
/// before) and the others still run.
public final class SyncRunner {
    let request: SyncRequest
    let extractor: LoadedPlugin
    let warehouse: LoadedPlugin
    weak var observer: (any SyncObserver)?
    let logSink: any PluginLogSink
    /// The run's id.
    public let runID: String

    /// A runner for `request` with plugins already loaded and checked.
    public init(request: SyncRequest, extractor: LoadedPlugin, warehouse: LoadedPlugin,
                observer: (any SyncObserver)? = nil, logSink: any PluginLogSink = StandardErrorLogSink()) throws {
        try extractor.require(kind: .extractor)
        try warehouse.require(kind: .warehouse)
        if request.incremental {
            guard extractor.descriptor.capabilities.contains("incremental"), extractor.descriptor.optionalOperations.contains("checkpoint") else {
                throw HostError(.invalidArgument, "extractor '\(extractor.descriptor.name)' is not incremental: drop --incremental to read everything")
            }
            guard request.mode != .replace else {
                throw HostError(.invalidArgument, "--incremental reads only what changed, so it needs --mode upsert (or append); --mode replace would drop every row not read again")
            }
        }
        guard warehouse.descriptor.capabilities.contains(Self.capabilityName(request.mode)) else {
            throw HostError(.invalidArgument, "warehouse '\(warehouse.descriptor.name)' does not support --mode \(request.mode) (it supports: \(warehouse.descriptor.capabilities.filter { ["replace", "append", "upsert"].contains($0) }.joined(separator: ", ")))")
        }
        if request.deletions != .keep {
            guard request.mode == .upsert else {
                throw HostError(.invalidArgument, "--deletions \(request.deletions) needs --mode upsert: replace already drops what the source no longer has, and append never changes existing rows")
            }
            guard warehouse.descriptor.capabilities.contains("deletions") else {
                throw HostError(.invalidArgument, "warehouse '\(warehouse.descriptor.name)' cannot detect deleted rows (no deletions capability); drop --deletions")
            }
            if request.incremental, !extractor.descriptor.capabilities.contains("key_listing") {
                throw HostError(.invalidArgument, "extractor '\(extractor.descriptor.name)' cannot list the keys of its records, so --incremental cannot see deletions; drop --incremental (a full upsert sees them) or --deletions")
            }
        }
        self.request = request
        self.extractor = extractor
        self.warehouse = warehouse
        self.observer = observer
        self.logSink = logSink
        runID = Self.newRunID()
    }

    /// Runs the sync.
    ///
    /// - Throws: errors that stop the whole run before any stream starts
    ///   (open, discover, unknown streams). Stream failures are in the report.
    public func run() throws -> SyncReport {
        let startedAt = Self.now()
        let source = try PluginInstance(plugin: extractor, configJSON: ConfigResolver.json(request.sourceConfig), logSink: logSink)
        let destination = try PluginInstance(plugin: warehouse, configJSON: ConfigResolver.json(request.destinationConfig), logSink: logSink)
        let catalog = try SourceCatalog(json: source.discover(), plugin: extractor.descriptor.name)
        let selected = try select(catalog)

        try FileManager.default.createDirectory(atPath: request.workDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: request.workDirectory) }

        var tableNames = NameNormalizer()
        var reports: [StreamReport] = []
        for stream in selected {
            let table = tableNames.assign(stream.name)
            observer?.streamStarted(stream.name)
            let started = Date()
            var report: StreamReport
            do {
                report = try sync(stream, into: table, source: source, destination: destination)
            } catch {
                report = StreamReport(
                    stream: stream.name, table: table, status: "failed", rowsRead: 0, rowsWritten: 0, rowsRejected: 0,
                    newColumns: [], widenedColumns: [], seconds: 0, error: "\(error)"
                )
                failures.append(error)
            }
            report.seconds = (Date().timeIntervalSince(started) * 1000).rounded() / 1000
            observer?.streamFinished(report)
            reports.append(report)
        }
        return SyncReport(
            runID: runID, extractor: extractor.descriptor.name, warehouse: warehouse.descriptor.name,
            mode: request.mode.description, status: reports.allSatisfy { $0.status != "failed" } ? "succeeded" : "failed",
            startedAt: startedAt, finishedAt: Self.now(), streams: reports
        )
    }

    /// The errors of failed streams, in order (for the exit code).
    public private(set) var failures: [any Error] = []

    private func select(_ catalog: SourceCatalog) throws -> [SourceCatalog.Stream] {
        guard let wanted = request.streams else { return catalog.streams }
        return try wanted.map { name in
            guard let stream = catalog.streams.first(where: { $0.name == name }) else {
                throw HostError(.invalidArgument, "extractor '\(extractor.descriptor.name)' has no stream '\(name)'; its streams: \(catalog.streams.map(\.name).joined(separator: ", "))")
            }
            return stream
        }
    }

    private func sync(_ stream: SourceCatalog.Stream, into table: String, source: PluginInstance, destination: PluginInstance) throws -> StreamReport {
        let startedAt = Self.now()
        let stateKey = "\(extractor.descriptor.name)/\(stream.name)"
        let previousState = request.incremental ? try destination.stateGet(key: stateKey) : nil
        let stored = try destination.schemaGet(table: table).map(TableSchema.decode)

        // Pass 1: extract into the spool, inferring types.
        let spoolPath = (request.workDirectory as NSString).appendingPathComponent("\(table).spool")
        let spool = try SpoolWriter(path: spoolPath)
        var flattener = BatchFlattener(stream: stream.name)
        source.context.allowRejects(request.maxBadRows)
        _ = source.context.takeRejects()
        let reader = try source.read(stream: stream.name, stateJSON: previousState)
        flattener.register(reader.schema)
        while let batch = try reader.next() {
            let columns = try flattener.flatten(batch)
            try spool.append(columns, rows: batch.rowCount)
            observer?.streamProgress(stream.name, phase: "reading", rows: flattener.rowCount)
        }
        try spool.finish()
        let state = try source.checkpoint(stream: stream.name)
        let rejects = source.context.takeRejects()
        source.context.allowRejects(0)

        // Deletions after an incremental read: every key still at the source.
        let keySpoolPath = (request.workDirectory as NSString).appendingPathComponent("\(table).keys.spool")
        let listsKeys = request.deletions != .keep && request.incremental
        if listsKeys {
            try spoolKeys(of: stream, from: source, into: keySpoolPath)
        }

        // Resolve the table schema.
        let resolution = resolveSchema(stream: stream, table: table, flattener: flattener, stored: stored)
        guard !resolution.schema.columns.isEmpty else {
            return StreamReport(stream: stream.name, table: table, status: "skipped", rowsRead: flattener.rowCount, rowsWritten: 0,
                                rowsRejected: 0, newColumns: [], widenedColumns: [], seconds: 0,
                                error: "the stream has no fields; no table was created")
        }
        let keys = try upsertKeys(stream: stream, schema: resolution.schema)

        // Pass 2: convert and load, then commit everything at once.
        let writer = try destination.begin(table: table, schema: resolution.schema.arrowSchema, mode: request.mode, keyColumns: keys, runID: runID, deletions: request.deletions)
        var written = 0
        do {
            let converter = try BatchConverter(schema: resolution.schema, stream: stream.name)
            let spooled = try SpoolReader(path: spoolPath)
            let array = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
            defer { array.deallocate() }
            while let batch = try spooled.next() {
                array.initialize(to: ArrowArray())
                try converter.convert(batch, into: array)
                try writer.write(array)
                written += batch.rowCount
                observer?.streamProgress(stream.name, phase: "loading", rows: written)
            }
            if request.deletions != .keep {
                try writePresentKeys(listsKeys ? keySpoolPath : nil, keys: keys, schema: resolution.schema, stream: stream.name, writer: writer)
            }
            let run: [String: Any] = [
                "run_id": runID, "stream": stream.name, "table_name": table, "mode": request.mode.description,
                "status": "succeeded", "rows_read": flattener.rowCount + rejects.count, "rows_written": written,
                "rows_rejected": rejects.count,
                "started_at": startedAt, "finished_at": Self.now(), "extractor": extractor.descriptor.name,
                "warehouse": warehouse.descriptor.name,
            ]
            try writer.commit(stateKey: state == nil ? nil : stateKey, stateJSON: state, runJSON: ConfigResolver.json(run),
                              schemaJSON: resolution.schema.json())
        } catch {
            writer.rollback()
            throw error
        }
        if !rejects.isEmpty { try storeRejects(rejects, table: table, destination: destination) }
        return StreamReport(
            stream: stream.name, table: table, status: "succeeded", rowsRead: flattener.rowCount + rejects.count,
            rowsWritten: written, rowsRejected: rejects.count, newColumns: resolution.newColumns,
            widenedColumns: resolution.widened, seconds: 0, error: nil
        )
    }

    /// Reads the keys of every record of `stream` at the source into a spool
    /// (before the load begins, so no transaction waits on the source).
    private func spoolKeys(of stream: SourceCatalog.Stream, from source: PluginInstance, into path: String) throws {
        guard !stream.primaryKey.isEmpty, request.primaryKey == nil || request.primaryKey == stream.primaryKey else {
            throw HostError(.invalidArgument, "stream '\(stream.name)': --deletions with --incremental lists the stream's own primary key (\(stream.primaryKey.isEmpty ? "none" : stream.primaryKey.joined(separator: ","))); drop --primary-key or --incremental")
        }
        let spool = try SpoolWriter(path: path)
        var flattener = BatchFlattener(stream: stream.name)
        let reader = try source.read(stream: stream.name, keysOnly: true)
        flattener.register(reader.schema)
        while let batch = try reader.next() {
            try spool.append(try flattener.flatten(batch), rows: batch.rowCount)
            observer?.streamProgress(stream.name, phase: "listing keys", rows: flattener.rowCount)
        }
        try spool.finish()
    }

    /// Tells the writer which keys are still at the source: the spooled key
    /// listing, or (after a full read, `keySpool` nil) none beyond the rows
    /// written, which the warehouse counts as present.
    private func writePresentKeys(_ keySpool: String?, keys: [String], schema: TableSchema, stream: String, writer: WarehouseWriter) throws {
        let keyColumns = keys.compactMap { key in schema.columns.first { $0.name == key } }
        let converter = try BatchConverter(schema: TableSchema(table: schema.table, stream: stream, columns: keyColumns), stream: stream)
        let array = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
        defer { array.deallocate() }
        var sent = false
        if let keySpool {
            let spooled = try SpoolReader(path: keySpool)
            while let batch = try spooled.next() {
                array.initialize(to: ArrowArray())
                try converter.convert(batch, into: array)
                try writer.writePresentKeys(array)
                sent = true
            }
        }
        if !sent {
            let empty = try ArrowBatchBuilder(schema: writer.keySchema, capacity: 1)
            array.initialize(to: ArrowArray())
            try empty.finish(into: array)
            try writer.writePresentKeys(array)
        }
    }

    /// The columns of `_etl_rejects`: one row per record an extractor set
    /// aside, with its text (`raw`, invalid UTF-8 replaced by U+FFFD, and
    /// `raw_bytes`, exactly as read) and the reason.
    static let rejectsSchema = ArrowBatchSchema([
        ArrowField("run_id", .utf8), ArrowField("stream", .utf8), ArrowField("table_name", .utf8),
        ArrowField("location", .utf8), ArrowField("reason", .utf8), ArrowField("raw", .utf8),
        ArrowField("raw_bytes", .binary), ArrowField("rejected_at", .utf8),
    ])

    /// Appends the stream's rejects to `_etl_rejects`, after its data committed.
    private func storeRejects(_ rejects: [PluginContext.Reject], table: String, destination: PluginInstance) throws {
        let builder = try ArrowBatchBuilder(schema: Self.rejectsSchema, capacity: rejects.count)
        let now = Self.now()
        for reject in rejects {
            builder.appendText(runID)
            builder.appendText(reject.stream)
            builder.appendText(table)
            builder.appendText(reject.location)
            builder.appendText(reject.reason)
            builder.appendText(String(decoding: reject.raw, as: UTF8.self))
            builder.appendBinary(reject.raw)
            builder.appendText(now)
            try builder.endRow()
        }
        let writer = try destination.begin(table: "_etl_rejects", schema: Self.rejectsSchema, mode: .append, runID: runID)
        do {
            try writer.write(builder)
            try writer.commit()
        } catch {
            writer.rollback()
            throw HostError(.io, "the rows of '\(table)' were loaded, but its \(rejects.count) rejected records could not be stored in _etl_rejects: \(error)")
        }
    }

    struct Resolution {
        var schema: TableSchema
        var newColumns: [String]
        var widened: [String]
    }

    /// Merges what pass 1 saw with the stored schema: stored names are kept,
    /// types only widen (append, upsert), new fields get new names.
    func resolveSchema(stream: SourceCatalog.Stream, table: String, flattener: BatchFlattener, stored: TableSchema?) -> Resolution {
        var names = NameNormalizer()
        for column in stored?.columns ?? [] { names.reserve(source: column.source, identifier: column.name) }
        let storedBySource = Dictionary((stored?.columns ?? []).map { ($0.source, $0) }, uniquingKeysWith: { first, _ in first })
        var columns: [TableSchema.Column] = []
        var newColumns: [String] = []
        var widened: [String] = []
        var placed = Set<String>()
        if request.mode != .replace {
            for column in stored?.columns ?? [] {
                var type = column.type
                if let seen = flattener.inference[column.source] { type = type.joined(with: stream.hints[column.source] ?? seen.type) }
                if type != column.type { widened.append("\(column.name): \(column.type.rawValue) -> \(type.rawValue)") }
                columns.append(TableSchema.Column(name: column.name, source: column.source, type: type))
                placed.insert(column.source)
            }
        }
        for source in flattener.fieldOrder where !placed.contains(source) {
            let name = names.assign(source)
            var type = stream.hints[source] ?? flattener.inference[source]?.type ?? .null
            if type == .null { type = .text }
            if let previous = storedBySource[source], previous.type != type, request.mode != .replace {
                widened.append("\(name): \(previous.type.rawValue) -> \(type.rawValue)")
            }
            if storedBySource[source] == nil || stored == nil { newColumns.append(name) }
            columns.append(TableSchema.Column(name: name, source: source, type: type))
        }
        if request.deletions == .flag, !columns.contains(where: { $0.name == DeletionMode.flagColumn }) {
            // The host's own column: no source field feeds it, so every
            // batch sends NULL and the warehouse sets it at commit.
            columns.append(TableSchema.Column(name: DeletionMode.flagColumn, source: TableSchema.deletedAtSource, type: .timestamp))
            if stored != nil { newColumns.append(DeletionMode.flagColumn) }
        }
        return Resolution(schema: TableSchema(table: table, stream: stream.name, columns: columns), newColumns: stored == nil ? [] : newColumns, widened: widened)
    }

    private func upsertKeys(stream: SourceCatalog.Stream, schema: TableSchema) throws -> [String] {
        guard request.mode == .upsert else { return [] }
        let wanted = request.primaryKey ?? stream.primaryKey
        guard !wanted.isEmpty else {
            throw HostError(.invalidArgument, "stream '\(stream.name)': --mode upsert needs a primary key; pass --primary-key COLUMN[,COLUMN] (the source defines none)")
        }
        return try wanted.map { key in
            if let column = schema.columns.first(where: { $0.name == key }) ?? schema.columns.first(where: { $0.source == key }) {
                return column.name
            }
            throw HostError(.invalidArgument, "stream '\(stream.name)': primary key column '\(key)' does not exist; columns: \(schema.columns.map(\.name).joined(separator: ", "))")
        }
    }

    static func capabilityName(_ mode: WriteMode) -> String {
        switch mode {
        case .replace: "replace"
        case .append: "append"
        case .upsert: "upsert"
        }
    }

    /// A new run id: UTC time and a random suffix, sortable.
    static func newRunID() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let suffix = String(UInt32.random(in: 0 ... .max), radix: 16)
        return formatter.string(from: Date()) + "-" + String(repeating: "0", count: 8 - suffix.count) + suffix
    }

    /// The current time, ISO 8601 UTC with milliseconds.
    static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}

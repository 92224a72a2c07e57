import CETLPlugin
import ETLPluginKit
import Foundation

/// What to sync: the plugins, their configs, the mode and the streams.
public struct SyncRequest: @unchecked Sendable {
    /// Extractor plugin name (for a replay: the original run's extractor).
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
    /// The pipeline's name in the run history (default `<extractor>_to_<warehouse>`).
    public var pipeline: String?
    /// Keep a raw snapshot of what the extractor returned (--no-snapshot).
    public var snapshot = true
    /// Snapshots kept in the state folder, this run's included (--keep-snapshots).
    public var keepSnapshots = 10
    /// Streams loaded at once (--parallel), when both plugins allow it.
    public var parallel = 1
    /// What to do with transient failures.
    public var retry = RetryPolicy()
    /// The configs as given (references unresolved, secrets as `***`), for the run record.
    public var recordedSourceConfig: [String: Any] = [:]
    public var recordedDestinationConfig: [String: Any] = [:]
    /// Set by replay: the run whose snapshot is loaded.
    public var replayOf: String?
    /// Let a stream that returned no rows empty an existing table (replace,
    /// upsert with deletions; --allow-empty); see ``EmptySourceRule``.
    public var allowEmpty = false

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

/// Where a sync's records come from.
public enum SyncSource {
    /// An extractor plugin, read live.
    case plugin(LoadedPlugin)
    /// The snapshot an earlier run kept (`etl-host replay`).
    case snapshot(Snapshot)
}

/// Something that yields Arrow batches of one stream: an extractor's
/// stream or a snapshot.
protocol BatchStream: AnyObject {
    var schema: ArrowBatchSchema { get }
    func next() throws -> ImportedBatch?
}

extension ExtractorStream: BatchStream {}

/// Runs extract -> transform -> load for every selected stream.
///
/// Per stream: pass 1 writes every batch from the extractor to a spool file
/// (an Arrow IPC file, the run's snapshot) while inferring each field's type; the
/// table schema is resolved against the one stored by the last run (names
/// kept, types only widened); pass 2 reads the spool back, casts the columns whose resolved type differs
/// from the one they arrived in, and writes the batches; commit stores the data, the extractor's state, the run
/// record and the schema in one transaction. A failing stream is rolled
/// back (the warehouse is exactly as before) and, when the failure is
/// transient, run again (``RetryPolicy``); the other streams still run.
///
/// The run is recorded in the state folder (``RunStore``) when it starts
/// and when it ends, with its structured log (``RunLog``).
public final class SyncRunner: @unchecked Sendable {
    let request: SyncRequest
    let source: SyncSource
    let warehouse: LoadedPlugin
    weak var observer: (any SyncObserver)?
    /// The run's log (host and plugin messages, retries).
    public let log: RunLog
    let store: RunStore?
    /// Raised by SIGINT/SIGTERM (or a caller) to stop the run.
    public let cancellation: Cancellation
    /// The run's id.
    public let runID: String

    /// The errors of failed streams, in order (for the exit code).
    public var failures: [any Error] { lock.withLock { failureList } }
    private var failureList: [any Error] = []
    private let lock = NSLock()
    private var record: RunRecord
    private var snapshot: SnapshotWriter?
    /// The streams under way (for ``recordProcessExit(_:)``).
    private var activeStreams: [String] = []
    private let startDate = Date()

    /// A runner for `request` with the plugins already loaded and checked.
    ///
    /// - Parameters:
    ///   - runID: the run's id (default: a new one); the run's log should
    ///     be made for the same id.
    ///   - store: where to record the run; nil records nothing (and keeps
    ///     no snapshot).
    public init(request: SyncRequest, source: SyncSource, warehouse: LoadedPlugin, runID: String = SyncRunner.newRunID(),
                log: RunLog, store: RunStore?, observer: (any SyncObserver)? = nil,
                cancellation: Cancellation = Cancellation()) throws {
        try warehouse.require(kind: .warehouse)
        var extractorDescriptor: PluginDescriptor?
        if case .plugin(let extractor) = source {
            try extractor.require(kind: .extractor)
            extractorDescriptor = extractor.descriptor
        }
        try SyncOptionsCheck.check(mode: request.mode, incremental: request.incremental, deletions: request.deletions,
                                   extractor: extractorDescriptor, warehouse: warehouse.descriptor)
        guard request.parallel >= 1 else { throw HostError(.invalidArgument, "--parallel must be 1 or more") }
        self.request = request
        self.source = source
        self.warehouse = warehouse
        self.observer = observer
        self.log = log
        self.store = store
        self.cancellation = cancellation
        self.runID = runID
        record = RunRecord(
            id: runID, pipeline: request.pipeline ?? "\(request.extractor)_to_\(request.warehouse)",
            extractor: request.extractor, warehouse: request.warehouse, mode: request.mode.description, status: .running,
            startedAt: Self.now(), streams: [], retries: [], pid: getpid(),
            sourceConfig: request.recordedSourceConfig.mapValues(JSONValue.from),
            destinationConfig: request.recordedDestinationConfig.mapValues(JSONValue.from),
            incremental: request.incremental, deletions: request.deletions.description, primaryKey: request.primaryKey,
            snapshot: false, replayOf: request.replayOf)
    }

    /// The extractor's name (the plugin's, or the snapshot's).
    var extractorName: String { request.extractor }

    /// Runs the sync and records it.
    ///
    /// - Throws: errors that stop the whole run before any stream starts
    ///   (open, discover, unknown streams; recorded as the run's error).
    ///   Stream failures are in the report and in ``failures``.
    public func run() throws -> SyncReport {
        let started = startDate
        try saveRecord()
        CrashPoint.reach("run-recorded")
        log.write(.info, plugin: nil, stream: nil, "run \(runID): \(extractorName) -> \(warehouse.descriptor.name) (\(request.mode))"
            + (request.replayOf.map { ", replaying run \($0)" } ?? ""))
        let reports: [StreamReport]
        do {
            reports = try runStreams()
        } catch {
            let error = runLevelError(error)
            finishRecord(started: started, status: (error as? HostError)?.kind == .cancelled ? .cancelled : .failed,
                         error: "\(error)")
            throw error
        }
        // From the streams, not from the cancellation: a signal that came
        // after the last commit returned changes nothing that happened.
        let status = RunRecord.Status(streams: reports)
        finishRecord(started: started, status: status, error: nil)
        if let store, request.snapshot, !record.snapshot {
            try? FileManager.default.removeItem(atPath: store.snapshotFolder(runID))
        }
        if let store, request.snapshot {
            store.pruneSnapshots(keep: request.keepSnapshots)
            CrashPoint.reach("snapshots-pruned")
        }
        return SyncReport(
            runID: runID, extractor: extractorName, warehouse: warehouse.descriptor.name,
            mode: request.mode.description, status: status.rawValue,
            startedAt: record.startedAt, finishedAt: record.finishedAt ?? Self.now(), streams: reports
        )
    }

    private func saveRecord() throws {
        guard let store else { return }
        let copy = lock.withLock { record }
        try store.save(copy)
    }

    /// An error that stopped the run before its streams, as the exit code
    /// should see it: a plugin refusing its config in open or discover
    /// (`ETL_ERR_INVALID_ARGUMENT`) is a config problem (64); a plugin's
    /// failure after a cancellation is the cancellation.
    private func runLevelError(_ error: any Error) -> any Error {
        let error = classify(error)
        guard let hostError = error as? HostError, hostError.kind == .operationFailed,
              hostError.pluginStatus == Int32(ETL_ERR_INVALID_ARGUMENT.rawValue) else { return error }
        return HostError(.invalidArgument, hostError.message, pluginStatus: hostError.pluginStatus)
    }

    /// Records the run as failed because the process is exiting under it
    /// (a plugin called `exit()`; see ``ExitGuard``); returns where the run
    /// stood, e.g. `during stream 'orders'`.
    public func recordProcessExit(_ message: String) -> String? {
        let active = lock.withLock { activeStreams }
        let place = active.isEmpty ? nil : "during stream" + (active.count > 1 ? "s " : " ") + active.map { "'\($0)'" }.joined(separator: ", ")
        finishRecord(started: startDate, status: .failed, error: message + (place.map { " (\($0))" } ?? ""))
        return place
    }

    private func finishRecord(started: Date, status: RunRecord.Status, error: String?) {
        lock.withLock {
            record.status = status
            record.error = error
            record.finishedAt = Self.now()
            record.durationSeconds = (Date().timeIntervalSince(started) * 1000).rounded() / 1000
            record.retries = log.retries
        }
        do { try saveRecord() } catch {
            log.write(.error, plugin: nil, stream: nil, "the run record could not be saved: \(error)")
        }
        CrashPoint.reach("run-finished")
        log.write(.info, plugin: nil, stream: nil, "run \(runID) \(status.rawValue)")
    }

    // MARK: Streams

    /// One worker's plugin instances (one pair per concurrent stream).
    private final class Worker: @unchecked Sendable {
        let source: PluginInstance?
        let destination: PluginInstance
        let sink: StreamLogSink
        init(source: PluginInstance?, destination: PluginInstance, sink: StreamLogSink) {
            self.source = source
            self.destination = destination
            self.sink = sink
        }
        func close() {
            source?.close()
            destination.close()
        }
    }

    private func makeWorker() throws -> Worker {
        let sink = log.sink()
        var sourceInstance: PluginInstance?
        if case .plugin(let extractor) = source {
            sourceInstance = try PluginInstance(plugin: extractor, configJSON: ConfigResolver.json(request.sourceConfig), logSink: sink)
        }
        let destination: PluginInstance
        do {
            destination = try PluginInstance(plugin: warehouse, configJSON: ConfigResolver.json(request.destinationConfig), logSink: sink)
        } catch {
            sourceInstance?.close()
            throw error
        }
        return Worker(source: sourceInstance, destination: destination, sink: sink)
    }

    private func runStreams() throws -> [StreamReport] {
        try cancellation.check("starting")
        let first = try makeWorker()
        let cancelToken = cancellation.onCancel { [first] in
            first.source?.cancel()
            first.destination.cancel()
        }
        defer { cancellation.remove(cancelToken) }
        let catalog: SourceCatalog
        switch source {
        case .plugin(let extractor):
            catalog = try SourceCatalog(json: first.source!.discover(), plugin: extractor.descriptor.name)
        case .snapshot(let snapshot):
            catalog = try SourceCatalog(json: "{\"streams\":[" + snapshot.manifests.map(\.catalog).joined(separator: ",") + "]}",
                                        plugin: "snapshot")
        }
        CrashPoint.reach("catalog")
        let selected = try select(catalog)

        if let store, request.snapshot, case .plugin = source {
            snapshot = try SnapshotWriter(folder: store.snapshotFolder(runID), runID: runID, extractor: extractorName)
        }
        try FileManager.default.createDirectory(atPath: request.workDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: request.workDirectory) }

        var tableNames = NameNormalizer()
        let jobs = selected.map { (stream: $0, table: tableNames.assign($0.name)) }
        var reports = [StreamReport?](repeating: nil, count: jobs.count)

        let workers = min(max(1, request.parallel), jobs.count, parallelLimit())
        if workers <= 1 {
            defer { first.close() }
            for (index, job) in jobs.enumerated() {
                reports[index] = runStream(job.stream, table: job.table, worker: first)
            }
        } else {
            var pool = [first]
            do {
                for _ in 1..<workers { pool.append(try makeWorker()) }
            } catch {
                pool.forEach { $0.close() }
                throw error
            }
            let tokens = pool.dropFirst().map { worker in
                cancellation.onCancel { worker.source?.cancel(); worker.destination.cancel() }
            }
            defer {
                tokens.forEach(cancellation.remove)
                pool.forEach { $0.close() }
            }
            let board = StreamJobBoard(count: jobs.count)
            let workers = pool
            DispatchQueue.concurrentPerform(iterations: workers.count) { slot in
                while let index = board.take() {
                    board.finish(index, runStream(jobs[index].stream, table: jobs[index].table, worker: workers[slot]))
                }
            }
            reports = board.reports
        }
        return reports.compactMap { $0 }
    }

    /// How many streams may run at once: 1 unless both sides declare
    /// `parallel_streams` (a replay reads files, so only the warehouse counts).
    private func parallelLimit() -> Int {
        var allowed = warehouse.descriptor.capabilities.contains("parallel_streams")
        if case .plugin(let extractor) = source {
            allowed = allowed && extractor.descriptor.capabilities.contains("parallel_streams")
        }
        if !allowed, request.parallel > 1 {
            log.write(.warn, plugin: nil, stream: nil, "--parallel \(request.parallel): \(extractorName) and \(warehouse.descriptor.name) do not both declare parallel_streams; loading one stream at a time")
        }
        return allowed ? request.parallel : 1
    }

    /// Runs one stream with the retry policy; never throws (the report says).
    private func runStream(_ stream: SourceCatalog.Stream, table: String, worker: Worker) -> StreamReport {
        worker.sink.stream = stream.name
        lock.withLock { activeStreams.append(stream.name) }
        defer {
            worker.sink.stream = nil
            lock.withLock { activeStreams.removeAll { $0 == stream.name } }
        }
        observer?.streamStarted(stream.name)
        let started = Date()
        var report: StreamReport
        var attempt = 1
        while true {
            do {
                try cancellation.check("starting stream '\(stream.name)'")
                report = try sync(stream, into: table, worker: worker)
                if report.status == "failed" {
                    // Committed, but what followed the commit failed.
                    lock.withLock { failureList.append(HostError(.io, report.error ?? "stream '\(stream.name)' failed after its commit")) }
                    log.write(.error, plugin: nil, stream: stream.name, report.error ?? "", echo: false)
                }
                break
            } catch {
                let error = classify(error)
                if RetryPolicy.isTransient(error), attempt < request.retry.maxAttempts, !cancellation.isCancelled {
                    let wait = request.retry.delay(afterAttempt: attempt, honouring: error)
                    log.hostRetry(stream: stream.name, attempt: attempt, of: request.retry.maxAttempts, reason: "\(error)", wait: wait)
                    cancellation.sleep(wait)
                    attempt += 1
                    continue
                }
                let cancelled = (error as? HostError)?.kind == .cancelled
                report = StreamReport(
                    stream: stream.name, table: table, status: cancelled ? "cancelled" : "failed", rowsRead: 0, rowsWritten: 0,
                    rowsRejected: 0, newColumns: [], widenedColumns: [], seconds: 0, error: "\(error)", committed: false
                )
                if !cancelled { lock.withLock { failureList.append(error) } }
                // The command prints stream failures itself (text); JSON collectors get the line.
                log.write(cancelled ? .warn : .error, plugin: nil, stream: stream.name, "\(error)", echo: false)
                break
            }
        }
        report.attempts = attempt
        report.seconds = (Date().timeIntervalSince(started) * 1000).rounded() / 1000
        observer?.streamFinished(report)
        lock.withLock { record.streams.append(report); record.retries = log.retries }
        try? saveRecord()
        return report
    }

    /// A plugin's "cancelled" answer after a cancellation is the run's cancellation.
    private func classify(_ error: any Error) -> any Error {
        guard cancellation.isCancelled else { return error }
        if let hostError = error as? HostError, hostError.kind == .cancelled { return error }
        return HostError(.cancelled, "cancelled (\(cancellation.reason)): \(error)")
    }

    private func select(_ catalog: SourceCatalog) throws -> [SourceCatalog.Stream] {
        guard let wanted = request.streams else { return catalog.streams }
        return try wanted.map { name in
            guard let stream = catalog.streams.first(where: { $0.name == name }) else {
                throw HostError(.invalidArgument, "\(request.replayOf == nil ? "extractor '\(extractorName)'" : "the snapshot of run \(request.replayOf!)") has no stream '\(name)'; its streams: \(catalog.streams.map(\.name).joined(separator: ", "))")
            }
            return stream
        }
    }

    /// Opens the batches of `stream`: from the extractor, or from the snapshot.
    private func open(_ stream: SourceCatalog.Stream, worker: Worker, state: String?) throws -> BatchStream {
        switch source {
        case .plugin:
            return try worker.source!.read(stream: stream.name, stateJSON: state)
        case .snapshot(let snapshot):
            guard let manifest = snapshot.manifests.first(where: { $0.stream == stream.name }) else {
                throw HostError(.io, "the snapshot has no data for stream '\(stream.name)'")
            }
            return try snapshot.open(manifest)
        }
    }

    private func sync(_ stream: SourceCatalog.Stream, into table: String, worker: Worker) throws -> StreamReport {
        let startedAt = Self.now()
        let destination = worker.destination
        let stateKey = "\(extractorName)/\(stream.name)"
        let previousState = request.incremental ? try destination.stateGet(key: stateKey) : nil
        // Without schema_get (optional) nothing is carried over: infer afresh.
        let stored = destination.plugin.descriptor.optionalOperations.contains("schema_get")
            ? try destination.schemaGet(table: table).map(TableSchema.decode) : nil

        // Pass 1: extract into the spool, inferring types. The spool is an
        // Arrow IPC file of the batches as they came: the run's snapshot
        // when one is kept, else a file of the run's spool folder.
        var flattener = BatchFlattener(stream: stream.name)
        worker.source?.context.allowRejects(request.maxBadRows)
        _ = worker.source?.context.takeRejects()
        let reader = try open(stream, worker: worker, state: previousState)
        try flattener.register(reader.schema)
        let streamSnapshot = try snapshot?.begin(stream: stream.name, schema: reader.schema, catalogEntry: stream.entryJSON)
        let spoolFile = streamSnapshot == nil
            ? try ArrowIPCFileWriter(path: (request.workDirectory as NSString).appendingPathComponent("\(table).arrow"), schema: reader.schema,
                                     compression: SnapshotWriter.configuredCompression())
            : nil
        let spoolPath = streamSnapshot?.path ?? spoolFile!.path
        var committed = false
        defer { if !committed { streamSnapshot?.discard() } }
        // The spool's compression and hashing run on a thread of their own, beside inference.
        let spoolWrites = WriteBehind<ImportedBatch>(depth: 1) { batch in
            if let streamSnapshot { try streamSnapshot.append(batch) } else { try spoolFile!.append(batch) }
        }
        defer { spoolWrites.close() }
        while let batch = try reader.next() {
            CrashPoint.reach("batch-read")
            try spoolWrites.submit(batch)
            try flattener.infer(batch)
            observer?.streamProgress(stream.name, phase: "reading", rows: flattener.rowCount)
            try cancellation.check("reading stream '\(stream.name)'")
        }
        try spoolWrites.finish()
        _ = try spoolFile?.finish()
        let state: String?
        let rejects: [PluginContext.Reject]
        switch source {
        case .plugin:
            state = try worker.source!.checkpoint(stream: stream.name)
            rejects = worker.source!.context.takeRejects()
            worker.source!.context.allowRejects(0)
        case .snapshot(let snapshot):
            state = snapshot.manifests.first(where: { $0.stream == stream.name })?.state
            rejects = []
        }
        try streamSnapshot?.finish(state: state)
        CrashPoint.reach("spooled")

        // Deletions after an incremental read: every key still at the source.
        let keySpoolPath = (request.workDirectory as NSString).appendingPathComponent("\(table).keys.arrow")
        let listsKeys = request.deletions != .keep && request.incremental
        var keysListed: Int?
        if listsKeys {
            guard let extractorInstance = worker.source else {
                throw HostError(.invalidArgument, "--deletions with --incremental needs the source's key listing, which a snapshot does not hold; replay with --deletions keep")
            }
            keysListed = try spoolKeys(of: stream, from: extractorInstance, into: keySpoolPath)
        }

        // Resolve the table schema.
        var resolution = resolveSchema(stream: stream, table: table, flattener: flattener, stored: stored)
        var skipReason: String? = resolution.schema.columns.isEmpty ? "the stream has no fields; no table was created" : nil
        if let loss = EmptySourceRule.loss(mode: request.mode, deletions: request.deletions, rowsRead: flattener.rowCount, keysListed: keysListed) {
            switch try EmptySourceRule.decide(stream: stream.name, table: table, loss: loss, resolved: resolution.schema, stored: stored,
                                              tableExists: destination.tableExists(table), rejected: rejects.count,
                                              allowEmpty: request.allowEmpty) {
            case .load(let schema): (resolution.schema, skipReason) = (schema, nil)
            case .skip(let reason): skipReason = reason
            }
        }
        if let skipReason {
            committed = true
            return StreamReport(stream: stream.name, table: table, status: "skipped", rowsRead: flattener.rowCount, rowsWritten: 0,
                                rowsRejected: 0, newColumns: [], widenedColumns: [], seconds: 0,
                                error: skipReason, committed: false)
        }
        let keys = try upsertKeys(stream: stream, schema: resolution.schema)

        // Pass 2: convert and load, then commit everything at once.
        try cancellation.check("loading stream '\(stream.name)'")
        let writer = try destination.begin(table: table, schema: resolution.schema.arrowSchema, mode: request.mode, keyColumns: keys, runID: runID, deletions: request.deletions)
        CrashPoint.reach("begun")
        var written = 0
        // What --max-bad-rows leaves after the extractor's rejects goes to
        // rows whose value does not fit the source's declared type, and to
        // rows the warehouse cannot store (SQLite: NaN; offered through
        // `reject`).
        var refusedRows: [PluginContext.Reject] = []
        _ = destination.context.takeRejects()
        defer { destination.context.allowRejects(0) }
        do {
            let converter = try BatchConverter(schema: resolution.schema, stream: stream.name, declared: stream.hints)
            converter.rejectAllowance = max(0, request.maxBadRows - rejects.count)
            // Read and converted on a thread of their own, one batch ahead of the writes.
            let batches = ConvertedSpoolBatches(spool: try SpoolBatchReader(path: spoolPath, stream: stream.name), converter: converter)
            defer { batches.close() }
            while let batch = try batches.next() {
                try cancellation.check("loading stream '\(stream.name)'")
                destination.context.allowRejects(batches.rejectAllowance)
                try writer.write(batch.array)
                let refused = destination.context.takeRejects().map { PluginContext.Reject(stream: stream.name, location: $0.location, reason: $0.reason, raw: $0.raw) }
                batches.spendAllowance(refused.count)
                refusedRows += refused
                written += batch.rows - refused.count
                CrashPoint.reach("batch-written")
                observer?.streamProgress(stream.name, phase: "loading", rows: written)
            }
            batches.close()
            refusedRows = converter.rejected + refusedRows
            if request.deletions != .keep {
                try writePresentKeys(listsKeys ? keySpoolPath : nil, keys: keys, schema: resolution.schema, stream: stream.name, writer: writer)
                CrashPoint.reach("keys-written")
            }
            let run: [String: Any] = [
                "run_id": runID, "stream": stream.name, "table_name": table, "mode": request.mode.description,
                "status": "succeeded", "rows_read": flattener.rowCount + rejects.count, "rows_written": written,
                "rows_rejected": rejects.count + refusedRows.count,
                "started_at": startedAt, "finished_at": Self.now(), "extractor": extractorName,
                "warehouse": warehouse.descriptor.name,
            ]
            if streamSnapshot != nil {
                // The snapshot was finished with pass 1; it is complete before the data commits.
                lock.withLock { record.snapshot = true }
                CrashPoint.reach("snapshot-written")
            }
            CrashPoint.reach("committing")
            try cancellation.check("committing stream '\(stream.name)'")
            try writer.commit(stateKey: state == nil ? nil : stateKey, stateJSON: state, runJSON: ConfigResolver.json(run),
                              schemaJSON: resolution.schema.json())
            committed = true
            CrashPoint.reach("committed")
        } catch {
            writer.rollback()
            throw error
        }
        // The commit returned: from here on the stream is committed, and is
        // never rolled back, retried (append would load it twice) or
        // reported as cancelled.
        let setAside = rejects + refusedRows
        if !setAside.isEmpty {
            do {
                try storeRejects(setAside, table: table, destination: destination)
            } catch {
                let message = "the \(written) rows of '\(table)' were committed, but its \(setAside.count) rejected records could not be stored in _etl_rejects: \(error)"
                return StreamReport(
                    stream: stream.name, table: table, status: "failed", rowsRead: flattener.rowCount + rejects.count,
                    rowsWritten: written, rowsRejected: setAside.count, newColumns: resolution.newColumns,
                    widenedColumns: resolution.widened, seconds: 0, error: message, committed: true)
            }
        }
        log.write(.info, plugin: nil, stream: stream.name, "loaded \(written) rows into '\(table)' (\(request.mode))")
        return StreamReport(
            stream: stream.name, table: table, status: "succeeded", rowsRead: flattener.rowCount + rejects.count,
            rowsWritten: written, rowsRejected: setAside.count, newColumns: resolution.newColumns,
            widenedColumns: resolution.widened, seconds: 0, error: nil, committed: true
        )
    }
}

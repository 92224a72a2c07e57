import CETLPlugin
import ETLPluginKit
import Foundation

/// What to sync: the plugins, their configs, the mode and the streams.
public struct SyncRequest: Sendable {
    /// Extractor plugin name (for a replay: the original run's extractor).
    public var extractor: String
    /// Warehouse plugin name.
    public var warehouse: String
    /// The extractor's config, validated.
    public var sourceConfig: JSONObject
    /// The warehouse's config, validated.
    public var destinationConfig: JSONObject
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
    /// Seconds: snapshots younger than this are kept too, whatever their number (--keep-for).
    public var keepSnapshotsFor: Double?
    /// An absolute folder to keep snapshots in (`<folder>/<run id>/`)
    /// instead of the state folder (--snapshot-dir): a mounted bucket, a NAS.
    public var snapshotDirectory: String?
    /// Streams loaded at once (--parallel), when both plugins allow it.
    public var parallel = 1
    /// What to do with transient failures.
    public var retry = RetryPolicy()
    /// The configs as given (references unresolved, secrets as `***`), for the run record.
    public var recordedSourceConfig: JSONObject = [:]
    public var recordedDestinationConfig: JSONObject = [:]
    /// Set by replay: the run whose snapshot is loaded.
    public var replayOf: String?
    /// Let a stream that returned no rows empty an existing table (replace,
    /// upsert with deletions; --allow-empty); see ``EmptySourceRule``.
    public var allowEmpty = false
    /// Put before every table name the stream's name makes (a pipeline's
    /// `tables.prefix`), e.g. `crm_`.
    public var tablePrefix: String?
    /// Per stream name: its table name, columns and schema contract (a
    /// pipeline's `sync` step); streams not named load as `etl-host sync` does.
    public var shaping: [String: StreamShaping] = [:]
    /// Add `_etl_run_id` and `_etl_loaded_at` to every row (--lineage);
    /// see ``LineageColumns``.
    public var lineage: LineageRequest = .off
    /// SCD2 history of the loaded tables (--history, --history-table).
    public var history = HistoryOptions()

    /// A request.
    public init(
        extractor: String, warehouse: String, sourceConfig: JSONObject, destinationConfig: JSONObject,
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
    // @unchecked: `failureList` and `activeStreams` are guarded by `lock`; the rest is immutable after init.
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
    /// Where the run reads the time and waits between attempts.
    let clock: any RunClock

    /// The errors of failed streams, in order (for the exit code).
    public var failures: [any Error] { lock.withLock { failureList } }
    private var failureList: [any Error] = []
    private let lock = NSLock()
    private let plan: SyncPlan
    private let recorder: RunRecorder
    /// The streams under way (for ``recordProcessExit(_:)``).
    private var activeStreams: [String] = []

    /// A runner for `request` with the plugins already loaded and checked.
    ///
    /// - Parameters:
    ///   - runID: the run's id (default: a new one); the run's log should
    ///     be made for the same id.
    ///   - store: where to record the run; nil records nothing (and keeps
    ///     no snapshot).
    ///   - clock: the time of records and reports, and retry waits.
    public init(request: SyncRequest, source: SyncSource, warehouse: LoadedPlugin, runID: String = SyncRunner.newRunID(),
                log: RunLog, store: RunStore?, observer: (any SyncObserver)? = nil,
                cancellation: Cancellation = Cancellation(), clock: any RunClock = SystemClock()) throws {
        try warehouse.require(kind: .warehouse)
        var extractorDescriptor: PluginDescriptor?
        if case .plugin(let extractor) = source {
            try extractor.require(kind: .extractor)
            extractorDescriptor = extractor.descriptor
        }
        plan = try SyncPlan(request: request, extractor: extractorDescriptor, warehouse: warehouse.descriptor)
        self.request = request
        self.source = source
        self.warehouse = warehouse
        self.observer = observer
        self.log = log
        self.store = store
        self.cancellation = cancellation
        self.runID = runID
        self.clock = clock
        let startedAt = clock.timestamp()
        recorder = RunRecorder(RunRecord(
            id: runID, pipeline: request.pipeline ?? "\(request.extractor)_to_\(request.warehouse)",
            extractor: request.extractor, warehouse: request.warehouse, mode: request.mode, status: .running,
            startedAt: startedAt, streams: [], retries: [], pid: getpid(),
            sourceConfig: request.recordedSourceConfig,
            destinationConfig: request.recordedDestinationConfig,
            incremental: request.incremental, deletions: request.deletions, primaryKey: request.primaryKey,
            snapshot: false, replayOf: request.replayOf,
            workingDirectory: FileManager.default.currentDirectoryPath,
            snapshotFolder: request.snapshotDirectory.map { ($0 as NSString).appendingPathComponent(runID) },
            lineage: request.lineage.stamp(runID: runID, startedAt: startedAt)), store: store, log: log, clock: clock)
    }

    /// A new run id (``RunID/make()``), e.g. `20261122T101500123Z-0a1b2c3d`.
    public static func newRunID() -> String { RunID.make() }

    /// The current time as run records write it (kept for callers of
    /// before the split; new code uses ``Timestamp/now()`` or a ``RunClock``).
    static func now() -> String { Timestamp.now() }

    /// The extractor's name (the plugin's, or the snapshot's).
    var extractorName: String { request.extractor }

    /// Runs the sync and records it.
    ///
    /// - Throws: errors that stop the whole run before any stream starts
    ///   (open, discover, unknown streams; recorded as the run's error).
    ///   Stream failures are in the report and in ``failures``.
    public func run() throws -> SyncReport {
        try recorder.save()
        CrashPoint.reach("run-recorded")
        log.write(.info, plugin: nil, stream: nil, "run \(runID): \(extractorName) -> \(warehouse.descriptor.name) (\(request.mode))"
            + (request.replayOf.map { ", replaying run \($0)" } ?? ""))
        let reports: [StreamReport]
        do {
            reports = try runStreams()
        } catch {
            let error = scrubbed(runLevelError(error))
            let detail = (error as? HostError)?.detail
            finishRecord(status: (error as? HostError)?.kind == .cancelled ? .cancelled : .failed, error: "\(error)",
                         errorDetail: detail?.isEmpty == false ? detail : nil)
            throw error
        }
        // From the streams, not from the cancellation: a signal that came
        // after the last commit returned changes nothing that happened.
        let status = RunRecord.Status(streams: reports)
        finishRecord(status: status, error: nil)
        let record = recorder.current
        if let store, request.snapshot, !record.snapshot {
            try? FileManager.default.removeItem(atPath: store.snapshotFolder(of: record))
        }
        if let store, request.snapshot {
            store.pruneSnapshots(SnapshotRetention(keepCount: request.keepSnapshots, keepFor: request.keepSnapshotsFor),
                                 pipeline: record.pipeline, now: clock.now())
            CrashPoint.reach("snapshots-pruned")
        }
        return SyncReport(
            runID: runID, extractor: extractorName, warehouse: warehouse.descriptor.name,
            mode: request.mode.description, status: status.rawValue,
            startedAt: record.startedAt, finishedAt: record.finishedAt ?? clock.timestamp(), streams: reports
        )
    }

    /// An error that stopped the run before its streams, as the exit code
    /// should see it: a plugin refusing its config in open or discover
    /// (`ETL_ERR_INVALID_ARGUMENT`) is a config problem (64); a plugin's
    /// failure after a cancellation is the cancellation.
    private func runLevelError(_ error: any Error) -> any Error {
        let error = cancellation.attributing(error)
        guard let hostError = error as? HostError, hostError.kind == .operationFailed,
              hostError.pluginStatus == Int32(ETL_ERR_INVALID_ARGUMENT.rawValue) else { return error }
        return HostError(.invalidArgument, hostError.message, pluginStatus: hostError.pluginStatus, plugin: hostError.plugin,
                         stream: hostError.stream, table: hostError.table, location: hostError.location)
    }

    /// `error` with the run's secret values (``RunLog/scrub(_:)``) out of
    /// its message, as the record, the summary and the exit see it.
    private func scrubbed(_ error: any Error) -> any Error {
        guard let hostError = error as? HostError else {
            let text = "\(error)"
            let clean = log.scrub(text)
            return clean == text ? error : HostError(.io, clean)
        }
        let clean = log.scrub(hostError.message)
        return clean == hostError.message ? hostError : hostError.replacingMessage(with: clean)
    }

    /// Records the run as failed because the process is exiting under it
    /// (a plugin called `exit()`; see ``ExitGuard``); returns where the run
    /// stood, e.g. `during stream 'orders'`.
    public func recordProcessExit(_ message: String) -> String? {
        let active = lock.withLock { activeStreams }
        let place = active.isEmpty ? nil : "during stream" + (active.count > 1 ? "s " : " ") + active.map { "'\($0)'" }.joined(separator: ", ")
        finishRecord(status: .failed, error: message + (place.map { " (\($0))" } ?? ""))
        return place
    }

    private func finishRecord(status: RunRecord.Status, error: String?, errorDetail: ErrorDetail? = nil) {
        recorder.finish(status: status, error: error, errorDetail: errorDetail)
        CrashPoint.reach("run-finished")
        log.write(.info, plugin: nil, stream: nil, "run \(runID) \(status.rawValue)")
    }

    // MARK: Streams

    private func runStreams() throws -> [StreamReport] {
        try cancellation.check("starting")
        let first = try StreamWorker.open(for: request, source: source, warehouse: warehouse, log: log)
        let cancelToken = cancellation.onCancel { [first] in first.cancel() }
        defer { cancellation.remove(cancelToken) }
        let catalog: CatalogReading
        switch source {
        case .plugin(let extractor):
            catalog = try CatalogReading(discovered: first.source!.discover(), plugin: extractor.descriptor.name)
        case .snapshot(let snapshot):
            catalog = try CatalogReading(discovered: "{\"streams\":[" + snapshot.manifests.map(\.catalog).joined(separator: ",") + "]}",
                                         plugin: "snapshot")
        }
        for warning in catalog.warnings {
            log.write(.warn, plugin: nil, stream: warning.stream, "plugin '\(extractorName)': \(warning)")
        }
        CrashPoint.reach("catalog")
        let selected = try plan.streams(of: catalog.catalog)

        var snapshot: SnapshotWriter?
        if let store, request.snapshot, case .plugin = source {
            snapshot = try SnapshotWriter(folder: store.snapshotFolder(of: recorder.current), runID: runID, extractor: extractorName)
        }
        try FileManager.default.createDirectory(atPath: request.workDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: request.workDirectory) }

        let tables = try plan.tables(for: selected)
        let historyTables = try request.history.historyTables(streams: selected, tables: tables, primaryKey: request.primaryKey)
        if let warning = plan.parallelWarning { log.write(.warn, plugin: nil, stream: nil, warning) }
        let load = StreamLoad(request: request, source: source, warehouse: warehouse, runID: runID, snapshot: snapshot,
                              observer: observer, cancellation: cancellation, log: log, clock: clock, recorder: recorder)
        let scheduler = StreamScheduler(retry: request.retry, clock: clock, cancellation: cancellation, log: log)
        var pool = [first]
        do {
            for _ in 1 ..< max(1, plan.workerCount(streamCount: selected.count)) {
                pool.append(try StreamWorker.open(for: request, source: source, warehouse: warehouse, log: log))
            }
        } catch {
            pool.forEach { $0.close() }
            throw error
        }
        let tokens = pool.dropFirst().map { worker in cancellation.onCancel { worker.cancel() } }
        defer {
            tokens.forEach(cancellation.remove)
            pool.forEach { $0.close() }
        }
        return scheduler.run(selected.count, on: pool) { index, worker in
            runStream(selected[index], table: tables[index], history: historyTables[index], worker: worker, load: load,
                      scheduler: scheduler)
        }
    }

    /// Runs one stream with the retry policy; never throws (the report says).
    private func runStream(_ stream: CatalogStream, table: String, history: String?, worker: StreamWorker, load: StreamLoad,
                           scheduler: StreamScheduler) -> StreamReport {
        worker.sink.stream = stream.name
        lock.withLock { activeStreams.append(stream.name) }
        defer {
            worker.sink.stream = nil
            lock.withLock { activeStreams.removeAll { $0 == stream.name } }
        }
        observer?.streamStarted(stream.name)
        let started = clock.now()
        let outcome = scheduler.attempts(stream: stream.name) { try load.sync(stream, into: table, history: history, worker: worker) }
        var report: StreamReport
        switch outcome.result {
        case .success(let loaded):
            report = loaded
            report.error = report.error.map(log.scrub)
            if report.status == .failed {
                // Committed, but what followed the commit failed.
                lock.withLock {
                    failureList.append(HostError(.io, report.error ?? "stream '\(stream.name)' failed after its commit",
                                                 stream: stream.name, table: table))
                }
                log.write(.error, plugin: nil, stream: stream.name, report.error ?? "", echo: false)
            }
        case .failure(let failure):
            // The stream and table are known here, whichever part of the load failed.
            let hostError = (failure as? HostError)?.adding(stream: stream.name, table: table)
            let error: any Error = scrubbed(hostError ?? failure)
            let cancelled = hostError?.kind == .cancelled
            report = StreamReport(
                stream: stream.name, table: table, status: cancelled ? .cancelled : .failed, rowsRead: 0, rowsWritten: 0,
                rowsRejected: 0, newColumns: [], widenedColumns: [], seconds: 0, error: "\(error)", committed: false,
                errorDetail: hostError?.detail
            )
            if !cancelled { lock.withLock { failureList.append(error) } }
            // The command prints stream failures itself (text); JSON collectors get the line.
            log.write(cancelled ? .warn : .error, plugin: nil, stream: stream.name, "\(error)", echo: false)
        }
        report.attempts = outcome.attempts
        report.historyTable = history
        report.seconds = clock.secondsSince(started)
        observer?.streamFinished(report)
        recorder.streamEnded(report)
        return report
    }
}

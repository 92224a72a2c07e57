import ETLHost
import ETLPluginKit
import Foundation

/// Runs `sync` steps: each is a sync run (``ETLHost/SyncRunner``) composed
/// by ``ETLHost/SyncSetup`` from the step's `from` and `to` connections, as
/// `etl-host sync` composes one, recorded as a sync run of its own (with its
/// log and snapshot) whose `pipeline_run` names the pipeline run, and named
/// in the step's record before it starts.
///
/// Plugins see the process's current folder, which `etl-host run` sets to
/// the pipeline file's folder: `path: rates.csv` is the file next to
/// `etl.yaml`.
///
/// `--full-refresh STEP.STREAM` first reloads those streams alone in
/// replace mode without `incremental` (their state is replaced by the one
/// this read commits), then runs the step's other streams as written.
public struct SyncStepExecutor: StepExecutor {
    /// Where the step's plugins are looked up.
    public let registry: PluginRegistry
    /// The lowest level of the sync runs' log lines echoed to standard error.
    public let logLevel: LogLevel
    /// How those lines look.
    public let logFormat: LogFormat
    private let active = ActiveSyncRunners()
    /// What each sync run this executor ran loaded, and where.
    public let loads = SyncRunLoads()

    /// An executor loading plugins from `registry`.
    public init(registry: PluginRegistry, logLevel: LogLevel = .warn, logFormat: LogFormat = .text) {
        self.registry = registry
        self.logLevel = logLevel
        self.logFormat = logFormat
    }

    /// One part of a step's work: some streams, loaded as written or as a full refresh.
    private struct Part {
        var streams: [String]?
        var fullRefresh: Bool
    }

    /// Runs the step once (see the type's description).
    public func run(_ step: Step, in context: StepRunContext) throws -> StepOutcome {
        guard case .sync(let sync) = step.kind else {
            throw HostError(.invalidArgument, "step '\(step.name)' is not a sync step")
        }
        let source = try Self.connection(sync.from, in: context.pipeline)
        let target = try Self.connection(sync.to, in: context.pipeline)
        let setup = try SyncSetup(registry: registry, extractor: source.plugin, warehouse: target.plugin,
                                  source: .init(file: source.config.mapValues(\.jsonValue)),
                                  destination: .init(file: target.config.mapValues(\.jsonValue)))
        context.log.addSecrets(setup.secrets)
        var rows = 0
        for part in try parts(of: sync, setup: setup, refresh: context.fullRefresh) {
            rows += try load(part, of: sync, step: step, setup: setup, context: context)
        }
        return .succeeded(rows: rows)
    }

    /// The connection a reference names.
    static func connection(_ reference: ConnectionReference, in pipeline: PipelineFile) throws -> Connection {
        switch reference {
        case .inline(let connection): return connection
        case .named(let name, _):
            guard let connection = pipeline.connection(named: name) else {
                throw HostError(.invalidArgument, "no connection named '\(name)'")
            }
            return connection
        }
    }

    /// The sync runs a step makes: one, or with `--full-refresh` of some
    /// streams, those streams first, then the others.
    private func parts(of sync: SyncStep, setup: SyncSetup, refresh: Set<String>?) throws -> [Part] {
        guard let refresh else { return [Part(streams: sync.streams, fullRefresh: false)] }
        guard !refresh.isEmpty else { return [Part(streams: sync.streams, fullRefresh: true)] }
        let all = try sync.streams ?? streamNames(setup)
        for name in refresh.sorted() where !all.contains(name) {
            throw HostError(.invalidArgument, "--full-refresh: the step has no stream '\(name)'; its streams: \(all.joined(separator: ", "))")
        }
        let rest = all.filter { !refresh.contains($0) }
        return [Part(streams: all.filter(refresh.contains), fullRefresh: true)] + (rest.isEmpty ? [] : [Part(streams: rest, fullRefresh: false)])
    }

    /// The extractor's stream names, in catalog order.
    private func streamNames(_ setup: SyncSetup) throws -> [String] {
        let instance = try PluginInstance(plugin: setup.extractor, configJSON: try ConfigResolver.json(setup.sourceConfig))
        defer { instance.close() }
        let text = try instance.discover()
        return try CatalogReading(discovered: text, plugin: setup.extractorName).catalog.streams.map(\.name)
    }

    /// Runs one sync run; returns the rows it wrote.
    private func load(_ part: Part, of sync: SyncStep, step: Step, setup: SyncSetup, context: StepRunContext) throws -> Int {
        let store = RunStore(stateDirectory: context.stateDirectory)
        var request = setup.request(mode: part.fullRefresh ? .replace : sync.mode, primaryKey: sync.primaryKey, streams: part.streams,
                                    workDirectory: SpoolDirectory.forThisRun(stateDirectory: context.stateDirectory))
        request.incremental = part.fullRefresh ? false : sync.incremental
        request.deletions = part.fullRefresh ? .keep : sync.deletions
        request.maxBadRows = sync.maxBadRows
        request.allowEmpty = sync.allowEmpty
        request.snapshot = sync.snapshot
        request.keepSnapshots = sync.keepSnapshots
        request.lineage = sync.lineage ? .thisRun : .off
        request.keepSnapshotsFor = sync.keepFor.map { Double($0.seconds) }
        request.snapshotDirectory = try SnapshotFolderOption.resolve(sync.snapshotDirectory, option: "step '\(step.name)': snapshot_dir")
        request.parallel = sync.parallel
        request.history = sync.history
        request.pipeline = "\(context.pipeline.name).\(step.name)"
        // The engine retries the whole step (its `retries`); the runner tries each stream once.
        request.retry = RetryPolicy(maxAttempts: 1)
        try SyncStepShaping.apply(sync, step: step.name, to: &request) { try streamNames(setup) }
        let runID = SyncRunner.newRunID()
        do {
            try FileManager.default.createDirectory(atPath: store.folder(runID), withIntermediateDirectories: true)
        } catch {
            throw HostError(.io, "cannot create the run folder '\(store.folder(runID))': \(error.localizedDescription); set ETL_STATE_DIR to a writable folder")
        }
        let log = RunLog(runID: runID, path: store.logPath(runID), level: logLevel, format: logFormat)
        log.addSecrets(setup.secrets)
        for notice in setup.shadowingNotices { log.write(.warn, plugin: nil, stream: nil, notice) }
        let runner = try SyncRunner(request: request, source: .plugin(setup.extractor), warehouse: setup.warehouse, runID: runID,
                                    log: log, store: store, observer: nil, cancellation: context.cancellation)
        context.recordSyncRun(runID)
        context.log.write(.info, plugin: nil, stream: nil, "step '\(step.name)': sync run \(runID): \(setup.extractorName) -> \(setup.warehouseName)"
            + (part.fullRefresh ? " (full refresh of \(part.streams?.joined(separator: ", ") ?? "every stream"))" : ""))
        active.add(runner)
        defer { active.remove(runner) }
        let report: SyncReport
        do {
            report = try runner.run()
        } catch {
            linkToPipeline(runID, store: store, pipelineRunID: context.runID)
            throw error
        }
        linkToPipeline(runID, store: store, pipelineRunID: context.runID)
        loads.record(runID, warehouse: WarehouseLocation.text(plugin: setup.warehouseName, config: setup.destinationConfig, secrets: setup.secrets),
                     streams: report.streams)
        let rows = report.streams.reduce(0) { $0 + $1.rowsWritten }
        guard report.status == "succeeded" else {
            throw Self.failure(of: report, errors: runner.failures)
        }
        return rows
    }

    /// The step's error for a sync run that did not succeed: the first
    /// failed stream's message; transient when every failure was.
    static func failure(of report: SyncReport, errors: [any Error]) -> HostError {
        let failed = report.streams.filter { $0.status == .failed || $0.status == .cancelled }
        let message = "sync run \(report.runID): " + failed.map { stream in
            // Most errors name their stream already.
            let error = stream.error ?? stream.status.rawValue
            return error.hasPrefix("stream '\(stream.stream)'") ? error : "stream '\(stream.stream)': \(error)"
        }.joined(separator: "; ")
        if report.status == "cancelled" { return HostError(.cancelled, message) }
        let hostErrors = errors.compactMap { $0 as? HostError }
        let exit = ExitStatus.of(run: .failed, failures: errors)
        let transient = !hostErrors.isEmpty && hostErrors.count == errors.count && hostErrors.allSatisfy(RetryPolicy.isTransient)
        switch exit {
        case .usage: return HostError(.invalidArgument, message)
        case .badData: return HostError(.badData, message)
        case .pluginRefused: return HostError(.pluginFailed, message)
        default: return HostError(.operationFailed, message, retryable: transient)
        }
    }

    /// Records the sync runs under way as failed because the process is
    /// exiting under them (a plugin called `exit()`, see
    /// ``ETLHost/ExitGuard``), as `etl-host sync` does.
    public func recordProcessExit(_ message: String) {
        for runner in active.all { _ = runner.recordProcessExit(message) }
    }

    /// Notes the pipeline run in the sync run's record (the other half of
    /// the link; the pipeline record named the sync run before it started).
    private func linkToPipeline(_ runID: String, store: RunStore, pipelineRunID: String) {
        guard var record = try? store.load(runID) else { return }
        record.pipelineRun = pipelineRunID
        try? store.save(record)
    }
}

/// The sync runners under way (several with `--parallel`).
final class ActiveSyncRunners: @unchecked Sendable {
    // @unchecked: `runners` is guarded by `lock`.
    private let lock = NSLock()
    private var runners: [ObjectIdentifier: SyncRunner] = [:]

    func add(_ runner: SyncRunner) { lock.withLock { runners[ObjectIdentifier(runner)] = runner } }
    func remove(_ runner: SyncRunner) { _ = lock.withLock { runners.removeValue(forKey: ObjectIdentifier(runner)) } }
    var all: [SyncRunner] { lock.withLock { Array(runners.values) } }
}

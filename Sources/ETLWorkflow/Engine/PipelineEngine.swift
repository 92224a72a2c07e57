import ETLHost
import Foundation

/// What shapes one pipeline run besides its steps.
public struct EngineOptions: Sendable {
    /// Steps run at once at most (`--parallel`, default 1: one at a time,
    /// in plan order, so runs are deterministic).
    public var parallel = 1
    /// The pipeline file as named.
    public var file = ""
    /// The SHA-256 of the file's bytes (`--resume` compares it).
    public var fileSHA256 = ""
    /// The run this one resumes.
    public var resumedFrom: String?
    /// Steps done by the run it resumes: not run again (``StepState/skipped``).
    public var done: Set<String> = []
    /// `--full-refresh` as written, for the record.
    public var fullRefreshText: [String] = []
    /// Per step, the streams to reload (empty: every stream of the step).
    public var fullRefresh: [String: Set<String>] = [:]
    /// The state folder (absolute).
    public var stateDirectory = HostEnvironment.stateDirectory()
    /// The folder the run started in (see ``StepRunContext/startDirectory``).
    public var startDirectory = FileManager.default.currentDirectoryPath
    /// What started the run (recorded as the record's `trigger`; default ``RunTrigger/cli``).
    public var trigger = RunTrigger.cli

    /// The defaults.
    public init() {}
}

/// Runs the steps of a pipeline under one run id: a step starts when every
/// selected step it needs succeeded (or was skipped as done by the run it
/// resumes), up to ``EngineOptions/parallel`` at once, in plan order (layer,
/// then file order). A step that fails marks every step downstream of it
/// `upstream_failed`; independent branches go on. A failure that is
/// transient (as sync classifies them: network, rate limits, a busy
/// database) is tried again up to the step's `retries.max_attempts`,
/// waiting `retries.delay`, doubled after each attempt. SIGINT/SIGTERM
/// (the ``ETLHost/Cancellation``) stop the running steps (they see the
/// cancellation) and mark the pending ones cancelled.
///
/// The ``PipelineRunRecord`` is saved after every change of state.
///
/// ```swift
/// let engine = PipelineEngine(pipeline: file, graph: try StepGraph(file), executors: executors,
///                             runID: SyncRunner.newRunID(), log: log, store: PipelineRunStore())
/// let record = try engine.run()
/// ```
public final class PipelineEngine: @unchecked Sendable {
    // @unchecked: `record` and `running` are guarded by `condition`; the rest is immutable after init.
    private let pipeline: PipelineFile
    private let order: [Step]
    private let executors: [StepKindName: any StepExecutor]
    private let log: RunLog
    private let store: PipelineRunStore?
    private let clock: any EngineClock
    private let cancellation: Cancellation
    private let options: EngineOptions
    private let condition = NSCondition()
    private var record: PipelineRunRecord
    private var running = 0
    private let started: Date
    private let runID: String

    /// An engine for the steps of `graph` (a selection of `pipeline`'s
    /// steps; needs outside it count as done).
    public init(pipeline: PipelineFile, graph: StepGraph, executors: [StepKindName: any StepExecutor], runID: String, log: RunLog,
                store: PipelineRunStore?, clock: any EngineClock = SystemClock(), cancellation: Cancellation = Cancellation(),
                options: EngineOptions = EngineOptions()) {
        self.pipeline = pipeline
        order = graph.layers.flatMap { $0 }
        self.executors = executors
        self.log = log
        self.store = store
        self.clock = clock
        self.cancellation = cancellation
        self.options = options
        started = clock.now()
        self.runID = runID
        var steps = order.map { StepRecord(name: $0.name, kind: $0.kind.name) }
        for index in steps.indices where options.done.contains(steps[index].name) {
            steps[index].state = .skipped
        }
        record = PipelineRunRecord(id: runID, pipeline: pipeline.name, file: options.file, fileSHA256: options.fileSHA256,
                                   startedAt: RecordTime.text(started), steps: steps, parallel: max(1, options.parallel),
                                   resumedFrom: options.resumedFrom, fullRefresh: options.fullRefreshText, trigger: options.trigger)
    }

    /// The record as it stands.
    public var currentRecord: PipelineRunRecord { condition.withLock { record } }

    /// Runs every step and returns the final record.
    ///
    /// - Throws: only when the record cannot be saved at the start (the
    ///   state folder is not writable); step failures are in the record.
    public func run() throws -> PipelineRunRecord {
        try store?.save(record)
        log.write(.info, plugin: nil, stream: nil, "pipeline run \(record.id): \(pipeline.name), \(order.count) steps"
            + (options.resumedFrom.map { ", resuming run \($0)" } ?? ""))
        condition.lock()
        while true {
            settleBlockedSteps()
            let ready = record.steps.indices.filter { index in
                record.steps[index].state == .pending && needsAreDone(order[index])
            }
            for index in ready.prefix(max(0, record.parallel - running)) {
                start(index)
            }
            if running == 0 && !record.steps.contains(where: { $0.state == .pending }) { break }
            condition.wait()
        }
        let finished = clock.now()
        record.finishedAt = RecordTime.text(finished)
        record.durationSeconds = Self.rounded(finished.timeIntervalSince(started))
        record.status = Self.status(of: record.steps)
        saveLocked()
        let result = record
        condition.unlock()
        log.write(.info, plugin: nil, stream: nil, "pipeline run \(result.id) \(result.status.rawValue): \(result.stepsDone) of \(result.steps.count) steps done")
        return result
    }

    /// Records the run as failed because the process is exiting under it
    /// (a plugin called `exit()`; see ``ETLHost/ExitGuard``): the running
    /// steps fail with `message`. Returns where the run stood, e.g.
    /// `during step 'raw_crm'`.
    public func recordProcessExit(_ message: String) -> String? {
        condition.withLock {
            let now = RecordTime.text(clock.now())
            var names: [String] = []
            for index in record.steps.indices where record.steps[index].state == .running {
                record.steps[index].state = .failed
                record.steps[index].error = message
                record.steps[index].exitCode = ExitStatus.failure.rawValue
                record.steps[index].finishedAt = now
                names.append(record.steps[index].name)
            }
            let place = names.isEmpty ? nil : "during step" + (names.count > 1 ? "s " : " ") + names.map { "'\($0)'" }.joined(separator: ", ")
            record.status = .failed
            record.error = message + (place.map { " (\($0))" } ?? "")
            record.finishedAt = now
            saveLocked()
            return place
        }
    }

    /// The status of a run whose steps ended as `steps`.
    static func status(of steps: [StepRecord]) -> PipelineRunRecord.Status {
        if steps.contains(where: { $0.state == .cancelled }) { return .cancelled }
        if steps.contains(where: { $0.state == .failed || $0.state == .upstreamFailed }) { return .failed }
        return .succeeded
    }

    /// Marks pending steps that cannot run any more: cancelled after a
    /// signal, upstream_failed when a step they need did not succeed.
    /// Steps are in plan order, so one pass reaches every descendant.
    private func settleBlockedSteps() {
        var changed = false
        for index in record.steps.indices where record.steps[index].state == .pending {
            if cancellation.isCancelled {
                record.steps[index].state = .cancelled
                record.steps[index].error = "not started: the run was cancelled (\(cancellation.reason))"
                changed = true
            } else if let blocker = order[index].needs.first(where: { need in
                guard let state = record.step(need)?.state else { return false }
                return state == .failed || state == .upstreamFailed || state == .cancelled
            }) {
                record.steps[index].state = .upstreamFailed
                record.steps[index].error = "not run: it needs '\(blocker)', which \(record.step(blocker)?.state == .cancelled ? "was cancelled" : "did not succeed")"
                log.write(.warn, plugin: nil, stream: nil, "step '\(order[index].name)': \(record.steps[index].error!)")
                changed = true
            }
        }
        if changed { saveLocked() }
    }

    /// Whether every selected step `step` needs let it run.
    private func needsAreDone(_ step: Step) -> Bool {
        step.needs.allSatisfy { need in record.step(need).map { $0.state.letsDownstreamRun } ?? true }
    }

    /// Starts the step at `index` on a thread of its own (the lock is held).
    private func start(_ index: Int) {
        record.steps[index].state = .running
        running += 1
        let step = order[index]
        Thread.detachNewThread { [self] in
            let result = attempt(step, index: index)
            condition.withLock {
                finish(index, result)
                running -= 1
                condition.broadcast()
            }
        }
    }

    /// How a step ended: its state and what the record keeps of it.
    private struct Result {
        var state: StepState
        var rows: Int?
        var error: String?
        var exitCode: Int32?
        var checkFailures: Int?
    }

    /// Runs the attempts of a step (without the lock).
    private func attempt(_ step: Step, index: Int) -> Result {
        guard let executor = executors[step.kind.name] else {
            return Result(state: .failed, error: "no executor for \(step.kind.name.rawValue) steps", exitCode: ExitStatus.usage.rawValue)
        }
        var attempt = 0
        while true {
            attempt += 1
            let now = clock.now()
            condition.withLock {
                record.steps[index].attempts = attempt
                if record.steps[index].startedAt == nil { record.steps[index].startedAt = RecordTime.text(now) }
                saveLocked()
            }
            log.write(.info, plugin: nil, stream: nil, "step '\(step.name)': \(step.kind.name.rawValue), attempt \(attempt) of \(step.retries.maxAttempts)")
            let context = StepRunContext(
                pipeline: pipeline, runID: runID, attempt: attempt, log: log, cancellation: cancellation,
                stateDirectory: options.stateDirectory, startDirectory: options.startDirectory,
                fullRefresh: options.fullRefresh[step.name],
                recordSyncRun: { [self] syncRunID in
                    condition.withLock {
                        record.steps[index].syncRuns.append(syncRunID)
                        saveLocked()
                    }
                },
                recordDetail: { [self] detail in
                    condition.withLock {
                        record.steps[index].sql = detail.sql ?? record.steps[index].sql
                        record.steps[index].checks = detail.checks ?? record.steps[index].checks
                        saveLocked()
                    }
                })
            do {
                switch try executor.run(step, in: context) {
                case .succeeded(let rows):
                    return Result(state: .succeeded, rows: rows)
                case .checkFailed(let count, let message):
                    return Result(state: .failed, error: message, exitCode: ExitStatus.checkFailed.rawValue, checkFailures: count)
                }
            } catch {
                let hostError = error as? HostError ?? HostError(.io, "\(error)")
                if hostError.kind == .cancelled || cancellation.isCancelled {
                    return Result(state: .cancelled, error: hostError.message, exitCode: ExitStatus.cancelled.rawValue)
                }
                guard RetryPolicy.isTransient(hostError), attempt < step.retries.maxAttempts else {
                    return Result(state: .failed, error: hostError.message, exitCode: hostError.exitStatus.rawValue)
                }
                let wait = Double(step.retries.delay.seconds) * pow(2, Double(attempt - 1))
                log.write(.warn, plugin: nil, stream: nil,
                          "step '\(step.name)': \(hostError.message); retry \(attempt) of \(step.retries.maxAttempts - 1) in \(String(format: "%.0f", wait)) s")
                clock.wait(seconds: wait, cancellation: cancellation)
                if cancellation.isCancelled {
                    return Result(state: .cancelled, error: "cancelled (\(cancellation.reason)) while waiting to retry", exitCode: ExitStatus.cancelled.rawValue)
                }
            }
        }
    }

    /// Records how a step ended (the lock is held).
    private func finish(_ index: Int, _ result: Result) {
        let now = clock.now()
        var step = record.steps[index]
        step.state = result.state
        step.rows = result.rows
        step.error = result.error
        step.exitCode = result.exitCode
        step.checkFailures = result.checkFailures
        step.finishedAt = RecordTime.text(now)
        if let start = step.startedAt.flatMap(RecordTime.date) {
            step.seconds = Self.rounded(now.timeIntervalSince(start))
        }
        record.steps[index] = step
        saveLocked()
        switch result.state {
        case .succeeded:
            log.write(.info, plugin: nil, stream: nil, "step '\(step.name)': succeeded" + (step.rows.map { ", \($0) rows" } ?? ""))
        case .cancelled:
            log.write(.warn, plugin: nil, stream: nil, "step '\(step.name)': cancelled")
        default:
            log.write(.error, plugin: nil, stream: nil, "step '\(step.name)' failed: \(step.error ?? "")")
        }
    }

    /// Saves the record; a failure to save is logged (the run goes on).
    private func saveLocked() {
        do {
            try store?.save(record)
        } catch {
            log.write(.error, plugin: nil, stream: nil, "cannot save the pipeline run record: \(error)")
        }
    }

    static func rounded(_ seconds: Double) -> Double { (seconds * 1000).rounded() / 1000 }
}

import ETLHost
import Foundation

/// Runs the pipelines of a project folder (see ``ProjectPipelines``) on
/// their schedules and on request, for `etl-host serve`.
///
/// Every run is a child process of the real binary,
/// `<executable> run -f FILE --run-id ID --trigger T [--select S]...`, in
/// the project folder with `ETL_STATE_DIR` set to the state folder: a
/// plugin that crashes takes its run down, never serve, and runs started
/// here, by hand or by cron share one history and one lock per pipeline.
/// A child's output goes to `<state>/serve/output/<run id>.txt` (the newest
/// 1,000 kept, ``RunOutputRetention``); what the
/// scheduler does (fires, skips, alerts) to `<state>/serve/scheduler.log`.
///
/// ```swift
/// let scheduler = ProjectScheduler(projectFolder: ".", executable: "/usr/local/bin/etl-host",
///                                  stateFolder: HostEnvironment.stateDirectory())
/// await scheduler.start()
/// let id = try await scheduler.runNow(pipeline: "shop")
/// await scheduler.shutdown(grace: 30)
/// ```
public actor ProjectScheduler: PipelineControl {
    /// The project folder (absolute).
    public nonisolated let projectFolder: String
    /// The etl-host binary children run.
    public nonisolated let executable: String
    /// The state folder (absolute): run records, locks, schedule state.
    public nonisolated let stateFolder: String
    let clock: any SchedulerClock
    let environment: [String: String]
    let store: ScheduleStateStore
    let runs: PipelineRunStore
    let alerts: WebhookAlerts

    /// A run this scheduler started that has not ended.
    struct Running {
        var pipeline: String
        var scheduleID: String?
        var started: Date
        var child: RunChild
    }

    /// A fire waiting to start (queued behind a running run, or caught up).
    struct Fire {
        var entry: ProjectPipelines.Entry
        var scheduleIndex: Int
        var time: Date
    }

    var entries: [ProjectPipelines.Entry] = []
    var children: [String: Running] = [:]
    var queued: [String: [Fire]] = [:]
    var nextFires: [String: Date] = [:]
    /// Per pipeline, since when a fire was missed with no successful run after it.
    var missedSince: [String: Date] = [:]
    var late: Set<String> = []
    /// Per pipeline, how its newest ended run ended (for recovery alerts).
    var previousEndedStatus: [String: PipelineRunRecord.Status] = [:]
    var loop: Task<Void, Never>?
    var stopping = false
    var startedAt: Date?
    /// The clock's time when the loop last looked at the schedules (tests wait on it).
    var tickedAt: Date?
    /// Each pipeline's newest run, read incrementally (``latestRuns(of:)``).
    var latestKnown = LatestPipelineRuns()
    private var endWaiters: [UUID: CheckedContinuation<Void, Never>] = [:]

    /// Fires later than this are missed fires (serve was down, or the machine slept).
    static let missedAfter: Double = 60

    /// A scheduler for `projectFolder`'s pipelines, running `executable`,
    /// keeping its state in `stateFolder`, on `clock`.
    public init(projectFolder: String, executable: String, stateFolder: String, clock: any SchedulerClock = SystemSchedulerClock(),
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        func absolute(_ path: String) -> String {
            URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL.path
        }
        self.projectFolder = absolute(projectFolder)
        self.executable = executable.contains("/") ? absolute(executable) : executable
        self.stateFolder = absolute(stateFolder)
        self.clock = clock
        var childEnvironment = environment
        childEnvironment["ETL_STATE_DIR"] = absolute(stateFolder)
        self.environment = childEnvironment
        store = ScheduleStateStore(stateFolder: absolute(stateFolder))
        runs = PipelineRunStore(runs: RunStore(stateDirectory: absolute(stateFolder)))
        alerts = WebhookAlerts(environment: environment, logPath: (absolute(stateFolder) as NSString).appendingPathComponent("serve/scheduler.log"))
    }

    // MARK: PipelineControl

    /// Every pipeline of the project folder, with its schedules and freshness.
    public func pipelines() async -> [PipelineStatus] {
        if loop == nil { reload() }
        let now = clock.now()
        let paused = store.paused()
        let lastFires = store.lastFires()
        let latest = latestRuns(of: Set(entries.map(\.name)))
        return entries.map { entry in
            let schedules = (entry.pipeline?.schedules ?? []).enumerated().map { index, schedule in
                let id = entry.scheduleID(index)
                let isPaused = paused.contains(id)
                let next = isPaused ? nil : (nextFires[id] ?? schedule.nextFire(after: now))
                let last = lastFires[id].flatMap { $0.schedule == schedule.summary ? $0.lastFire : nil }
                return ScheduleStatus(id: id, pipeline: entry.name, description: schedule.summary, paused: isPaused,
                                      nextFire: next.map(RecordTime.text), lastFire: last)
            }
            let record = latest[entry.name]
            let lastEnded = record.flatMap { $0.status == .running ? nil : $0.status }
            let freshness = FreshnessRule.freshness(lastEnded: lastEnded, scheduled: schedules.contains { !$0.paused },
                                                    late: isLate(entry.name, now: now))
            return PipelineStatus(name: entry.name, file: entry.file, schedules: schedules, freshness: freshness,
                                  lastRunID: record?.id, error: entry.error)
        }
    }

    /// Starts a run of `pipeline` now (trigger manual) and returns its id.
    ///
    /// - Throws: `.notFound` for an unknown pipeline; `.invalidArgument`
    ///   when its file does not parse; `.io` when the child cannot start.
    public func runNow(pipeline: String) async throws -> String {
        if loop == nil { reload() }
        let entry = try entry(named: pipeline)
        let id = RunID.make()
        try startChild(entry, runID: id, trigger: .manual, select: [], scheduleID: nil)
        return id
    }

    /// SIGTERMs run `runID` (a child of this scheduler, or the pid its
    /// record names); a run that has ended is left as it is.
    ///
    /// - Throws: `.notFound` when there is no such pipeline run.
    public func cancel(runID: String) async throws {
        if let running = children[runID] {
            log("run \(runID): cancel requested (SIGTERM to pid \(running.child.pid))")
            running.child.signal(SIGTERM)
            return
        }
        guard RequestedRunID.isValid(runID), FileManager.default.fileExists(atPath: runs.recordPath(runID)),
              let record = try? runs.load(runID) else {
            throw SchedulerError(.notFound, "no pipeline run '\(runID)' in \(runs.runs.root)")
        }
        guard record.status == .running else { return }
        log("run \(runID): cancel requested (SIGTERM to pid \(record.pid), not started by this serve)")
        kill(record.pid, SIGTERM)
    }

    /// Pauses schedule `scheduleID` (`<pipeline>/<index>`), kept in the state folder.
    ///
    /// - Throws: `.notFound` for an unknown schedule id.
    public func pause(scheduleID: String) async throws {
        try checkSchedule(scheduleID)
        if try store.setPaused(scheduleID, true) { log("schedule \(scheduleID): paused") }
        nextFires[scheduleID] = nil
    }

    /// Resumes schedule `scheduleID`: it fires next at its next time from now.
    ///
    /// - Throws: `.notFound` for an unknown schedule id.
    public func resume(scheduleID: String) async throws {
        try checkSchedule(scheduleID)
        if try store.setPaused(scheduleID, false) { log("schedule \(scheduleID): resumed") }
        nextFires[scheduleID] = nil
    }

    // MARK: Start and stop

    /// Begins firing schedules: first the fires missed since the last
    /// fire recorded (per `catch_up`), then each schedule at its times.
    public func start() async {
        guard loop == nil, !stopping else { return }
        let now = clock.now()
        startedAt = now
        reload()
        log("scheduler started: \(entries.count) pipeline\(entries.count == 1 ? "" : "s") in \(projectFolder)")
        for (pipeline, record) in latestRuns(of: Set(entries.map(\.name))) where record.status != .running {
            previousEndedStatus[pipeline] = record.status
        }
        catchUp(now: now)
        loop = Task { await self.runLoop() }
    }

    /// Stops scheduling, lets running runs finish for up to `grace`
    /// seconds, then SIGTERMs the rest (they end as `etl-host run` does on
    /// SIGTERM: exit 130, records cancelled); returns when every child has ended.
    public func shutdown(grace: Double) async {
        stopping = true
        loop?.cancel()
        await loop?.value
        queued = [:]
        log("scheduler stopping: \(children.count) run\(children.count == 1 ? "" : "s") going")
        let deadline = Date().addingTimeInterval(grace)
        while !children.isEmpty, Date() < deadline {
            await waitForAnEnd(upTo: deadline.timeIntervalSinceNow)
        }
        for signal in [SIGTERM, SIGKILL] where !children.isEmpty {
            for (id, running) in children {
                log("run \(id): \(signal == SIGTERM ? "SIGTERM" : "SIGKILL") at shutdown")
                running.child.signal(signal)
            }
            // SIGKILL is final: wait for it without a deadline.
            let end = signal == SIGTERM ? Date().addingTimeInterval(max(grace, 10)) : Date.distantFuture
            while !children.isEmpty, Date() < end {
                await waitForAnEnd(upTo: min(end.timeIntervalSinceNow, 60))
            }
        }
        await alerts.drain()
        log("scheduler stopped")
    }

    /// The ids of the runs this scheduler started that have not ended.
    public func runningRunIDs() -> [String] { children.keys.sorted() }

    // MARK: Children

    /// Starts `<executable> run` for `entry`.
    func startChild(_ entry: ProjectPipelines.Entry, runID: String, trigger: RunTrigger, select: [String], scheduleID: String?) throws {
        let outputFolder = (stateFolder as NSString).appendingPathComponent("serve/output")
        do {
            try FileManager.default.createDirectory(atPath: outputFolder, withIntermediateDirectories: true)
        } catch {
            throw HostError(.io, "cannot create '\(outputFolder)': \(error.localizedDescription)")
        }
        RunOutputRetention().prune(outputFolder)
        let arguments = [executable, "run", "-f", entry.file, "--run-id", runID, "--trigger", trigger.rawValue]
            + select.flatMap { ["--select", $0] }
        let child = try RunChild(arguments: arguments, environment: environment, workingDirectory: projectFolder,
                                 outputPath: (outputFolder as NSString).appendingPathComponent("\(runID).txt")) { [weak self] status in
            guard let self else { return }
            Task { await self.childEnded(runID, status: status) }
        }
        children[runID] = Running(pipeline: entry.name, scheduleID: scheduleID, started: clock.now(), child: child)
        log("run \(runID): started (pipeline '\(entry.name)', trigger \(trigger.rawValue)\(select.isEmpty ? "" : ", select \(select.joined(separator: " "))"), pid \(child.pid))")
    }

    private func childEnded(_ runID: String, status: Int32) {
        guard let running = children.removeValue(forKey: runID) else { return }
        let record = FileManager.default.fileExists(atPath: runs.recordPath(runID)) ? (try? runs.load(runID)) : nil
        log("run \(runID): ended, exit \(status)\(record.map { ", \($0.status.rawValue)" } ?? ", no record")")
        if let record { alertAfter(record, pipeline: running.pipeline) }
        for waiter in endWaiters.values { waiter.resume() }
        endWaiters = [:]
        if !stopping { startQueued(running.pipeline) }
    }

    /// Waits until a child ends or `seconds` pass (wall clock).
    private func waitForAnEnd(upTo seconds: Double) async {
        let id = UUID()
        let timer = Task { [weak self] in
            try? await Task.sleep(nanoseconds: UInt64(max(0.01, seconds) * 1_000_000_000))
            await self?.endWait(id)
        }
        await withCheckedContinuation { continuation in endWaiters[id] = continuation }
        timer.cancel()
    }

    private func endWait(_ id: UUID) {
        endWaiters.removeValue(forKey: id)?.resume()
    }

    // MARK: Pipelines

    /// Reads the project's pipeline files again.
    func reload() {
        entries = ProjectPipelines.load(projectFolder: projectFolder, environment: environment)
    }

    func entry(named name: String) throws -> ProjectPipelines.Entry {
        guard let entry = entries.first(where: { $0.name == name }) else {
            throw SchedulerError(.notFound, "no pipeline '\(name)' in \(projectFolder); pipelines: \(entries.map(\.name).joined(separator: ", "))")
        }
        guard entry.pipeline != nil else {
            throw SchedulerError(.pipelineHasErrors, "pipeline '\(name)' cannot run: \(entry.file) has errors:\n\(entry.error ?? "")")
        }
        return entry
    }

    private func checkSchedule(_ scheduleID: String) throws {
        if loop == nil { reload() }
        let ids = entries.flatMap { entry in (entry.pipeline?.schedules ?? []).indices.map(entry.scheduleID) }
        guard ids.contains(scheduleID) else {
            throw SchedulerError(.notFound, "no schedule '\(scheduleID)'; schedules: \(ids.isEmpty ? "none" : ids.joined(separator: ", "))")
        }
    }

    /// The newest pipeline run of each of `pipelines` (by start time; folders read once, see ``LatestPipelineRuns``).
    func latestRuns(of pipelines: Set<String>) -> [String: PipelineRunRecord] {
        latestKnown.refresh(runs)
        return latestKnown.latest(of: pipelines)
    }

    /// Appends a line to `<state>/serve/scheduler.log`.
    func log(_ message: String) {
        SchedulerLog.append(message, at: clock.now(), to: (stateFolder as NSString).appendingPathComponent("serve/scheduler.log"))
    }
}

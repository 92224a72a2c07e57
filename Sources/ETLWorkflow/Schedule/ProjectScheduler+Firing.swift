import ETLHost
import Foundation

/// The firing loop: catch-up at start, fires on time, overlap policies.
extension ProjectScheduler {
    /// Waits for the next fire (at most a second, so a pause from the CLI
    /// or an edited pipeline file is seen), fires what is due, again.
    func runLoop() async {
        while !Task.isCancelled && !stopping {
            let now = clock.now()
            reload()
            let paused = store.paused()
            for entry in entries {
                for (index, schedule) in (entry.pipeline?.schedules ?? []).enumerated() {
                    let id = entry.scheduleID(index)
                    guard !paused.contains(id) else {
                        nextFires[id] = nil
                        continue
                    }
                    guard let next = nextFires[id] ?? schedule.nextFire(after: now) else { continue }
                    nextFires[id] = next
                    guard next <= now else { continue }
                    fireDue(entry, index: index, schedule: schedule, first: next, now: now)
                    nextFires[id] = schedule.nextFire(after: now)
                }
                startQueued(entry.name)
            }
            noteLateness(now: now)
            tickedAt = now
            let wake = min(nextFires.values.min() ?? .distantFuture, now.addingTimeInterval(1))
            await clock.sleep(until: wake)
        }
    }

    /// At start: the fires missed since each schedule's last recorded fire, per its `catch_up`.
    func catchUp(now: Date) {
        let paused = store.paused()
        let lastFires = store.lastFires()
        for entry in entries {
            for (index, schedule) in (entry.pipeline?.schedules ?? []).enumerated() {
                let id = entry.scheduleID(index)
                nextFires[id] = schedule.nextFire(after: now)
                guard !paused.contains(id), let last = lastFires[id], last.schedule == schedule.summary,
                      let lastDate = RecordTime.date(last.lastFire) else { continue }
                let missed = schedule.fires(after: lastDate, through: now, limit: Int.max / 2)
                guard !missed.isEmpty else { continue }
                apply(schedule.catchUp, to: missed, entry: entry, index: index, schedule: schedule, why: "missed while serve was not running")
            }
        }
    }

    /// Fires `first` and any later fires up to `now`: on time when only
    /// one is due and it is not stale; otherwise as `catch_up` says.
    private func fireDue(_ entry: ProjectPipelines.Entry, index: Int, schedule: Schedule, first: Date, now: Date) {
        let due = [first] + schedule.fires(after: first, through: now, limit: Int.max / 2)
        if due.count == 1, now.timeIntervalSince(first) <= Self.missedAfter {
            fire(entry, index: index, schedule: schedule, at: first)
        } else {
            apply(schedule.catchUp, to: due, entry: entry, index: index, schedule: schedule, why: "overdue (the scheduler was held up)")
        }
    }

    /// Runs none, the newest or every one (the newest ``Schedule/catchUpLimit``) of `missed`, oldest first.
    private func apply(_ policy: Schedule.CatchUp, to missed: [Date], entry: ProjectPipelines.Entry, index: Int, schedule: Schedule, why: String) {
        let id = entry.scheduleID(index)
        let count = missed.count
        let last = missed[missed.count - 1]
        switch policy {
        case .skip:
            log("schedule \(id): \(count) fire\(count == 1 ? "" : "s") \(why), skipped (catch_up: skip); last \(RecordTime.text(last))")
            try? store.recordFire(id, summary: schedule.summary, at: last)
            missedSince[entry.name] = missedSince[entry.name] ?? last
        case .latest:
            log("schedule \(id): \(count) fire\(count == 1 ? "" : "s") \(why); running the latest, \(RecordTime.text(last)) (catch_up: latest)")
            fire(entry, index: index, schedule: schedule, at: last)
        case .all:
            let kept = Array(missed.suffix(Schedule.catchUpLimit))
            let dropped = count - kept.count
            log("schedule \(id): \(count) fire\(count == 1 ? "" : "s") \(why); running \(kept.count) in order (catch_up: all)"
                + (dropped > 0 ? ", the \(dropped) oldest dropped (at most \(Schedule.catchUpLimit))" : ""))
            for time in kept {
                queued[entry.name, default: []].append(Fire(entry: entry, scheduleIndex: index, time: time))
            }
            try? store.recordFire(id, summary: schedule.summary, at: last)
            startQueued(entry.name)
        }
    }

    /// One fire of schedule `index` at `time`, per its `overlap` when the pipeline is running.
    func fire(_ entry: ProjectPipelines.Entry, index: Int, schedule: Schedule, at time: Date) {
        let id = entry.scheduleID(index)
        try? store.recordFire(id, summary: schedule.summary, at: time)
        let running = runningRuns(of: entry.name)
        guard !running.isEmpty else {
            start(Fire(entry: entry, scheduleIndex: index, time: time))
            return
        }
        let what = running.map(\.description).joined(separator: ", ")
        switch schedule.overlap {
        case .skip:
            log("schedule \(id): fire \(RecordTime.text(time)) skipped: \(what) is still going (overlap: skip)")
            missedSince[entry.name] = missedSince[entry.name] ?? time
        case .queue:
            if let waiting = queued[entry.name]?.first(where: { $0.scheduleIndex == index }) {
                log("schedule \(id): fire \(RecordTime.text(time)) dropped: \(what) is still going and the fire \(RecordTime.text(waiting.time)) already waits (overlap: queue keeps one)")
                missedSince[entry.name] = missedSince[entry.name] ?? time
            } else {
                log("schedule \(id): fire \(RecordTime.text(time)) queued: \(what) is still going (overlap: queue)")
                queued[entry.name, default: []].append(Fire(entry: entry, scheduleIndex: index, time: time))
            }
        case .cancelRunning:
            log("schedule \(id): fire \(RecordTime.text(time)): cancelling \(what) (overlap: cancel_running)")
            for run in running { run.stop() }
            // The new run waits for the pipeline's lock until the cancelled one has ended.
            start(Fire(entry: entry, scheduleIndex: index, time: time))
        }
    }

    /// Starts the first queued fire of `pipeline` when nothing of it runs.
    func startQueued(_ pipeline: String) {
        guard !stopping, var waiting = queued[pipeline], !waiting.isEmpty, runningRuns(of: pipeline).isEmpty else { return }
        let next = waiting.removeFirst()
        queued[pipeline] = waiting.isEmpty ? nil : waiting
        start(next)
    }

    private func start(_ fire: Fire) {
        let schedule = fire.entry.pipeline?.schedules[fire.scheduleIndex]
        let runID = Self.runID(fire: fire.time, pipeline: fire.entry.name, scheduleIndex: fire.scheduleIndex)
        do {
            try startChild(fire.entry, runID: runID, trigger: .schedule, select: schedule?.select ?? [], scheduleID: fire.entry.scheduleID(fire.scheduleIndex))
        } catch {
            log("schedule \(fire.entry.scheduleID(fire.scheduleIndex)): cannot start run \(runID): \(error)")
        }
    }

    /// The id of the run of a fire: `<fire time, UTC, to the millisecond>Z-<pipeline>-<schedule index>`
    /// (the same fire always gets the same id, so a fire started twice runs once).
    public static func runID(fire: Date, pipeline: String, scheduleIndex: Int) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmssSSS'Z'"
        return "\(formatter.string(from: fire))-\(pipeline.prefix(60))-\(scheduleIndex)"
    }

    // MARK: What runs

    /// A run of a pipeline that is going: started here, or holding the pipeline's lock.
    struct GoingRun: CustomStringConvertible {
        var runID: String?
        var pid: pid_t
        var child: RunChild?
        var started: Date?

        var description: String { "run \(runID ?? "?") (pid \(pid))" }

        func stop() {
            if let child { child.signal(SIGTERM) } else { kill(pid, SIGTERM) }
        }
    }

    /// The runs of `pipeline` going now: this scheduler's children, and a
    /// run started elsewhere (`etl-host run` by hand) that holds the lock.
    func runningRuns(of pipeline: String) -> [GoingRun] {
        var going = children.filter { $0.value.pipeline == pipeline }
            .map { GoingRun(runID: $0.key, pid: $0.value.child.pid, child: $0.value.child, started: $0.value.started) }
        if let holder = PipelineLockProbe.holder(pipeline: pipeline, stateDirectory: stateFolder),
           !going.contains(where: { $0.pid == holder.pid }) {
            going.append(GoingRun(runID: holder.runID, pid: holder.pid, child: nil, started: nil))
        }
        return going.sorted { ($0.runID ?? "") < ($1.runID ?? "") }
    }

    // MARK: Lateness

    /// Whether a fire of `pipeline` is overdue: missed (skipped, dropped)
    /// with no successful run since, or a run still going that started
    /// before a later fire.
    func isLate(_ pipeline: String, now: Date) -> Bool {
        if missedSince[pipeline] != nil { return true }
        if queued[pipeline]?.isEmpty == false { return true }
        return false
    }

    /// Sends `late` alerts for pipelines that became late.
    func noteLateness(now: Date) {
        for entry in entries {
            let isLate = isLate(entry.name, now: now)
            if isLate, !late.contains(entry.name) {
                late.insert(entry.name)
                if let pipeline = entry.pipeline {
                    alerts.send(.late, rules: pipeline.alerts, message: AlertMessage(event: .late, pipeline: entry.name, runID: nil, status: "late",
                        failingStep: nil, error: "a scheduled fire was missed or is waiting (since \(RecordTime.text(missedSince[entry.name] ?? now)))",
                        time: RecordTime.text(now)))
                }
            } else if !isLate {
                late.remove(entry.name)
            }
        }
    }

    /// After a run ends: failure and recovery alerts; a success clears lateness.
    func alertAfter(_ record: PipelineRunRecord, pipeline: String) {
        let previous = previousEndedStatus[pipeline]
        previousEndedStatus[pipeline] = record.status
        if record.status == .succeeded { missedSince[pipeline] = nil }
        guard let rules = entries.first(where: { $0.name == pipeline })?.pipeline?.alerts, !rules.isEmpty else { return }
        let failing = record.steps.first { $0.state == .failed }
        let now = RecordTime.text(clock.now())
        switch record.status {
        case .failed, .interrupted:
            alerts.send(.failure, rules: rules, message: AlertMessage(event: .failure, pipeline: pipeline, runID: record.id, status: record.status.rawValue,
                        failingStep: failing?.name, error: failing?.error ?? record.error, time: now))
        case .succeeded where previous == .failed || previous == .interrupted:
            alerts.send(.recovery, rules: rules, message: AlertMessage(event: .recovery, pipeline: pipeline, runID: record.id, status: record.status.rawValue,
                        failingStep: nil, error: nil, time: now))
        default:
            break
        }
    }
}

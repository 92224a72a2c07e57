import ETLHost
import Foundation

/// One entry of a pipeline file's `schedules:` list: when `etl-host serve`
/// runs the pipeline (or a selection of its steps), and what it does about
/// fires it missed and runs that overlap.
///
/// ```yaml
/// schedules:
///   - {cron: "0 2 * * *", timezone: Europe/Berlin, select: [orders+], catch_up: latest, overlap: skip}
///   - {every: 15m}
/// ```
public struct Schedule: Sendable, Equatable {
    /// When it fires.
    public enum Timing: Sendable, Equatable {
        /// A cron expression read in a time zone.
        case cron(CronExpression, TimeZone)
        /// Every interval, at the multiples of it since 1970-01-01 00:00 UTC
        /// (`every: 15m` fires at :00, :15, :30, :45 UTC; `every: 2s` at even seconds).
        case every(PipelineDuration)
    }

    /// What to do, when serve starts, about fires missed while it was down
    /// (or while the machine slept).
    public enum CatchUp: String, Sendable, CaseIterable {
        /// Nothing: wait for the next fire (the default).
        case skip
        /// One run for all the missed fires.
        case latest
        /// One run per missed fire, oldest first (at most ``Schedule/catchUpLimit``).
        case all
    }

    /// What to do when the schedule fires while a run of the pipeline is going.
    public enum Overlap: String, Sendable, CaseIterable {
        /// Do not run; the skip is logged (the default).
        case skip
        /// Run when the current run ends; one queued fire at most (later ones are dropped, logged).
        case queue
        /// SIGTERM the running run (it ends cancelled), then run.
        case cancelRunning = "cancel_running"
    }

    /// Missed fires run at most by `catch_up: all`: the newest ones.
    public static let catchUpLimit = 100

    /// When it fires.
    public var timing: Timing
    /// The steps to run (as `--select`); empty: every step.
    public var select: [String]
    /// Missed fires.
    public var catchUp: CatchUp
    /// Overlapping runs.
    public var overlap: Overlap
    /// Where it is written.
    public var location: SourceLocation

    /// A schedule.
    public init(timing: Timing, select: [String] = [], catchUp: CatchUp = .skip, overlap: Overlap = .skip,
                location: SourceLocation = SourceLocation(file: "", line: 1, column: 1)) {
        self.timing = timing
        self.select = select
        self.catchUp = catchUp
        self.overlap = overlap
        self.location = location
    }

    /// As the UI shows it: `cron 0 2 * * * (Europe/Berlin)` or `every 15m`.
    public var summary: String {
        switch timing {
        case .cron(let cron, let zone): "cron \(cron.text) (\(zone.scheduleName))"
        case .every(let interval): "every \(interval)"
        }
    }

    /// The first fire after `instant`.
    public func nextFire(after instant: Date) -> Date? {
        switch timing {
        case .cron(let cron, let zone):
            return cron.nextFire(after: instant, in: zone)
        case .every(let interval):
            let step = Double(interval.seconds)
            return Date(timeIntervalSince1970: (floor(instant.timeIntervalSince1970 / step) + 1) * step)
        }
    }

    /// The fires in `(after, through]`, oldest first; at most `limit` (the newest).
    public func fires(after: Date, through: Date, limit: Int) -> [Date] {
        var result: [Date] = []
        var cursor = after
        while let next = nextFire(after: cursor), next <= through {
            result.append(next)
            if result.count > limit { result.removeFirst() }
            cursor = next
        }
        return result
    }
}

/// An entry of a pipeline file's `alerts:` list: a webhook `etl-host serve`
/// POSTs a JSON message to when a run fails, the pipeline is late, or it
/// recovers.
///
/// ```yaml
/// alerts:
///   - {webhook: "@env:SLACK_WEBHOOK", on: [failure, recovery]}
/// ```
public struct AlertRule: Sendable, Equatable {
    /// What an alert is about.
    public enum Event: String, Sendable, CaseIterable, Codable {
        /// A run ended failed (or interrupted).
        case failure
        /// A scheduled fire is overdue (missed, or a run still going at the next fire).
        case late
        /// A run succeeded after a failed one.
        case recovery
    }

    /// The URL as written: `https://...` or `@env:NAME` (resolved when sent; never recorded or shown).
    public var webhook: String
    /// The events that send it (default: failure and recovery).
    public var events: Set<Event>
    /// Where it is written.
    public var location: SourceLocation

    /// An alert rule.
    public init(webhook: String, events: Set<Event> = [.failure, .recovery], location: SourceLocation = SourceLocation(file: "", line: 1, column: 1)) {
        self.webhook = webhook
        self.events = events
        self.location = location
    }
}

extension TimeZone {
    /// The zone's tz database name as schedules show it (`UTC`, where
    /// Foundation on Linux says `GMT`).
    public var scheduleName: String { identifier == "GMT" ? "UTC" : identifier }
}

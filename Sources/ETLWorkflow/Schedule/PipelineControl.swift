import Foundation

/// What `etl-host serve`'s web UI asks of the scheduler that runs a project
/// folder's pipelines: their state, and the few actions a person can take
/// (run now, cancel a run, pause or resume a schedule). Everything else the
/// UI shows it reads from the state folder (run records, logs).
public protocol PipelineControl: Sendable {
    /// Every pipeline of the project folder, by name.
    func pipelines() async -> [PipelineStatus]
    /// Starts a run of `pipeline` now (trigger ``RunTrigger/manual``),
    /// sharing the pipeline's lock and history with scheduled runs; returns its run id.
    func runNow(pipeline: String) async throws -> String
    /// Cancels a running run as SIGTERM does (running steps stop, the rest
    /// are marked cancelled); an ended run is left as it is.
    func cancel(runID: String) async throws
    /// Pauses the schedule `scheduleID` (it does not fire until resumed; kept across restarts).
    func pause(scheduleID: String) async throws
    /// Resumes a paused schedule.
    func resume(scheduleID: String) async throws
}

/// A pipeline of the project folder, as the scheduler sees it.
public struct PipelineStatus: Sendable, Codable, Equatable {
    /// The pipeline's name (`name:` of its file).
    public var name: String
    /// Its file, relative to the project folder.
    public var file: String
    /// Its schedules, in file order (empty: run by hand only).
    public var schedules: [ScheduleStatus]
    /// On time, late, failing or unscheduled.
    public var freshness: Freshness
    /// The newest run's id, if any.
    public var lastRunID: String?
    /// Why the file cannot be scheduled (it does not parse or validate), if it cannot.
    public var error: String?

    /// A pipeline's status.
    public init(name: String, file: String, schedules: [ScheduleStatus], freshness: Freshness,
                lastRunID: String? = nil, error: String? = nil) {
        self.name = name
        self.file = file
        self.schedules = schedules
        self.freshness = freshness
        self.lastRunID = lastRunID
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case name, file, schedules, freshness, error
        case lastRunID = "last_run_id"
    }
}

/// One schedule of a pipeline.
public struct ScheduleStatus: Sendable, Codable, Equatable {
    /// Stable id: `<pipeline>/<index>` (index in file order, from 0).
    public var id: String
    /// The pipeline it runs.
    public var pipeline: String
    /// As written: `cron 0 2 * * * (Europe/Berlin)` or `every 15m`.
    public var description: String
    /// Paused from the UI or `etl-host schedule pause`.
    public var paused: Bool
    /// The next time it fires, ISO 8601 UTC (nil when paused).
    public var nextFire: String?
    /// The last time it fired, ISO 8601 UTC.
    public var lastFire: String?

    /// A schedule's status.
    public init(id: String, pipeline: String, description: String, paused: Bool, nextFire: String? = nil, lastFire: String? = nil) {
        self.id = id
        self.pipeline = pipeline
        self.description = description
        self.paused = paused
        self.nextFire = nextFire
        self.lastFire = lastFire
    }

    enum CodingKeys: String, CodingKey {
        case id, pipeline, description, paused
        case nextFire = "next_fire"
        case lastFire = "last_fire"
    }
}

/// Whether a pipeline's data is as fresh as its schedules promise (as
/// Airbyte's connection status: on time, late, failing).
public enum Freshness: String, Codable, Sendable {
    /// The last run succeeded and no scheduled run is overdue.
    case onTime = "on_time"
    /// A scheduled run is overdue (missed, or running past the next fire time).
    case late
    /// The last run failed.
    case failing
    /// No schedule (or every schedule paused) and no failed last run.
    case unscheduled
}

import ArgumentParser
import ETLHost
import ETLWorkflow
import Foundation

/// The filters of `etl-host runs`: by pipeline, status and start time.
/// Every filter given must match; sync and pipeline runs alike.
struct RunsFilter: ParsableArguments {
    @Option(help: ArgumentHelp("Only this pipeline's runs: its name in the PIPELINE column; a pipeline file's name also selects its sync steps' runs (<pipeline>.<step>).", valueName: "name"))
    var pipeline: String?
    @Option(help: ArgumentHelp("Only runs with this status: running, succeeded, failed, cancelled or interrupted.", valueName: "status"))
    var status: String?
    @Option(help: ArgumentHelp("Only runs started at or after this: a duration back from now (30m, 12h, 7d), an ISO 8601 time with its zone, a day (UTC) or a run id (its end).", valueName: "time"))
    var since: String?

    /// The statuses `--status` takes.
    static let statuses = ["running", "succeeded", "failed", "cancelled", "interrupted"]

    func validate() throws {
        if let status, !Self.statuses.contains(status) {
            throw ValidationError("--status must be one of: \(Self.statuses.joined(separator: ", ")) (not '\(status)')")
        }
    }

    /// The instant `--since` names, if given.
    func sinceDate(now: Date = Date()) throws -> Date? {
        guard let since else { return nil }
        if let duration = try? PipelineDuration.parse(since) { return now.addingTimeInterval(-Double(duration.seconds)) }
        do {
            return try RebuildPlan.instant(since, store: RunStore())
        } catch let error as HostError {
            throw HostError(.invalidArgument, "--since: \(error.message); or a duration back from now (30m, 12h, 7d)")
        }
    }

    /// Whether a run named `pipelineName`, with `status`, started at
    /// `startedAt` passes every filter (`since` already resolved).
    func matches(pipeline pipelineName: String, status runStatus: String, startedAt: String, since: Date?) -> Bool {
        if let pipeline, pipelineName != pipeline, !pipelineName.hasPrefix(pipeline + ".") { return false }
        if let status, runStatus != status { return false }
        if let since {
            guard let started = Timestamp.date(startedAt), started >= since else { return false }
        }
        return true
    }
}

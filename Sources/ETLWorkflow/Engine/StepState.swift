/// Where one step of a pipeline run stands.
public enum StepState: String, Codable, Sendable, CaseIterable {
    /// Not started yet.
    case pending
    /// Under way (or the process died while it was: the run then reads as interrupted).
    case running
    /// Done: its executor reported success.
    case succeeded
    /// Its last attempt failed (the error says why).
    case failed
    /// Not run in this run because an earlier run it resumes already did it.
    case skipped
    /// Not run because a step it needs did not succeed.
    case upstreamFailed = "upstream_failed"
    /// Not finished because the run was cancelled (SIGINT/SIGTERM).
    case cancelled

    /// Whether the step will not change state any more in this run.
    public var isFinal: Bool { self != .pending && self != .running }

    /// Whether steps that need this one may start.
    public var letsDownstreamRun: Bool { self == .succeeded || self == .skipped }
}

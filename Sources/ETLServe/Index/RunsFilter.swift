import ETLWorkflow
import Foundation

/// What the runs page (and `/api/runs`) asks the index for: filters, a
/// page size, and where the page starts (keyset pagination on
/// `(started_at, id)`, newest first).
public struct RunsFilter: Sendable, Equatable {
    /// Only runs of this pipeline.
    public var pipeline: String?
    /// Only runs with this status (running, succeeded, failed, cancelled, interrupted).
    public var status: RunStatusFilter?
    /// Only runs started by this trigger.
    public var trigger: RunTrigger?
    /// Only pipeline runs or only sync runs (default: both, without the
    /// sync runs of pipeline runs, which their run's page shows).
    public var kind: RunSummaryKind?
    /// Only runs started at or after this instant (ISO 8601 UTC, or a prefix such as `2026-12-06`).
    public var from: String?
    /// Only runs started before this instant (ISO 8601 UTC, or a prefix).
    public var to: String?
    /// The page starts after this run (the previous page's last).
    public var after: RunsCursor?
    /// Runs per page.
    public var limit: Int

    /// A filter; every field optional.
    public init(pipeline: String? = nil, status: RunStatusFilter? = nil, trigger: RunTrigger? = nil, kind: RunSummaryKind? = nil,
                from: String? = nil, to: String? = nil, after: RunsCursor? = nil, limit: Int = 50) {
        self.pipeline = pipeline
        self.status = status
        self.trigger = trigger
        self.kind = kind
        self.from = from
        self.to = to
        self.after = after
        self.limit = limit
    }

    /// The most runs one page may ask for.
    public static let maximumLimit = 500
}

/// The statuses a run can be filtered on (pipeline and sync runs share them).
public enum RunStatusFilter: String, Sendable, CaseIterable, Codable {
    /// Started and not ended.
    case running
    /// Ended well.
    case succeeded
    /// A step or stream failed.
    case failed
    /// Stopped by a signal or the cancel button.
    case cancelled
    /// Its process died.
    case interrupted
}

/// Where a page of runs starts: after the run with this start time and id.
/// Written in URLs as `STARTED_AT~ID` (neither contains `~`).
public struct RunsCursor: Sendable, Equatable, Codable {
    /// The start time of the last run of the previous page.
    public var startedAt: String
    /// Its id.
    public var id: String

    /// A cursor after a run.
    public init(startedAt: String, id: String) {
        self.startedAt = startedAt
        self.id = id
    }

    /// Parses `STARTED_AT~ID`; nil when it is not that form.
    public init?(text: String) {
        let parts = text.split(separator: "~", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        startedAt = String(parts[0])
        id = String(parts[1])
    }

    /// `STARTED_AT~ID`.
    public var text: String { "\(startedAt)~\(id)" }
}

/// One page of runs, newest first, and where the next one starts.
public struct RunsPage: Sendable, Codable, Equatable {
    /// The runs of this page.
    public var runs: [RunSummary]
    /// The cursor of the next (older) page; nil on the last page.
    public var next: String?
}

/// What started a pipeline run: recorded in the run record
/// (`"trigger"`), shown and filtered on by `etl-host runs` and `serve`.
public enum RunTrigger: String, Codable, Sendable, CaseIterable {
    /// `etl-host run` typed (or scripted) by a person: the default.
    case cli
    /// A schedule of the pipeline file fired under `etl-host serve`.
    case schedule
    /// The run-now button (or `POST /api/pipelines/<name>/run`) of `serve`.
    case manual
    /// An outside orchestrator (cron, systemd, Kubernetes) running the
    /// lines `etl-host schedule export` wrote.
    case external
}

/// The exit code of a whole run, from how it ended.
extension ExitStatus {
    /// The exit code of a run that ended as `status`, whose failed streams
    /// (and post-commit failures) threw `failures`: 130 when cancelled, 0
    /// when succeeded, else the first of 64, 65, 2 that a failure maps to,
    /// else 1.
    public static func of(run status: RunRecord.Status, failures: [any Error]) -> ExitStatus {
        switch status {
        case .succeeded: return .success
        case .cancelled: return .cancelled
        case .running, .failed, .interrupted:
            let statuses = Set(failures.map { ($0 as? HostError)?.exitStatus ?? .failure })
            return [ExitStatus.usage, .badData, .pluginRefused].first(where: statuses.contains) ?? .failure
        }
    }
}

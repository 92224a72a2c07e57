import ETLHost

extension PipelineRunRecord {
    /// The exit code of `etl-host run` for this run: 0 when it succeeded,
    /// 130 when cancelled, else the first of 64, 65, 2, 3 (a check failed)
    /// that a failed step maps to, else 1.
    public var exitStatus: ExitStatus {
        switch status {
        case .succeeded: return .success
        case .cancelled: return .cancelled
        case .running, .failed, .interrupted:
            let codes = Set(steps.filter { $0.state == .failed }.compactMap(\.exitCode))
            return [ExitStatus.usage, .badData, .pluginRefused, .checkFailed].first { codes.contains($0.rawValue) } ?? .failure
        }
    }
}

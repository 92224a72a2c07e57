import ETLHost

/// `--full-refresh STEP` or `STEP.STREAM`, checked against the pipeline.
public enum FullRefreshSelection {
    /// Per step, the streams to reload (empty: every stream of the step).
    ///
    /// - Throws: `.invalidArgument` naming an unknown or non-sync step.
    public static func parse(_ items: [String], steps: [Step]) throws -> [String: Set<String>] {
        var result: [String: Set<String>] = [:]
        for item in items {
            let parts = item.split(separator: ".", maxSplits: 1).map(String.init)
            let name = parts.first ?? ""
            guard let step = steps.first(where: { $0.name == name }) else {
                throw HostError(.invalidArgument, "--full-refresh '\(item)': no step '\(name)' among the steps that run; steps: \(steps.map(\.name).joined(separator: ", "))")
            }
            guard case .sync(let sync) = step.kind else {
                throw HostError(.invalidArgument, "--full-refresh '\(item)': step '\(name)' is a \(step.kind.name.rawValue) step; only sync steps keep incremental state")
            }
            // A step that lists its streams is checked here; one that loads all is checked against the source's catalog when it runs.
            if parts.count == 2, let streams = sync.streams, !streams.contains(parts[1]) {
                throw HostError(.invalidArgument, "--full-refresh '\(item)': step '\(name)' has no stream '\(parts[1])'; its streams: \(streams.joined(separator: ", "))")
            }
            if parts.count == 2 {
                if result[name] != [] { result[name, default: []].insert(parts[1]) }
            } else {
                result[name] = []
            }
        }
        return result
    }
}

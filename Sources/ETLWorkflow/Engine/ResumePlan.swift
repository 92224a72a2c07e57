import ETLHost

/// What `--resume RUN_ID` runs: the steps of that run that did not
/// succeed (failed, upstream_failed, cancelled, or left pending or running
/// by a killed process) and every step downstream of them; the steps that
/// succeeded (or were skipped as done) stay done and are recorded as
/// `skipped`. The selection is the earlier run's: steps it did not select
/// stay out.
public struct ResumePlan: Sendable, Equatable {
    /// The earlier run.
    public var resumedFrom: String
    /// Every step of the earlier run, in its order.
    public var selected: [String]
    /// The steps that run again.
    public var rerun: [String]
    /// The steps left as they are.
    public var done: Set<String>

    /// The plan for resuming `previous` of the pipeline whose graph is `graph`.
    ///
    /// - Throws: `.invalidArgument` when the file changed since that run
    ///   (`currentSHA256` differs), the run is still running, or it names
    ///   steps the file no longer has.
    public init(previous: PipelineRunRecord, graph: StepGraph, currentSHA256: String) throws {
        guard previous.fileSHA256 == currentSHA256 else {
            throw HostError(.invalidArgument, "cannot resume run \(previous.id): the pipeline file \(previous.file) changed since that run (sha256 \(previous.fileSHA256.prefix(12))… then, \(currentSHA256.prefix(12))… now); a resume re-runs with the same inputs: restore the file, or start a new run without --resume")
        }
        guard previous.status != .running else {
            throw HostError(.invalidArgument, "cannot resume run \(previous.id): it is still running (pid \(previous.pid))")
        }
        let known = Set(graph.steps.map(\.name))
        for step in previous.steps where !known.contains(step.name) {
            throw HostError(.invalidArgument, "cannot resume run \(previous.id): its step '\(step.name)' is not in the pipeline file")
        }
        resumedFrom = previous.id
        selected = previous.steps.map(\.name)
        var again = Set(previous.steps.filter { !$0.state.letsDownstreamRun }.map(\.name))
        for name in again { again.formUnion(graph.downstream(of: name)) }
        again.formIntersection(selected)
        rerun = selected.filter(again.contains)
        done = Set(selected).subtracting(again)
    }
}

import ETLHost

/// What the engine cannot run yet, found before anything starts, so a
/// pipeline never runs half-way because of it: steps of a kind without an
/// executor (a program that hands the engine fewer executors than
/// ``StepExecutors/standard(registry:logLevel:logFormat:)``). Each problem
/// names the step and its place.
public enum RunSupport {
    /// One line per problem, `FILE:LINE:COLUMN: step 'x': ...`, in file order.
    public static func problems(in steps: [Step], executors: Set<StepKindName>) -> [PipelineDiagnostic] {
        var problems: [PipelineDiagnostic] = []
        for step in steps where !executors.contains(step.kind.name) {
            problems.append(PipelineDiagnostic(at: step.location,
                "step '\(step.name)': \(step.kind.name.rawValue) steps cannot run in this version of etl-host run (validate and plan check them); nothing was run", status: .usage))
        }
        return problems
    }
}

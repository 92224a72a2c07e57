import ETLHost

/// What the engine cannot run yet, found before anything starts, so a
/// pipeline never runs half-way because of it: steps of a kind without an
/// executor (a program that hands the engine fewer executors than
/// ``StepExecutors/standard(registry:logLevel:logFormat:)``), and
/// sync-step keys the host does not apply yet (`table`, `tables`,
/// `columns`, `contract`). Each problem names the step and its place.
public enum RunSupport {
    /// One line per problem, `FILE:LINE:COLUMN: step 'x': ...`, in file order.
    public static func problems(in steps: [Step], executors: Set<StepKindName>) -> [PipelineDiagnostic] {
        var problems: [PipelineDiagnostic] = []
        for step in steps {
            guard executors.contains(step.kind.name) else {
                problems.append(PipelineDiagnostic(at: step.location,
                    "step '\(step.name)': \(step.kind.name.rawValue) steps cannot run in this version of etl-host run (validate and plan check them); nothing was run", status: .usage))
                continue
            }
            guard case .sync(let sync) = step.kind else { continue }
            var keys: [String] = []
            if sync.tables.single != nil { keys.append("table") }
            if sync.tables.prefix != nil || !sync.tables.names.isEmpty { keys.append("tables") }
            if !sync.columns.isEmpty { keys.append("columns") }
            if sync.contract != SchemaContractSettings() { keys.append("contract") }
            for key in keys {
                problems.append(PipelineDiagnostic(at: step.location,
                    "step '\(step.name)': sync key '\(key)' is not applied by this version of etl-host run (tables are named after their streams, every column is loaded, schemas evolve and widen); remove it to run; nothing was run", status: .usage))
            }
        }
        return problems
    }
}

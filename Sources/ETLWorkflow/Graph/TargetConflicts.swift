/// Two steps that would write the same table or view of one warehouse:
/// their order would decide what the table holds, so the file is refused.
/// Only names the file spells out are compared (a `sql` step's target, a
/// sync's `table:` and `tables.names`), case-insensitively, as SQL
/// identifiers usually are; names a sync derives from stream names are
/// known only when it runs.
enum TargetConflicts {
    /// One problem per step that writes a name an earlier step writes.
    static func problems(in steps: [Step]) -> [PipelineDiagnostic] {
        var writers: [String: String] = [:]
        var problems: [PipelineDiagnostic] = []
        for step in steps {
            for (warehouse, table) in targets(of: step) {
                let key = "\(warehouse)\u{0}\(table.lowercased())"
                if let first = writers[key] {
                    problems.append(PipelineDiagnostic(at: step.location, first == step.name
                        ? "step '\(step.name)' names \(warehouse).\(table) for two streams: give each stream its own table"
                        : "steps '\(first)' and '\(step.name)' both write \(warehouse).\(table): give one of them another name"))
                } else {
                    writers[key] = step.name
                }
            }
        }
        return problems
    }

    /// The (warehouse connection, table) pairs a step names.
    private static func targets(of step: Step) -> [(String, String)] {
        switch step.kind {
        case .sql(let sql):
            guard case .named(let warehouse, _) = sql.into else { return [] }
            return [(warehouse, sql.target)]
        case .sync(let sync):
            guard case .named(let warehouse, _) = sync.to else { return [] }
            let named = sync.tables.names.values.sorted() + (sync.tables.single.map { [$0] } ?? [])
            return named.map { (warehouse, $0) }
        case .check, .command:
            return []
        }
    }
}

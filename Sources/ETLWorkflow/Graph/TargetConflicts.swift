/// Two steps that would write the same table or view of one warehouse
/// when at least one of them replaces it (a `sql` step, a sync in replace
/// mode): their order would decide what the table holds, so the file is
/// refused. Syncs that append or upsert into one table may share it. Only
/// names the file spells out are compared (a `sql` step's target, a sync's
/// `table:` and `tables.names`), case-insensitively, as SQL identifiers
/// usually are; names a sync derives from stream names are known only
/// when it runs.
enum TargetConflicts {
    private struct Writer {
        var step: String
        var replaces: Bool
    }

    /// One problem per step that writes a name an earlier step writes.
    static func problems(in steps: [Step]) -> [PipelineDiagnostic] {
        var writers: [String: Writer] = [:]
        var problems: [PipelineDiagnostic] = []
        for step in steps {
            for (warehouse, table, replaces) in targets(of: step) {
                let key = "\(warehouse)\u{0}\(table.lowercased())"
                guard let first = writers[key] else {
                    writers[key] = Writer(step: step.name, replaces: replaces)
                    continue
                }
                guard first.replaces || replaces else { continue }
                problems.append(PipelineDiagnostic(at: step.location, first.step == step.name
                    ? "step '\(step.name)' names \(warehouse).\(table) for two streams: give each stream its own table"
                    : "steps '\(first.step)' and '\(step.name)' both write \(warehouse).\(table), and one replaces it: give one of them another name"))
            }
        }
        return problems
    }

    /// The (warehouse connection, table, replaces it) triples a step names.
    private static func targets(of step: Step) -> [(String, String, Bool)] {
        switch step.kind {
        case .sql(let sql):
            guard case .named(let warehouse, _) = sql.into else { return [] }
            return [(warehouse, sql.target, true)]
        case .sync(let sync):
            guard case .named(let warehouse, _) = sync.to else { return [] }
            let named = sync.tables.names.values.sorted() + (sync.tables.single.map { [$0] } ?? [])
            return named.map { (warehouse, $0, sync.mode == .replace) }
        case .check, .command, .swift:
            return []
        }
    }
}

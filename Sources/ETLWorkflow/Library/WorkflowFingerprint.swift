import ETLHost

/// The SHA-256 of what a ``Workflow`` declares, recorded where a file's
/// run records the file's hash (`file_sha256`), so that resuming a run
/// refuses a workflow whose steps changed since, as `--resume` refuses a
/// changed file. It covers the connections (plugin and config), and per
/// step its name, kind, needs and what it does (a sync's connections,
/// streams, mode and incremental; a command's arguments; a sql step's
/// target; a check's table; a Swift step's summary). Closures' code is not
/// covered (Swift cannot read it), nor the lines steps are declared on.
enum WorkflowFingerprint {
    /// The hash of `workflow`.
    static func of(_ workflow: Workflow) -> String {
        var lines: [String] = ["workflow \(workflow.name)"]
        for (name, connection) in workflow.connections.sorted(by: { $0.key < $1.key }) {
            lines.append("connection \(name) \(connection.plugin) \(text(.object(connection.config)))")
        }
        for step in workflow.steps {
            lines.append("step \(step.name) \(step.kind.name.rawValue) needs [\(step.needs.joined(separator: ","))] retries \(step.retries.maxAttempts) \(what(step.kind))")
        }
        var digest = SHA256()
        digest.update(Array(lines.joined(separator: "\n").utf8))
        return digest.finalizeHex()
    }

    private static func what(_ kind: StepKind) -> String {
        switch kind {
        case .sync(let sync):
            "\(reference(sync.from)) -> \(reference(sync.to)) streams \(sync.streams?.joined(separator: ",") ?? "*") mode \(sync.mode) incremental \(sync.incremental)"
        case .sql(let sql): "into \(reference(sql.into)) target \(sql.target) \(sql.materialize.rawValue)"
        case .check(let check): "table \(reference(check.warehouse)).\(check.table)"
        case .command(let command): "run \(command.arguments) in \(command.workingDirectory)"
        case .swift(let code): "swift \(code.summary)"
        }
    }

    private static func reference(_ reference: ConnectionReference) -> String {
        switch reference {
        case .named(let name, _): name
        case .inline(let connection): "\(connection.plugin) \(text(.object(connection.config)))"
        }
    }

    /// A value as text, mappings in key order.
    private static func text(_ value: ConfigValue) -> String {
        switch value {
        case .string(let string): "\"\(string)\""
        case .integer(let integer): "\(integer)"
        case .number(let number): "\(number)"
        case .boolean(let boolean): "\(boolean)"
        case .null: "null"
        case .array(let values): "[" + values.map(text).joined(separator: ",") + "]"
        case .object(let values): "{" + values.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\(text($0.value))" }.joined(separator: ",") + "}"
        }
    }
}

import Foundation
import Yams

/// Steps: the keys every step has, the kind, and the sql and command kinds.
extension PipelineDecoder {
    static let commonStepKeys = ["needs", "retries"]
    static let kindKeys: [(key: String, kind: StepKindName)] = [("sync", .sync), ("sql", .sql), ("query", .sql), ("check", .check),
                                                                ("command", .command)]
    static let kindOptionKeys: [StepKindName: [String]] = [.sql: ["materialize", "into", "target"], .command: ["env", "cwd", "timeout"]]

    /// Every key a step may have.
    static var allStepKeys: [String] {
        commonStepKeys + kindKeys.map(\.key) + StepKindName.allCases.flatMap { kindOptionKeys[$0] ?? [] }
    }

    /// The steps that decoded, and the outline (name, needs) of every step,
    /// also of those that did not, for the graph checks.
    func decodeSteps(_ node: Node, context: StepContext) -> (steps: [Step], outlines: [StepOutline]) {
        guard let fields = reader.fields(node, what: "steps") else { return ([], []) }
        if fields.pairs.isEmpty { reader.log.error(reader.location(node), "steps: the pipeline has no steps") }
        var steps: [Step] = [], outlines: [StepOutline] = []
        for pair in fields.pairs {
            checkName(pair.key, at: pair.keyLocation, what: "step name")
            let (step, outline) = decodeStep(pair.value, name: pair.key, at: pair.keyLocation, context: context)
            if let step { steps.append(step) }
            outlines.append(outline)
        }
        return (steps, outlines)
    }

    private func decodeStep(_ node: Node, name: String, at location: SourceLocation, context: StepContext) -> (Step?, StepOutline) {
        let what = "step '\(name)'"
        var outline = StepOutline(name: name, needs: [], needsLocations: [], location: location)
        guard let fields = reader.fields(node, what: what, at: location) else { return (nil, outline) }
        if let node = fields.value("needs"), let list = reader.textList(node, what: "\(what): needs", allowSingle: true) {
            outline.needs = list.map(\.0)
            outline.needsLocations = list.map(\.1)
        }
        let kinds = Self.kindKeys.filter { fields.has($0.key) }
        let listed = Self.commonStepKeys + Self.kindKeys.filter { $0.kind == kinds.first?.kind }.map(\.key)
            + (kinds.first.flatMap { Self.kindOptionKeys[$0.kind] } ?? [])
        reader.checkKeys(fields, allowed: Self.allStepKeys, listed: kinds.isEmpty ? Self.allStepKeys : listed)
        guard let kindName = kinds.first?.kind else {
            reader.log.error(location, "\(what) does nothing: give it one of sync, sql (a file) or query (inline SQL), check, command")
            return (nil, outline)
        }
        guard kinds.count == 1 else {
            reader.log.error(fields.keyLocation(kinds[1].key),
                             "\(what) has both '\(kinds[0].key)' and '\(kinds[1].key)': a step does one thing; split it into two steps")
            return (nil, outline)
        }
        for (kind, keys) in Self.kindOptionKeys.sorted(by: { $0.key.rawValue < $1.key.rawValue }) where kind != kindName {
            for key in keys where fields.has(key) {
                reader.log.error(fields.keyLocation(key), "key '\(key)' belongs to \(kind.rawValue) steps, but \(what) is a \(kindName.rawValue) step")
            }
        }
        let needs = outline.needs, needsLocations = outline.needsLocations
        var retries = context.defaults.retries
        if let node = fields.value("retries"), let value = decodeRetries(node, what: "\(what): retries", base: retries) { retries = value }
        let kind: StepKind?
        switch kindName {
        case .sync: kind = fields.value("sync").flatMap { decodeSync($0, step: name, context: context) }.map(StepKind.sync)
        case .sql: kind = decodeSQL(fields, step: name, context: context).map(StepKind.sql)
        case .check: kind = fields.value("check").flatMap { decodeCheck($0, step: name, context: context) }.map(StepKind.check)
        case .command: kind = decodeCommand(fields, step: name, context: context).map(StepKind.command)
        case .swift: kind = nil  // code only: not among kindKeys, so a file never gets here
        }
        guard let kind else { return (nil, outline) }
        return (Step(name: name, needs: needs, retries: retries, kind: kind, location: location, needsLocations: needsLocations), outline)
    }

    // MARK: Connections referenced by steps

    /// A connection by name (`dwh`), checked against `connections:`.
    func namedConnection(_ node: Node, what: String, context: StepContext) -> ConnectionReference? {
        guard case .scalar = node else {
            reader.log.error(reader.location(node), "\(what) must be a connection name, not \(reader.describe(node))")
            return nil
        }
        guard let name = reader.text(node, what: what) else { return nil }
        let known = context.connections.map(\.name)
        guard known.contains(name) else {
            let list = known.isEmpty ? "the file defines no connections" : "connections: \(known.joined(separator: ", "))"
            reader.log.error(reader.location(node), "\(what): unknown connection '\(name)'\(KeySuggestion.hint(for: name, in: known)); \(list)")
            return nil
        }
        return .named(name, reader.location(node))
    }

    /// A warehouse connection: `key` when present, else the pipeline's only warehouse.
    func warehouseConnection(_ fields: Fields, key: String, context: StepContext) -> ConnectionReference? {
        if let node = fields.value(key) { return namedConnection(node, what: "\(fields.what): \(key)", context: context) }
        switch context.defaultWarehouse {
        case .only(let name):
            // When that name is unknown, the step naming it reports it.
            return .named(name, fields.location)
        case .several(let names):
            reader.missing(fields, key, " (the pipeline writes to several warehouses: \(names.joined(separator: ", ")); name one)")
        default:
            reader.missing(fields, key, " (the warehouse connection to use)")
        }
        return nil
    }

    // MARK: sql

    private func decodeSQL(_ fields: Fields, step: String, context: StepContext) -> SQLStep? {
        let what = "step '\(step)'"
        let source: SQLStep.Source
        if let node = fields.value("sql") {
            guard let written = reader.text(node, what: "\(what): sql") else { return nil }
            let resolved = written.hasPrefix("/") ? written : folder + "/" + written
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: resolved, isDirectory: &isFolder), !isFolder.boolValue else {
                reader.log.error(reader.location(node), "\(what): SQL file '\(written)' does not exist (paths are relative to the pipeline file's folder; for SQL written in the step use query:)")
                return nil
            }
            source = .file(written: written, resolved: resolved)
        } else {
            guard let node = fields.value("query"), let text = reader.text(node, what: "\(what): query") else { return nil }
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                reader.log.error(reader.location(node), "\(what): query is empty")
                return nil
            }
            source = .inline(text)
        }
        var materialize = SQLStep.Materialization.table
        if let node = fields.value("materialize") {
            guard let value = reader.choice(node, what: "\(what): materialize", as: SQLStep.Materialization.self) else { return nil }
            materialize = value
        }
        var target = step
        if let node = fields.value("target") {
            guard let value = reader.text(node, what: "\(what): target") else { return nil }
            target = value
        }
        guard let into = warehouseConnection(fields, key: "into", context: context) else { return nil }
        return SQLStep(source: source, materialize: materialize, into: into, target: target)
    }

    // MARK: command

    private func decodeCommand(_ fields: Fields, step: String, context: StepContext) -> CommandStep? {
        let what = "step '\(step)'"
        guard let node = fields.value("command") else { return nil }
        var complete = true
        var arguments: [String] = []
        if case .scalar = node {
            reader.log.error(reader.location(node), "\(what): command must be a list of the program and its arguments, e.g. [\"python3\", \"report.py\"] (it runs without a shell)")
            complete = false
        } else if let list = reader.textList(node, what: "\(what): command") {
            arguments = list.map(\.0)
            if arguments.isEmpty {
                reader.log.error(reader.location(node), "\(what): command is empty: name the program to run")
                complete = false
            }
        } else {
            complete = false
        }
        var environment: [String: String] = [:]
        if let node = fields.value("env") {
            if let map = reader.textMap(node, what: "\(what): env") { environment = map } else { complete = false }
        }
        var workingDirectory = folder
        if let node = fields.value("cwd") {
            if let written = reader.text(node, what: "\(what): cwd") {
                workingDirectory = written.hasPrefix("/") ? written : folder + "/" + written
                var isFolder: ObjCBool = false
                if !FileManager.default.fileExists(atPath: workingDirectory, isDirectory: &isFolder) || !isFolder.boolValue {
                    reader.log.error(reader.location(node), "\(what): cwd '\(written)' is not a folder (paths are relative to the pipeline file's folder)")
                    complete = false
                }
            } else {
                complete = false
            }
        }
        var timeout = context.defaults.timeout
        if let node = fields.value("timeout") {
            if let value = reader.duration(node, what: "\(what): timeout") { timeout = value } else { complete = false }
        }
        guard complete else { return nil }
        return CommandStep(arguments: arguments, environment: environment, workingDirectory: workingDirectory, timeout: timeout)
    }
}

import Foundation
import Yams

/// Decodes the composed document into a ``PipelineFile``: the top level,
/// connections and defaults here; steps in the extensions
/// (`PipelineDecoder+Steps`, `+Sync`, `+Check`).
struct PipelineDecoder {
    let reader: NodeReader
    /// The pipeline file, as shown in messages.
    let path: String
    /// The file's folder: relative paths resolve against it.
    let folder: String

    static let topLevelKeys = ["name", "connections", "defaults", "steps", "schedules", "alerts"]

    /// The pipeline, or nil when the top level is unusable. Problems are in
    /// the reader's log either way.
    func decode(_ root: Node) -> (pipeline: PipelineFile?, outlines: [StepOutline]) {
        guard let top = reader.fields(root, what: "the pipeline file", at: SourceLocation(file: path, line: 1, column: 1)) else {
            return (nil, [])
        }
        reader.checkKeys(top, allowed: Self.topLevelKeys)
        let name = top.value("name").flatMap { reader.text($0, what: "name") } ?? defaultName
        if let node = top.value("name") { checkName(name, at: reader.location(node), what: "the pipeline name") }
        let connections = top.value("connections").map(decodeConnections) ?? []
        let defaults = top.value("defaults").map(decodeDefaults) ?? StepDefaults()
        guard let stepsNode = top.value("steps") else {
            reader.missing(top, "steps", " (a mapping of step names to steps)")
            return (nil, [])
        }
        let context = StepContext(connections: connections, defaults: defaults, defaultWarehouse: defaultWarehouse(stepsNode))
        let (steps, outlines) = decodeSteps(stepsNode, context: context)
        var pipeline = PipelineFile(name: name, path: path, folder: folder, connections: connections, defaults: defaults, steps: steps)
        pipeline.schedules = top.value("schedules").map { decodeSchedules($0, stepNames: outlines.map(\.name)) } ?? []
        pipeline.alerts = top.value("alerts").map(decodeAlerts) ?? []
        return (pipeline, outlines)
    }

    /// The pipeline's name when `name:` is absent: its folder's name.
    private var defaultName: String {
        let absolute = folder.hasPrefix("/") ? folder : FileManager.default.currentDirectoryPath + "/" + folder
        let last = URL(fileURLWithPath: absolute).standardizedFileURL.lastPathComponent
        return last.isEmpty || last == "/" ? "pipeline" : last
    }

    /// Names of steps, connections and the pipeline: a letter or `_`, then
    /// letters, digits, `_` or `-` (no `+`, which selections use).
    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic || first == "_" else { return false }
        return name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-")
        }
    }

    func checkName(_ name: String, at location: SourceLocation, what: String) {
        guard !Self.isValidName(name) else { return }
        reader.log.error(location, "\(what) '\(name)' is not a valid name: use letters, digits, _ and -, starting with a letter or _")
    }

    // MARK: Connections

    private func decodeConnections(_ node: Node) -> [Connection] {
        guard let fields = reader.fields(node, what: "connections") else { return [] }
        return fields.pairs.compactMap { pair in
            checkName(pair.key, at: pair.keyLocation, what: "connection name")
            return decodeConnection(pair.value, name: pair.key, what: "connection '\(pair.key)'", at: pair.keyLocation)
        }
    }

    /// `{plugin: NAME, KEY: VALUE...}`: everything but `plugin` is the plugin's config.
    func decodeConnection(_ node: Node, name: String, what: String, at location: SourceLocation) -> Connection? {
        guard let fields = reader.fields(node, what: what, at: location) else { return nil }
        guard let pluginNode = fields.value("plugin") else {
            reader.missing(fields, "plugin", " (the registry name of an extractor or warehouse, see `etl-host plugins list`)")
            return nil
        }
        guard let plugin = reader.text(pluginNode, what: "\(what): plugin") else { return nil }
        var config: [String: ConfigValue] = [:]
        var complete = true
        for pair in fields.pairs where pair.key != "plugin" {
            if let value = reader.configValue(pair.value, what: "\(what): \(pair.key)") { config[pair.key] = value } else { complete = false }
        }
        return complete ? Connection(name: name, plugin: plugin, config: config, location: location) : nil
    }

    // MARK: Defaults

    static let defaultsKeys = ["retries", "snapshot", "max_bad_rows", "allow_empty", "severity", "timeout"]

    private func decodeDefaults(_ node: Node) -> StepDefaults {
        var defaults = StepDefaults()
        guard let fields = reader.fields(node, what: "defaults") else { return defaults }
        reader.checkKeys(fields, allowed: Self.defaultsKeys)
        if let node = fields.value("retries"), let retries = decodeRetries(node, what: "defaults: retries", base: RetrySettings()) {
            defaults.retries = retries
        }
        if let node = fields.value("snapshot"), let value = reader.boolean(node, what: "defaults: snapshot") { defaults.snapshot = value }
        if let node = fields.value("max_bad_rows"), let value = reader.integer(node, what: "defaults: max_bad_rows", minimum: 0) {
            defaults.maxBadRows = value
        }
        if let node = fields.value("allow_empty"), let value = reader.boolean(node, what: "defaults: allow_empty") { defaults.allowEmpty = value }
        if let node = fields.value("severity"), let value = reader.choice(node, what: "defaults: severity", as: CheckSeverity.self) {
            defaults.severity = value
        }
        if let node = fields.value("timeout"), let value = reader.duration(node, what: "defaults: timeout") { defaults.timeout = value }
        return defaults
    }

    /// `{max_attempts: N, delay: 10s}` over `base`.
    func decodeRetries(_ node: Node, what: String, base: RetrySettings) -> RetrySettings? {
        guard let fields = reader.fields(node, what: what) else { return nil }
        reader.checkKeys(fields, allowed: ["max_attempts", "delay"])
        var retries = base
        if let node = fields.value("max_attempts"), let value = reader.integer(node, what: "\(what): max_attempts", minimum: 1) {
            retries.maxAttempts = value
        }
        if let node = fields.value("delay"), let value = reader.duration(node, what: "\(what): delay") { retries.delay = value }
        return retries
    }

    // MARK: The default warehouse

    /// The one connection named by any `sync.to`, `into` or
    /// `check.warehouse` in the file (nil when none or several): the
    /// default for a step that omits `into` or `warehouse`.
    private func defaultWarehouse(_ stepsNode: Node) -> WarehouseDefault {
        var names: [String] = []
        func add(_ node: Node?) {
            if case .scalar(let scalar)? = node, !names.contains(scalar.string) { names.append(scalar.string) }
        }
        guard case .mapping(let steps) = stepsNode else { return .none }
        for (_, step) in steps {
            guard case .mapping(let fields) = step else { continue }
            add(fields["into"])
            if case .mapping(let sync)? = fields["sync"] { add(sync["to"]) }
            if case .mapping(let check)? = fields["check"] { add(check["warehouse"]) }
        }
        switch names.count {
        case 0: return .none
        case 1: return .only(names[0])
        default: return .several(names)
        }
    }
}

/// The warehouse a step writes to when it does not say.
enum WarehouseDefault {
    /// No step names one.
    case none
    /// Every step that names one names this one.
    case only(String)
    /// Steps name several.
    case several([String])
}

/// What step decoding needs from the rest of the file.
struct StepContext {
    let connections: [Connection]
    let defaults: StepDefaults
    let defaultWarehouse: WarehouseDefault
}

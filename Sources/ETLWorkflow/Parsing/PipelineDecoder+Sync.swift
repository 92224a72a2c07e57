import ETLPluginKit
import ETLHost
import Yams

/// `sync:` steps.
extension PipelineDecoder {
    static let syncKeys = ["from", "to", "streams", "mode", "incremental", "deletions", "primary_key", "max_bad_rows", "allow_empty",
                           "snapshot", "keep_snapshots", "keep_for", "snapshot_dir", "parallel", "table", "tables", "columns", "contract",
                           "lineage", "history", "history_table"]

    func decodeSync(_ node: Node, step: String, context: StepContext) -> SyncStep? {
        let what = "step '\(step)': sync"
        guard let fields = reader.fields(node, what: what) else { return nil }
        reader.checkKeys(fields, allowed: Self.syncKeys)
        guard let fromNode = fields.value("from") else {
            reader.missing(fields, "from", " (a connection name, or {plugin: NAME, ...} for a source used only here)")
            return nil
        }
        let from: ConnectionReference?
        if case .mapping = fromNode {
            from = decodeConnection(fromNode, name: "\(step).from", what: "\(what): from", at: reader.location(fromNode)).map(ConnectionReference.inline)
        } else {
            from = namedConnection(fromNode, what: "\(what): from", context: context)
        }
        let to = warehouseConnection(fields, key: "to", context: context)
        // Decode the rest even when a connection is wrong, to report every problem.
        let placeholder = ConnectionReference.named("", fields.location)
        var sync = SyncStep(from: from ?? placeholder, to: to ?? placeholder)
        sync.snapshot = context.defaults.snapshot
        sync.maxBadRows = context.defaults.maxBadRows
        sync.allowEmpty = context.defaults.allowEmpty
        var complete = true
        func read<Value>(_ key: String, _ decode: (Node, String) -> Value?) -> Value? {
            guard let node = fields.value(key) else { return nil }
            let value = decode(node, "\(what): \(key)")
            if value == nil { complete = false }
            return value
        }
        if let list = read("streams", { reader.textList($0, what: $1, allowSingle: true) }) { sync.streams = list.map(\.0) }
        if let mode = read("mode", { reader.choice($0, what: $1, as: WriteModeName.self) }) { sync.mode = mode.writeMode }
        if let value = read("incremental", { reader.boolean($0, what: $1) }) { sync.incremental = value }
        if let value = read("deletions", { reader.choice($0, what: $1, as: DeletionModeName.self) }) { sync.deletions = value.deletionMode }
        if let list = read("primary_key", { reader.textList($0, what: $1, allowSingle: true) }) { sync.primaryKey = list.map(\.0) }
        if let value = read("max_bad_rows", { reader.integer($0, what: $1, minimum: 0) }) { sync.maxBadRows = value }
        if let value = read("allow_empty", { reader.boolean($0, what: $1) }) { sync.allowEmpty = value }
        if let value = read("snapshot", { reader.boolean($0, what: $1) }) { sync.snapshot = value }
        if let value = read("keep_snapshots", { reader.integer($0, what: $1, minimum: 1) }) { sync.keepSnapshots = value }
        if let value = read("keep_for", { reader.duration($0, what: $1) }) { sync.keepFor = value }
        if let value = read("snapshot_dir", { reader.text($0, what: $1) }) { sync.snapshotDirectory = value }
        if let value = read("history", { reader.choice($0, what: $1, as: HistoryMode.self) }) { sync.history.mode = value }
        if let value = read("history_table", { reader.text($0, what: $1) }) { sync.history.tableTemplate = value }
        if fields.has("history_table"), sync.history.mode == .none {
            reader.log.error(fields.keyLocation("history_table"), "\(what): history_table needs history: scd2")
            complete = false
        }
        if let value = read("parallel", { reader.integer($0, what: $1, minimum: 1) }) { sync.parallel = value }
        if let value = read("lineage", { reader.boolean($0, what: $1) }) { sync.lineage = value }
        if let value = read("table", { reader.text($0, what: $1) }) { sync.tables.single = value }
        if let naming = read("tables", { decodeTables($0, what: $1) }) {
            sync.tables.prefix = naming.prefix
            sync.tables.names = naming.names
        }
        if fields.has("table"), fields.has("tables") {
            reader.log.error(fields.keyLocation("tables"), "\(what): give either table (the one stream's table) or tables (a prefix, names per stream), not both")
            complete = false
        }
        if fields.has("table"), let streams = sync.streams, streams.count != 1 {
            reader.log.error(fields.keyLocation("table"), "\(what): table names the table of a single stream, but streams lists \(streams.count); use tables: {names: {STREAM: TABLE}}")
            complete = false
        }
        if let columns = read("columns", { decodeColumns($0, what: $1) }) { sync.columns = columns }
        if let contract = read("contract", { decodeContractSettings($0, what: $1) }) { sync.contract = contract }
        return complete && from != nil && to != nil ? sync : nil
    }

    /// `{prefix: crm_, names: {Orders: orders}}`.
    private func decodeTables(_ node: Node, what: String) -> TableNaming? {
        guard let fields = reader.fields(node, what: what) else { return nil }
        reader.checkKeys(fields, allowed: ["prefix", "names"])
        var naming = TableNaming()
        if let node = fields.value("prefix") {
            guard let prefix = reader.text(node, what: "\(what): prefix") else { return nil }
            naming.prefix = prefix
        }
        if let node = fields.value("names") {
            guard let names = reader.textMap(node, what: "\(what): names") else { return nil }
            naming.names = names
        }
        return naming
    }

    /// `{STREAM: {select: [...] | exclude: [...], rename: {a: b}}}`.
    private func decodeColumns(_ node: Node, what: String) -> [String: ColumnShaping]? {
        guard let streams = reader.fields(node, what: what) else { return nil }
        var result: [String: ColumnShaping] = [:]
        var complete = true
        for pair in streams.pairs {
            let streamWhat = "\(what): \(pair.key)"
            guard let fields = reader.fields(pair.value, what: streamWhat) else { complete = false; continue }
            reader.checkKeys(fields, allowed: ["select", "exclude", "rename"])
            var shaping = ColumnShaping()
            if fields.has("select"), fields.has("exclude") {
                reader.log.error(fields.keyLocation("exclude"), "\(streamWhat): give select (the columns to keep) or exclude (the columns to drop), not both")
                complete = false
            } else if let node = fields.value("select") {
                if let list = reader.textList(node, what: "\(streamWhat): select") { shaping.selection = .only(list.map(\.0)) } else { complete = false }
            } else if let node = fields.value("exclude") {
                if let list = reader.textList(node, what: "\(streamWhat): exclude") { shaping.selection = .allExcept(list.map(\.0)) } else { complete = false }
            }
            if let node = fields.value("rename") {
                if let map = reader.textMap(node, what: "\(streamWhat): rename") { shaping.renames = map } else { complete = false }
            }
            result[pair.key] = shaping
        }
        return complete ? result : nil
    }

    /// `{columns: evolve|freeze|discard, types: widen|freeze, streams: {S: {...}}}`.
    private func decodeContractSettings(_ node: Node, what: String) -> SchemaContractSettings? {
        guard let fields = reader.fields(node, what: what) else { return nil }
        reader.checkKeys(fields, allowed: ["columns", "types", "streams"])
        guard let all = decodeContract(fields, what: what, base: SchemaContract()) else { return nil }
        var settings = SchemaContractSettings(all: all)
        if let node = fields.value("streams") {
            guard let streams = reader.fields(node, what: "\(what): streams") else { return nil }
            for pair in streams.pairs {
                let streamWhat = "\(what): streams: \(pair.key)"
                guard let streamFields = reader.fields(pair.value, what: streamWhat) else { return nil }
                reader.checkKeys(streamFields, allowed: ["columns", "types"])
                guard let contract = decodeContract(streamFields, what: streamWhat, base: all) else { return nil }
                settings.streams[pair.key] = contract
            }
        }
        return settings
    }

    private func decodeContract(_ fields: Fields, what: String, base: SchemaContract) -> SchemaContract? {
        var contract = base
        if let node = fields.value("columns") {
            guard let value = reader.choice(node, what: "\(what): columns", as: SchemaContract.NewColumns.self) else { return nil }
            contract.columns = value
        }
        if let node = fields.value("types") {
            guard let value = reader.choice(node, what: "\(what): types", as: SchemaContract.TypeChanges.self) else { return nil }
            contract.types = value
        }
        return contract
    }
}

/// `mode:` as written: replace, append, upsert.
enum WriteModeName: String, CaseIterable {
    case replace, append, upsert

    var writeMode: WriteMode {
        switch self {
        case .replace: .replace
        case .append: .append
        case .upsert: .upsert
        }
    }
}

/// `deletions:` as written: keep, remove, flag.
enum DeletionModeName: String, CaseIterable {
    case keep, remove, flag

    var deletionMode: DeletionMode {
        switch self {
        case .keep: .keep
        case .remove: .remove
        case .flag: .flag
        }
    }
}

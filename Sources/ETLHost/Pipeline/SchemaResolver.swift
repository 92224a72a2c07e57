import ETLPluginKit

/// The table schema of one load, decided from what pass 1 saw and the
/// schema the last run stored: stored names are kept, types only widen
/// (append, upsert), new fields get new names; `--deletions flag` adds the
/// host's own column. Pure: no plugin, no file.
///
/// ```swift
/// let resolver = SchemaResolver(mode: .append, deletions: .keep, primaryKey: nil)
/// let resolution = resolver.resolve(stream: "orders", table: "orders", hints: [:],
///                                   fields: observed, stored: lastRunsSchema)
/// resolution.widened   // ["amount: integer -> number"]
/// ```
struct SchemaResolver {
    /// The table schema and what changed against the stored one.
    struct Resolution: Equatable {
        /// The schema to load with.
        var schema: TableSchema
        /// Columns this load adds to an existing table (empty for a new table).
        var newColumns: [String]
        /// Columns whose type widens, as `name: old -> new`.
        var widened: [String]
    }

    /// How the table is loaded.
    var mode: WriteMode
    /// What happens to rows the source no longer has.
    var deletions: DeletionMode
    /// The upsert keys asked for (`--primary-key`); nil uses the stream's own.
    var primaryKey: [String]?

    /// Merges what pass 1 saw (`fields`, in first-seen order) with the
    /// stored schema. The source's type hints win over inference for new
    /// fields and take part in widening stored ones.
    /// `renames` (source field -> column name) name the columns this load
    /// creates (see ``checkRenames(_:stored:stream:)``).
    func resolve(stream: String, table: String, hints: [String: ColumnType], fields: [ObservedField],
                 stored: TableSchema?, renames: [String: String] = [:]) -> Resolution {
        let inference = Dictionary(fields.map { ($0.source, $0.inference) }, uniquingKeysWith: { first, _ in first })
        var names = NameNormalizer()
        for column in stored?.columns ?? [] { names.reserve(source: column.source, identifier: column.name) }
        for field in fields { if let rename = renames[field.source] { names.reserve(source: field.source, identifier: rename) } }
        let storedBySource = Dictionary((stored?.columns ?? []).map { ($0.source, $0) }, uniquingKeysWith: { first, _ in first })
        var columns: [TableSchema.Column] = []
        var newColumns: [String] = []
        var widened: [String] = []
        var placed = Set<String>()
        if mode != .replace {
            for column in stored?.columns ?? [] {
                var type = column.type
                if let seen = inference[column.source] { type = seen.joined(withStored: type, declared: hints[column.source]) }
                if type != column.type { widened.append("\(column.name): \(column.type.rawValue) -> \(type.rawValue)") }
                columns.append(TableSchema.Column(name: column.name, source: column.source, type: type))
                placed.insert(column.source)
            }
        }
        for field in fields where !placed.contains(field.source) {
            let source = field.source
            let name = names.assign(source, normalizing: field.columnBase)
            var type = hints[source] ?? field.inference.type
            if type == .null { type = .text }
            if let previous = storedBySource[source], previous.type != type, mode != .replace {
                widened.append("\(name): \(previous.type.rawValue) -> \(type.rawValue)")
            }
            if storedBySource[source] == nil || stored == nil { newColumns.append(name) }
            columns.append(TableSchema.Column(name: name, source: source, type: type))
        }
        if deletions == .flag, !columns.contains(where: { $0.name == DeletionMode.flagColumn }) {
            // The host's own column: no source field feeds it, so every
            // batch sends NULL and the warehouse sets it at commit.
            columns.append(TableSchema.Column(name: DeletionMode.flagColumn, source: TableSchema.deletedAtSource, type: .timestamp))
            if stored != nil { newColumns.append(DeletionMode.flagColumn) }
        }
        return Resolution(schema: TableSchema(table: table, stream: stream, columns: columns), newColumns: stored == nil ? [] : newColumns, widened: widened)
    }

    /// Refuses renames the table cannot take: two fields to one name, a
    /// name another stored column has, or a new name for a column the
    /// table already has.
    ///
    /// - Throws: `.invalidArgument` naming the stream, field and names.
    func checkRenames(_ renames: [String: String], stored: TableSchema?, stream: String) throws {
        var targets: [String: String] = [:]
        for (source, name) in renames.sorted(by: { $0.key < $1.key }) {
            guard !name.isEmpty else { throw HostError(.invalidArgument, "stream '\(stream)': columns.rename gives field '\(source)' an empty name") }
            if let other = targets[name] {
                throw HostError(.invalidArgument, "stream '\(stream)': columns.rename names both '\(other)' and '\(source)' '\(name)'")
            }
            targets[name] = source
            guard let stored else { continue }
            if let existing = stored.columns.first(where: { $0.source == source }), existing.name != name {
                throw HostError(.invalidArgument, "stream '\(stream)': columns.rename names field '\(source)' '\(name)', but table '\(stored.table)' already has it as column '\(existing.name)'")
            }
            if let taken = stored.columns.first(where: { $0.name == name && $0.source != source }) {
                throw HostError(.invalidArgument, "stream '\(stream)': columns.rename names field '\(source)' '\(name)', which table '\(stored.table)' has for field '\(taken.source)'")
            }
        }
    }

    /// Holds `resolution` to `contract` against the stored table (a first
    /// load, `stored` nil, creates what it sees): new columns are kept
    /// (evolve), refused (freeze) or dropped (discard, returned by name);
    /// a type the table's column cannot hold is widened or refused
    /// (freeze; a narrower one keeps the column's type).
    ///
    /// - Throws: `.badData` naming stream, table, column (and types) when a
    ///   frozen contract is broken; nothing has been written then.
    func enforce(_ contract: StreamShaping.Contract, on resolution: inout Resolution, stored: TableSchema?,
                 stream: String) throws -> [String] {
        guard let stored else { return [] }
        let table = resolution.schema.table
        let storedBySource = Dictionary(stored.columns.map { ($0.source, $0) }, uniquingKeysWith: { first, _ in first })
        var discarded: [String] = []
        var kept: [TableSchema.Column] = []
        for var column in resolution.schema.columns {
            guard let previous = storedBySource[column.source] else {
                if column.source == TableSchema.deletedAtSource {
                    kept.append(column)
                    continue
                }
                switch contract.newColumns {
                case .evolve: kept.append(column)
                case .freeze:
                    throw HostError(.badData, "stream '\(stream)', table '\(table)': new column '\(column.name)' (source field '\(column.source)') is refused by the schema contract (new columns: freeze); the table is unchanged")
                case .discard: discarded.append(column.name)
                }
                continue
            }
            if contract.typeChanges == .freeze, column.type != previous.type {
                guard previous.type.joined(with: column.type) == previous.type else {
                    throw HostError(.badData, "stream '\(stream)', table '\(table)': column '\(column.name)' needs type \(column.type.rawValue), but the table has \(previous.type.rawValue) and the schema contract freezes types; the table is unchanged")
                }
                column.type = previous.type
            }
            kept.append(column)
        }
        resolution.schema.columns = kept
        resolution.newColumns.removeAll { discarded.contains($0) }
        if contract.typeChanges == .freeze { resolution.widened = [] }
        return discarded
    }

    /// The upsert key columns of `schema` (empty unless upsert): the keys
    /// asked for, else the stream's own, each matched by column name, then
    /// by source field name.
    ///
    /// - Throws: `.invalidArgument` when there is no key, or a key names no column.
    func upsertKeys(stream: String, streamKey: [String], schema: TableSchema) throws -> [String] {
        guard mode == .upsert else { return [] }
        let wanted = primaryKey ?? streamKey
        guard !wanted.isEmpty else {
            throw HostError(.invalidArgument, "stream '\(stream)': --mode upsert needs a primary key; pass --primary-key COLUMN[,COLUMN] (the source defines none)")
        }
        return try wanted.map { key in
            if let column = schema.columns.first(where: { $0.name == key }) ?? schema.columns.first(where: { $0.source == key }) {
                return column.name
            }
            throw HostError(.invalidArgument, "stream '\(stream)': primary key column '\(key)' does not exist; columns: \(schema.columns.map(\.name).joined(separator: ", "))")
        }
    }
}

extension BatchFlattener {
    /// The fields pass 1 saw, in first-seen order, for ``SchemaResolver``.
    var observedFields: [ObservedField] {
        fieldOrder.map { ObservedField(source: $0, columnBase: columnBase(of: $0), inference: inference[$0] ?? ColumnInference()) }
    }
}

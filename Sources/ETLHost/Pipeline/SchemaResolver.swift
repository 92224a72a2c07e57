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
    func resolve(stream: String, table: String, hints: [String: ColumnType], fields: [ObservedField],
                 stored: TableSchema?) -> Resolution {
        let inference = Dictionary(fields.map { ($0.source, $0.inference) }, uniquingKeysWith: { first, _ in first })
        var names = NameNormalizer()
        for column in stored?.columns ?? [] { names.reserve(source: column.source, identifier: column.name) }
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

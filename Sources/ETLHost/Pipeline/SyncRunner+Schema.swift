import CETLPlugin
import ETLPluginKit
import Foundation

/// The table schema of a load: what pass 1 saw merged with the stored
/// schema, and the upsert keys.
extension SyncRunner {
    struct Resolution {
        var schema: TableSchema
        var newColumns: [String]
        var widened: [String]
    }

    /// Merges what pass 1 saw with the stored schema: stored names are kept,
    /// types only widen (append, upsert), new fields get new names.
    func resolveSchema(stream: SourceCatalog.Stream, table: String, flattener: BatchFlattener, stored: TableSchema?) -> Resolution {
        var names = NameNormalizer()
        for column in stored?.columns ?? [] { names.reserve(source: column.source, identifier: column.name) }
        let storedBySource = Dictionary((stored?.columns ?? []).map { ($0.source, $0) }, uniquingKeysWith: { first, _ in first })
        var columns: [TableSchema.Column] = []
        var newColumns: [String] = []
        var widened: [String] = []
        var placed = Set<String>()
        if request.mode != .replace {
            for column in stored?.columns ?? [] {
                var type = column.type
                if let seen = flattener.inference[column.source] { type = seen.joined(withStored: type, declared: stream.hints[column.source]) }
                if type != column.type { widened.append("\(column.name): \(column.type.rawValue) -> \(type.rawValue)") }
                columns.append(TableSchema.Column(name: column.name, source: column.source, type: type))
                placed.insert(column.source)
            }
        }
        for source in flattener.fieldOrder where !placed.contains(source) {
            let name = names.assign(source, normalizing: flattener.columnBase(of: source))
            var type = stream.hints[source] ?? flattener.inference[source]?.type ?? .null
            if type == .null { type = .text }
            if let previous = storedBySource[source], previous.type != type, request.mode != .replace {
                widened.append("\(name): \(previous.type.rawValue) -> \(type.rawValue)")
            }
            if storedBySource[source] == nil || stored == nil { newColumns.append(name) }
            columns.append(TableSchema.Column(name: name, source: source, type: type))
        }
        if request.deletions == .flag, !columns.contains(where: { $0.name == DeletionMode.flagColumn }) {
            // The host's own column: no source field feeds it, so every
            // batch sends NULL and the warehouse sets it at commit.
            columns.append(TableSchema.Column(name: DeletionMode.flagColumn, source: TableSchema.deletedAtSource, type: .timestamp))
            if stored != nil { newColumns.append(DeletionMode.flagColumn) }
        }
        return Resolution(schema: TableSchema(table: table, stream: stream.name, columns: columns), newColumns: stored == nil ? [] : newColumns, widened: widened)
    }

    func upsertKeys(stream: SourceCatalog.Stream, schema: TableSchema) throws -> [String] {
        guard request.mode == .upsert else { return [] }
        let wanted = request.primaryKey ?? stream.primaryKey
        guard !wanted.isEmpty else {
            throw HostError(.invalidArgument, "stream '\(stream.name)': --mode upsert needs a primary key; pass --primary-key COLUMN[,COLUMN] (the source defines none)")
        }
        return try wanted.map { key in
            if let column = schema.columns.first(where: { $0.name == key }) ?? schema.columns.first(where: { $0.source == key }) {
                return column.name
            }
            throw HostError(.invalidArgument, "stream '\(stream.name)': primary key column '\(key)' does not exist; columns: \(schema.columns.map(\.name).joined(separator: ", "))")
        }
    }
}

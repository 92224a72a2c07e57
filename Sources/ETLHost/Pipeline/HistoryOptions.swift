import ETLPluginKit

/// Whether a sync keeps the history of its tables (`--history`, a
/// pipeline step's `history:`).
public enum HistoryMode: String, Sendable, Codable, CaseIterable {
    /// No history table (the default).
    case none
    /// SCD2: the warehouse keeps one row per version of each record in a
    /// history table, in the load's transaction (`etl_plugin.h`, HISTORY).
    case scd2
}

/// A sync's history settings: the mode and the name of each table's
/// history table.
///
/// ```swift
/// var history = HistoryOptions(mode: .scd2)
/// history.tableName(for: "orders")                   // "orders__history"
/// HistoryOptions(mode: .scd2, tableTemplate: "hist_{table}").tableName(for: "orders")  // "hist_orders"
/// ```
public struct HistoryOptions: Sendable, Equatable {
    /// The placeholder a template replaces with the table's name.
    public static let placeholder = "{table}"
    /// The template used when none is given.
    public static let defaultTemplate = "{table}__history"

    /// SCD2 or none.
    public var mode: HistoryMode
    /// The history table's name: `{table}` stands for the table's name; a
    /// name without it is used as is (one stream only).
    public var tableTemplate: String

    /// Options; `tableTemplate` defaults to `{table}__history`.
    public init(mode: HistoryMode = .none, tableTemplate: String? = nil) {
        self.mode = mode
        self.tableTemplate = tableTemplate ?? Self.defaultTemplate
    }

    /// Whether history is kept.
    public var isEnabled: Bool { mode != .none }

    /// The history table of `table`.
    public func tableName(for table: String) -> String {
        tableTemplate.replacingOccurrences(of: Self.placeholder, with: table)
    }

    /// Throws what the warehouse or the mode cannot honour, before anything
    /// is read: append (history needs keys that replace or upsert keep one
    /// row for), a warehouse without the `history` capability, an empty
    /// template.
    ///
    /// - Throws: `.invalidArgument` (exit 64) naming the option and the way out.
    public func check(mode writeMode: WriteMode, warehouse: PluginDescriptor) throws {
        guard isEnabled else { return }
        if writeMode == .append {
            throw HostError(.invalidArgument, "--history needs --mode replace or upsert: append adds rows without a key to version them by")
        }
        guard warehouse.has(.history) else {
            throw HostError(.invalidArgument, "warehouse '\(warehouse.name)' cannot keep history (no history capability); drop --history")
        }
        if tableTemplate.trimmingCharacters(in: .whitespaces).isEmpty {
            throw HostError(.invalidArgument, "--history-table is empty; give a name, or a template with {table} such as {table}__history")
        }
    }

    /// The history table of each stream's table (nil for all when history
    /// is off), checked: every stream has a key (`primaryKey`, else the
    /// stream's own), a template without `{table}` is given one stream
    /// only, and no history table is one of the loaded tables.
    ///
    /// - Throws: `.invalidArgument` naming the streams.
    public func historyTables(streams: [CatalogStream], tables: [String], primaryKey: [String]?) throws -> [String?] {
        guard isEnabled else { return tables.map { _ in nil } }
        let keyless = streams.filter { (primaryKey ?? $0.primaryKey ?? []).isEmpty }.map(\.name)
        if !keyless.isEmpty {
            throw HostError(.invalidArgument, "--history needs a key to version records by, and stream\(keyless.count == 1 ? "" : "s") \(keyless.map { "'\($0)'" }.joined(separator: ", ")) \(keyless.count == 1 ? "has" : "have") none; give --primary-key COLUMN[,COLUMN]")
        }
        if !tableTemplate.contains(Self.placeholder), streams.count > 1 {
            throw HostError(.invalidArgument, "--history-table '\(tableTemplate)' is one name, but streams \(streams.map { "'\($0.name)'" }.joined(separator: ", ")) each need a history table; use a template with {table}, such as {table}__history")
        }
        let names = tables.map(tableName)
        for (index, name) in names.enumerated() where tables.contains(name) {
            throw HostError(.invalidArgument, "the history table of stream '\(streams[index].name)' would be '\(name)', which is also a loaded table; choose another --history-table")
        }
        return names
    }
}

extension Array where Element == String {
    /// These upsert keys, or for a load with a history table and no keys
    /// yet (replace), the stream's keys resolved as an upsert's would be:
    /// history versions records by key in every mode.
    func orHistoryKeys(_ history: String?, request: SyncRequest, stream: CatalogStream, schema: TableSchema) throws -> [String] {
        guard history != nil, isEmpty else { return self }
        return try SchemaResolver(mode: .upsert, deletions: .keep, primaryKey: request.primaryKey)
            .upsertKeys(stream: stream.name, streamKey: stream.primaryKey ?? [], schema: schema)
    }
}

extension HistoryOptions {
    /// The history settings `record`'s streams were loaded with (their
    /// `history_table`), for a replay of that run: none when no stream kept
    /// history; else the template that gives each stream's recorded name
    /// (`{table}__history`, another template, or the one stream's name).
    public static func recorded(in record: RunRecord) -> HistoryOptions {
        let kept = record.streams.compactMap { stream in stream.historyTable.map { (table: stream.table, history: $0) } }
        guard let first = kept.first else { return HistoryOptions() }
        let candidates = [defaultTemplate, first.history.replacingOccurrences(of: first.table, with: placeholder), first.history]
        let template = candidates.first { template in
            kept.allSatisfy { HistoryOptions(mode: .scd2, tableTemplate: template).tableName(for: $0.table) == $0.history }
        } ?? defaultTemplate
        return HistoryOptions(mode: .scd2, tableTemplate: template)
    }
}

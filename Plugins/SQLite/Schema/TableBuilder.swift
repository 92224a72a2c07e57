import ETLPluginKit

/// A column of a table to create.
struct ColumnDefinition: Hashable {
    /// The name, unquoted.
    var name: String
    /// The declared type as it should be written (empty for none).
    var declared: String
    var notNull = false
    var defaultSQL: String?

    /// The column's SQL, e.g. `"price" REAL`.
    var sql: String {
        var text = SQLName.quoted(name)
        if !declared.isEmpty { text += " " + declared }
        if notNull { text += " NOT NULL" }
        if let defaultSQL { text += " DEFAULT (\(defaultSQL))" }
        return text
    }
}

/// The DDL of a load, all of it run inside the load's transaction: create,
/// add columns, widen (rebuild), swap a staging table in, and the unique
/// index that upserts need.
///
/// Related SQLite documentation: https://www.sqlite.org/lang_altertable.html
/// ("Making Other Kinds Of Table Schema Changes").
struct TableBuilder {
    let db: SQLiteConnection
    let host: HostContext

    /// `CREATE TABLE name (columns, constraints)`.
    func create(_ name: String, columns: [ColumnDefinition], constraints: [String] = [],
                for table: String) throws(PluginError) {
        let body = (columns.map(\.sql) + constraints).joined(separator: ", ")
        try db.execute("CREATE TABLE \(SQLName.quoted(name)) (\(body))", "table \"\(table)\": CREATE TABLE")
    }

    /// `ALTER TABLE table ADD COLUMN column type`: the column is nullable,
    /// and existing rows get NULL.
    func addColumn(_ column: ColumnDefinition, to table: String) throws(PluginError) {
        host.log(.info, "table \"\(table)\": adding column \"\(column.name)\" "
            + "\(column.declared.isEmpty ? "(no type)" : column.declared)")
        try db.execute("ALTER TABLE \(SQLName.quoted(table)) ADD COLUMN \(column.sql)",
                       "table \"\(table)\": adding column \"\(column.name)\"")
    }

    /// Drops staging tables of `table` that a previous load left behind.
    func dropStaleStaging(of table: String) throws(PluginError) {
        for stale in try TableCatalog.staleStagingTables(of: table, in: db) {
            host.log(.warn, "table \"\(table)\": dropping the stale staging table \"\(stale)\"")
            try db.execute("DROP TABLE \(SQLName.quoted(stale))",
                           "table \"\(table)\": dropping the stale staging table \"\(stale)\"")
        }
    }

    /// Makes `staging` the table `live`: drops `old` (the current `live`,
    /// if any), renames `staging`, then recreates `old`'s indexes (those
    /// whose columns still exist, except `skippedIndex`)
    /// and triggers, and checks that the views which worked still do
    /// (``WorkingViews``). Inside the load's transaction, so readers see the
    /// old table or the new one and never neither.
    func swap(_ staging: String, into live: String, replacing old: TableInfo?,
              skippingIndex skippedIndex: String? = nil) throws(PluginError) {
        let what = "table \"\(live)\""
        let views = old == nil ? WorkingViews() : try WorkingViews.read(in: db, what)
        if let old {
            try db.execute("DROP TABLE \(SQLName.quoted(old.name))", "\(what): dropping the old table")
        }
        // Legacy mode: rename only the table itself. Views that name the
        // live table would otherwise fail the schema check while the name
        // is momentarily free.
        let legacy = try db.rows("PRAGMA legacy_alter_table", [], "\(what): reading legacy_alter_table")
            .first?.first?.integer ?? 0
        try db.execute("PRAGMA legacy_alter_table = ON", "\(what): setting legacy_alter_table")
        do {
            try db.execute("ALTER TABLE \(SQLName.quoted(staging)) RENAME TO \(SQLName.quoted(live))",
                           "\(what): renaming the staging table into place")
        } catch {
            try? db.execute("PRAGMA legacy_alter_table = \(legacy)", "")
            throw error
        }
        try db.execute("PRAGMA legacy_alter_table = \(legacy)", "\(what): restoring legacy_alter_table")
        try views.check(in: db, what)
        guard let old else { return }
        let fresh = try TableCatalog.read(live, in: db)
        for index in old.indexes {
            if let skippedIndex, SQLName.key(index.name) == SQLName.key(skippedIndex) { continue }
            let missing = index.columns.compactMap { $0 }.filter { fresh?.column($0) == nil }
            guard missing.isEmpty else {
                host.log(.warn, "\(what): not recreating index \"\(index.name)\": the new table has no "
                    + "column \(missing.map { "\"\($0)\"" }.joined(separator: ", "))")
                continue
            }
            try db.execute(index.sql, "\(what): recreating index \"\(index.name)\"")
        }
        for trigger in old.triggerSQL {
            do {
                try db.execute(trigger, "\(what): recreating a trigger")
            } catch {
                host.log(.warn, "\(error.message); the trigger is dropped")
            }
        }
    }

    /// Rebuilds `old` with the column types in `types` (by
    /// ``SQLName/key(_:)``) and the columns `added` appended, converting
    /// values so that none is lost, then swaps it in under the old name.
    ///
    /// Kept: the column order, NOT NULL, DEFAULT, the primary key, UNIQUE
    /// constraints, indexes and triggers. Not kept from tables created by
    /// other tools: CHECK and FOREIGN KEY constraints, COLLATE clauses and
    /// AUTOINCREMENT.
    ///
    /// - Throws: ``PluginError/Code/data`` when an INTEGER column holds a
    ///   value that REAL cannot represent exactly and was to become REAL.
    func rebuild(_ old: TableInfo, types: [String: StoredType], added: [ColumnDefinition],
                 staging: String, table: String) throws(PluginError) {
        var columns: [ColumnDefinition] = []
        var selections: [String] = []
        for column in old.columns {
            let quoted = SQLName.quoted(column.name)
            var definition = ColumnDefinition(name: column.name, declared: column.declared,
                                              notNull: column.notNull, defaultSQL: column.defaultSQL)
            if let wanted = types[SQLName.key(column.name)], wanted != column.type {
                host.log(.info, "table \"\(table)\": widening column \"\(column.name)\" from "
                    + "\(column.type) to \(wanted) (the table is rebuilt)")
                if column.type == .integer && wanted == .real {
                    try checkExactAsReal(column.name, in: old.name, table: table)
                }
                definition.declared = wanted.declaration
                selections.append(Self.conversion(of: quoted, from: column.type, to: wanted))
            } else {
                selections.append(quoted)
            }
            columns.append(definition)
        }
        var constraints: [String] = []
        let primaryKey = old.columns.filter { $0.primaryKeyOrder > 0 }.sorted { $0.primaryKeyOrder < $1.primaryKeyOrder }
        if !primaryKey.isEmpty {
            constraints.append("PRIMARY KEY (\(primaryKey.map { SQLName.quoted($0.name) }.joined(separator: ", ")))")
        }
        for unique in old.uniqueConstraints {
            constraints.append("UNIQUE (\(unique.map(SQLName.quoted).joined(separator: ", ")))")
        }
        try create(staging, columns: columns + added, constraints: constraints, for: table)
        let names = old.columns.map { SQLName.quoted($0.name) }.joined(separator: ", ")
        try db.execute("INSERT INTO \(SQLName.quoted(staging)) (\(names)) SELECT "
            + "\(selections.joined(separator: ", ")) FROM \(SQLName.quoted(old.name))",
            "table \"\(table)\": copying the rows into the widened table")
        try swap(staging, into: old.name, replacing: old)
    }

    /// The SQL expression that converts `column` from `from` to the wider
    /// `to` without losing its value.
    static func conversion(of column: String, from: StoredType, to: StoredType) -> String {
        switch (from, to) {
        case (.boolean, .text):
            "CASE WHEN typeof(\(column)) = 'integer' AND \(column) IN (0, 1) "
                + "THEN CASE \(column) WHEN 1 THEN 'true' ELSE 'false' END ELSE \(column) END"
        case (.real, .text), (.real, .decimal):
            "\(RealText.functionName)(\(column))"
        case (_, .json):
            "\(JSONText.functionName)(\(column), '\(from.declaration)')"
        case (.date, .timestamp):
            "CASE WHEN typeof(\(column)) = 'text' AND length(\(column)) = 10 "
                + "THEN \(column) || 'T00:00:00.000000Z' ELSE \(column) END"
        default:
            // INTEGER into TEXT or REAL, BOOLEAN into INTEGER: the new
            // column's affinity converts exactly.
            column
        }
    }

    /// Fails when `column` holds an integer that a double cannot represent
    /// exactly (beyond 2^53 in magnitude, odd ones).
    private func checkExactAsReal(_ column: String, in source: String, table: String) throws(PluginError) {
        let quoted = SQLName.quoted(column)
        let inexact = try db.rows("SELECT 1 FROM \(SQLName.quoted(source)) WHERE typeof(\(quoted)) = 'integer' "
            + "AND (\(quoted) > 9223372036854774784 OR CAST(CAST(\(quoted) AS REAL) AS INTEGER) <> \(quoted)) LIMIT 1",
            [], "table \"\(table)\": checking column \"\(column)\" before widening it to REAL")
        guard inexact.isEmpty else {
            throw PluginError.data("table \"\(table)\": column \"\(column)\" cannot widen from INTEGER "
                + "to REAL: it holds integers that REAL cannot represent exactly (beyond 2^53); load the "
                + "column as text instead")
        }
    }

    /// Makes sure a unique index covers exactly `keys` (upsert's conflict
    /// target): an existing primary key or unique index, else
    /// `_etl_key_<table>`, created (and replaced if it covered other
    /// columns).
    func ensureKeyIndex(on table: String, keys: [String]) throws(PluginError) {
        guard let info = try TableCatalog.read(table, in: db) else { return }
        let wanted = Set(keys.map(SQLName.key))
        if info.uniqueKeys.contains(wanted) { return }
        let name = SQLName.keyIndex(for: table)
        if info.indexes.contains(where: { SQLName.key($0.name) == SQLName.key(name) }) {
            try db.execute("DROP INDEX \(SQLName.quoted(name))", "table \"\(table)\": dropping the old key index")
        }
        let list = keys.map(SQLName.quoted).joined(separator: ", ")
        do {
            try db.execute("CREATE UNIQUE INDEX \(SQLName.quoted(name)) ON \(SQLName.quoted(info.name)) (\(list))",
                           "table \"\(table)\": creating the unique index on the upsert key (\(list))")
        } catch where error.code == .data {
            throw PluginError.data("\(error.message); the table already holds several rows with the same key "
                + "(loaded with append, or before the key was chosen): remove the duplicates or reload it "
                + "with replace")
        }
    }
}

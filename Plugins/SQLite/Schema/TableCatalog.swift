import ETLPluginKit

/// One column of an existing table, from `PRAGMA table_info`.
struct ColumnInfo: Hashable {
    /// The name as the table spells it.
    var name: String
    /// The declared type as written (empty when none).
    var declared: String
    /// Whether it is declared `NOT NULL`.
    var notNull: Bool
    /// The text of its `DEFAULT` expression, if any.
    var defaultSQL: String?
    /// Its 1-based position in the primary key, 0 when not part of it.
    var primaryKeyOrder: Int

    /// The stored type its declaration maps to.
    var type: StoredType { StoredType(declared: declared) }
}

/// What the plugin needs to know about an existing table: its columns, its
/// unique constraints, and the SQL of the indexes and triggers to recreate
/// after the table is swapped or rebuilt.
struct TableInfo {
    /// The name as stored in the schema (its case may differ from the
    /// requested one: SQLite names are case-insensitive).
    var name: String
    /// The columns in table order.
    var columns: [ColumnInfo]
    /// The column sets (by ``SQLName/key(_:)``) of every unique constraint:
    /// the primary key, `UNIQUE` constraints and unique indexes.
    var uniqueKeys: [Set<String>]
    /// Column sets of `UNIQUE` column or table constraints (their indexes
    /// have no SQL of their own), in the table's spelling.
    var uniqueConstraints: [[String]]
    /// The indexes with SQL of their own, to recreate after a swap.
    var indexes: [IndexInfo]
    /// The `CREATE TRIGGER` statements on the table.
    var triggerSQL: [String]

    /// The column named `name` (compared as SQLite does), if any.
    func column(_ name: String) -> ColumnInfo? {
        let key = SQLName.key(name)
        return columns.first { SQLName.key($0.name) == key }
    }

    /// The Arrow schema of the table, by declared types.
    var arrowSchema: ArrowBatchSchema {
        ArrowBatchSchema(columns.map { $0.type.arrowField(named: $0.name) })
    }
}

/// An index of a table, with the SQL that created it.
struct IndexInfo: Hashable {
    var name: String
    var sql: String
    /// The names of its columns; `nil` for an expression in the list.
    var columns: [String?]
}

/// Reads table structure from `sqlite_master` and the `pragma_*` table
/// functions (bound parameters, so no name needs quoting).
enum TableCatalog {
    /// The table `name` (matched case-insensitively, as SQLite does), or
    /// `nil` when there is none.
    ///
    /// - Throws: ``PluginError/Code/invalidArgument`` when `name` is a view.
    static func read(_ name: String, in db: SQLiteConnection) throws(PluginError) -> TableInfo? {
        let what = "table \"\(name)\": reading its structure"
        let objects = try db.rows("SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') "
            + "AND name = ?1 COLLATE NOCASE", [.text(name)], what)
        guard let object = objects.first, let stored = object[0].text else { return nil }
        guard object[1].text == "table" else {
            throw PluginError.invalidArgument("\"\(name)\" is a view, not a table; choose another "
                + "table name or drop the view")
        }
        let columns = try db.rows("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1)",
                                  [.text(stored)], what).map { row in
            ColumnInfo(name: row[0].text ?? "", declared: row[1].text ?? "", notNull: row[2].integer == 1,
                       defaultSQL: row[3].text, primaryKeyOrder: Int(row[4].integer ?? 0))
        }
        var info = TableInfo(name: stored, columns: columns, uniqueKeys: [], uniqueConstraints: [], indexes: [],
                             triggerSQL: [])
        let primaryKey = columns.filter { $0.primaryKeyOrder > 0 }
        if !primaryKey.isEmpty { info.uniqueKeys.append(Set(primaryKey.map { SQLName.key($0.name) })) }

        let indexList = try db.rows("SELECT il.name, il.\"unique\", il.origin, il.partial, m.sql "
            + "FROM pragma_index_list(?1) AS il LEFT JOIN sqlite_master AS m ON m.type = 'index' AND m.name = il.name",
            [.text(stored)], what)
        for row in indexList {
            guard let indexName = row[0].text else { continue }
            let indexColumns = try db.rows("SELECT name FROM pragma_index_info(?1) ORDER BY seqno",
                                           [.text(indexName)], what).map { $0[0].text }
            let unique = row[1].integer == 1 && row[3].integer != 1
            if unique, indexColumns.allSatisfy({ $0 != nil }) {
                info.uniqueKeys.append(Set(indexColumns.compactMap { $0 }.map(SQLName.key)))
            }
            if row[2].text == "u", indexColumns.allSatisfy({ $0 != nil }) {
                info.uniqueConstraints.append(indexColumns.compactMap { $0 })
            }
            if let sql = row[4].text {
                info.indexes.append(IndexInfo(name: indexName, sql: sql, columns: indexColumns))
            }
        }
        info.triggerSQL = try db.rows("SELECT sql FROM sqlite_master WHERE type = 'trigger' "
            + "AND tbl_name = ?1 COLLATE NOCASE AND sql IS NOT NULL ORDER BY rowid", [.text(stored)], what)
            .compactMap { $0[0].text }
        return info
    }

    /// The names of staging tables of `table` left behind, such as by an
    /// older version of this plugin (a staging table normally lives and
    /// dies inside one transaction).
    static func staleStagingTables(of table: String, in db: SQLiteConnection) throws(PluginError) -> [String] {
        let prefix = SQLName.stagingPrefix(for: table)
        return try db.rows("SELECT name FROM sqlite_master WHERE type = 'table' "
            + "AND substr(name, 1, length(?1)) = ?1 AND instr(substr(name, length(?1) + 1), '_') = 0",
            [.text(prefix)], "table \"\(table)\": looking for stale staging tables").compactMap { $0[0].text }
    }
}

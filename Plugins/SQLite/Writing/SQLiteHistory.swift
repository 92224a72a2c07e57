import CSQLite
import ETLPluginKit

/// The SCD2 history of one table (`etl_plugin.h`, HISTORY), brought up to
/// date at commit, in the load's transaction, after the data is final (the
/// staging table swapped in, the upsert merged, deletions applied).
///
/// Set-based, in five statements over two temporary tables:
///
/// 1. `current`: every live row of the table (flagged rows are gone), its
///    key, its row hash (``SQLiteRowHash``) and its rowid; the primary key
///    refuses duplicate keys, and NULL keys are refused before.
/// 2. Gone keys: their open live version is closed and a tombstone added
///    (its last values, `_etl_deleted` 1).
/// 3. Changed keys (another hash, or an open tombstone): the open version is
///    closed.
/// 4. Every key of `current` without an open version now (new, changed,
///    back) gets a version from the table's row.
///
/// A partial unique index on the key `WHERE "_etl_valid_to" IS NULL` keeps
/// one open version per key and makes the lookups of steps 2-4 indexed.
struct SQLiteHistory {
    let db: SQLiteConnection
    let host: HostContext
    let request: TableRequest
    /// The history table's name.
    let history: String

    static let createRegistry = """
        CREATE TABLE IF NOT EXISTS "\(HistoryNames.tables)" ("table_name" TEXT PRIMARY KEY, "history_table" TEXT NOT NULL)
        """
    private static let currentTable = "temp.\"_etl_history_current\""
    private static let closedTable = "temp.\"_etl_history_closed\""

    /// Refuses a history table name that is the table itself or reserved.
    static func validate(_ history: String, of table: String) throws(PluginError) {
        guard !history.isEmpty else {
            throw PluginError.invalidArgument("table \"\(table)\": the history table name is empty")
        }
        guard SQLName.key(history) != SQLName.key(table) else {
            throw PluginError.invalidArgument("table \"\(table)\": the history table cannot be the table itself")
        }
        guard !SQLName.key(history).hasPrefix("sqlite_") else {
            throw PluginError.invalidArgument("table \"\(table)\": history table \"\(history)\": names beginning "
                + "with \"sqlite_\" are reserved by SQLite")
        }
    }

    /// Whether `text` is an instant as the contract spells it:
    /// `2026-12-06T09:00:00.000Z` (so that text order is time order).
    static func isInstant(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 24 else { return false }
        let pattern = Array("0000-00-00T00:00:00.000Z".utf8)
        for (byte, expected) in zip(bytes, pattern) {
            if expected == UInt8(ascii: "0") {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return false }
            } else if byte != expected {
                return false
            }
        }
        return true
    }

    /// Brings the history up to date with the table as it now is, at
    /// `instant`; registers it in `_etl_history_tables`.
    func apply(at instant: String?) throws(PluginError) {
        let table = request.table
        guard let instant else {
            throw PluginError.invalidArgument("table \"\(table)\": the load keeps history in \"\(history)\" but "
                + "commit has no load_instant")
        }
        guard Self.isInstant(instant) else {
            throw PluginError.invalidArgument("table \"\(table)\": load_instant \"\(instant)\" is not ISO 8601 "
                + "UTC with milliseconds, such as 2026-12-06T09:00:00.000Z")
        }
        try SQLiteRowHash.register(on: db)
        guard let live = try TableCatalog.read(table, in: db) else {
            throw PluginError.internalError("table \"\(table)\": gone at commit")
        }
        let columns = live.columns.filter { !SQLName.key($0.name).hasPrefix(SQLName.reservedPrefix) }
        let keys = request.keyColumns.map { key in live.column(key)?.name ?? key }
        try prepareTable(columns: columns, keys: keys)
        let flagged = live.column(DeletionMode.flagColumn) != nil
        try fillCurrent(from: live.name, keys: keys.map { key in ColumnDefinition(name: key, declared: live.column(key)?.declared ?? "") },
                        columns: columns, liveOnly: flagged)
        let added = try writeVersions(columns: columns, keys: keys, instant: instant)
        try db.execute("DROP TABLE IF EXISTS \(Self.currentTable); DROP TABLE IF EXISTS \(Self.closedTable)",
                       "history \"\(history)\": dropping the temporary tables")
        try db.execute(Self.createRegistry, "creating \(HistoryNames.tables)")
        try db.rows("INSERT INTO \(SQLName.quoted(HistoryNames.tables)) (table_name, history_table) VALUES (?1, ?2) "
            + "ON CONFLICT (table_name) DO UPDATE SET history_table = excluded.history_table",
            [.text(table), .text(history)], "table \"\(table)\": registering history table \"\(history)\"")
        host.log(.info, "table \"\(table)\": history \"\(history)\": \(added.versions) new version"
            + "\(added.versions == 1 ? "" : "s"), \(added.tombstones) deleted")
    }

    // MARK: The history table

    /// Creates the history table, or adds the columns it lacks and gives
    /// its columns the table's declared types (a rebuild).
    private func prepareTable(columns: [ColumnInfo], keys: [String]) throws(PluginError) {
        let builder = TableBuilder(db: db, host: host)
        let what = "history \"\(history)\" of table \"\(request.table)\""
        guard let existing = try TableCatalog.read(history, in: db) else {
            let bookkeeping = [
                ColumnDefinition(name: HistoryNames.validFrom, declared: "TEXT", notNull: true),
                ColumnDefinition(name: HistoryNames.validTo, declared: "TEXT"),
                ColumnDefinition(name: HistoryNames.runID, declared: "TEXT"),
                ColumnDefinition(name: HistoryNames.rowHash, declared: "TEXT"),
                ColumnDefinition(name: HistoryNames.deleted, declared: "INTEGER", notNull: true),
            ]
            try builder.create(history, columns: columns.map { ColumnDefinition(name: $0.name, declared: $0.declared) }
                + bookkeeping, for: history)
            try db.execute("CREATE UNIQUE INDEX \(SQLName.quoted("_etl_open_" + history)) ON \(SQLName.quoted(history)) "
                + "(\(keys.map(SQLName.quoted).joined(separator: ", "))) WHERE \(SQLName.quoted(HistoryNames.validTo)) IS NULL",
                "\(what): creating the index of open versions")
            return
        }
        for required in [HistoryNames.validFrom, HistoryNames.validTo, HistoryNames.runID, HistoryNames.rowHash, HistoryNames.deleted]
        where existing.column(required) == nil {
            throw PluginError.invalidArgument("\(what): the table exists but has no \"\(required)\" column; "
                + "it is not a history table (choose another --history-table)")
        }
        var retyped: [String: StoredType] = [:]
        var added: [ColumnDefinition] = []
        for column in columns {
            if let kept = existing.column(column.name) {
                if kept.type != column.type { retyped[SQLName.key(kept.name)] = column.type }
            } else {
                added.append(ColumnDefinition(name: column.name, declared: column.declared))
            }
        }
        if retyped.isEmpty {
            for column in added { try builder.addColumn(column, to: existing.name) }
        } else {
            try builder.rebuild(existing, types: retyped, added: added,
                                staging: SQLName.reservedPrefix + "history_rebuild", table: history)
        }
    }

    // MARK: Versions

    /// Fills `current` with the key, row hash and rowid of every live row.
    /// Its key columns are declared with the table's types: with another
    /// affinity SQLite could not use its primary key to look a key up, and
    /// finding the gone keys would compare every pair of rows.
    private func fillCurrent(from table: String, keys keyColumns: [ColumnDefinition], columns: [ColumnInfo],
                             liveOnly flagged: Bool) throws(PluginError) {
        let what = "history \"\(history)\" of table \"\(request.table)\""
        let keys = keyColumns.map(\.name)
        let keyList = keys.map(SQLName.quoted).joined(separator: ", ")
        let live = flagged ? "\(SQLName.quoted(DeletionMode.flagColumn)) IS NULL" : "1"
        let nullKey = keys.map { "\(SQLName.quoted($0)) IS NULL" }.joined(separator: " OR ")
        let nulls = try db.rows("SELECT count(*) FROM \(SQLName.quoted(table)) WHERE \(live) AND (\(nullKey))", [],
                                "\(what): checking the key for NULL").first?.first?.integer ?? 0
        if nulls > 0 {
            throw PluginError.data("table \"\(request.table)\": \(nulls) row\(nulls == 1 ? " has" : "s have") a NULL "
                + "key (\(keys.joined(separator: ", "))); history versions records by key, so every row needs one")
        }
        try db.execute("DROP TABLE IF EXISTS \(Self.currentTable); DROP TABLE IF EXISTS \(Self.closedTable)",
                       "\(what): dropping old temporary tables")
        try db.execute("CREATE TEMP TABLE \"_etl_history_current\" (\(keyColumns.map(\.sql).joined(separator: ", ")), \"hash\" TEXT NOT NULL, "
            + "\"rid\" INTEGER NOT NULL, PRIMARY KEY (\(keyList))) WITHOUT ROWID",
            "\(what): creating the temporary table of current rows")
        let hash = "\(SQLName.quoted(SQLiteRowHash.functionName))(\(columns.map { SQLName.quoted($0.name) }.joined(separator: ", ")))"
        do {
            try db.execute("INSERT INTO \(Self.currentTable) SELECT \(keyList), \(hash), _rowid_ "
                + "FROM \(SQLName.quoted(table)) WHERE \(live)", "\(what): hashing the rows")
        } catch where error.message.contains("UNIQUE") {
            throw PluginError.data("table \"\(request.table)\": the key (\(keys.joined(separator: ", "))) is not "
                + "unique; history versions records by key, so each key must name one row")
        }
    }

    /// Closes the open versions of gone and changed keys, adds tombstones
    /// and new versions; returns how many of each.
    private func writeVersions(columns: [ColumnInfo], keys: [String], instant: String)
        throws(PluginError) -> (versions: Int64, tombstones: Int64)
    {
        let what = "history \"\(history)\" of table \"\(request.table)\""
        let h = SQLName.quoted(history)
        let names = columns.map { SQLName.quoted($0.name) }
        let bookkeeping = [HistoryNames.validFrom, HistoryNames.validTo, HistoryNames.runID, HistoryNames.rowHash, HistoryNames.deleted].map(SQLName.quoted)
        let insertInto = "INSERT INTO \(h) (\((names + bookkeeping).joined(separator: ", ")))"
        let match = { (left: String, right: String) in
            keys.map { "\(left).\(SQLName.quoted($0)) = \(right).\(SQLName.quoted($0))" }.joined(separator: " AND ")
        }
        let open = "\(SQLName.quoted(HistoryNames.validTo)) IS NULL"
        let arguments: [SQLiteValue] = [.text(instant), .text(request.runID)]
        try db.execute("CREATE TEMP TABLE \"_etl_history_closed\" (\"rid\" INTEGER PRIMARY KEY, \"gone\" INTEGER NOT NULL)",
                       "\(what): creating the temporary table of closed versions")
        // Gone: open live versions whose key has no current row.
        try db.execute("INSERT INTO \(Self.closedTable) SELECT v._rowid_, 1 FROM \(h) AS v WHERE v.\(open) "
            + "AND v.\(SQLName.quoted(HistoryNames.deleted)) = 0 AND NOT EXISTS (SELECT 1 FROM \(Self.currentTable) AS c "
            + "WHERE \(match("c", "v")))", "\(what): finding the keys that are gone")
        // Changed: open versions whose current row hashes differently, or tombstones of keys that are back.
        try db.execute("INSERT INTO \(Self.closedTable) SELECT v._rowid_, 0 FROM \(Self.currentTable) AS c "
            + "JOIN \(h) AS v ON \(match("v", "c")) AND v.\(open) WHERE v.\(SQLName.quoted(HistoryNames.deleted)) <> 0 "
            + "OR v.\(SQLName.quoted(HistoryNames.rowHash)) IS NOT c.\"hash\"", "\(what): finding the changed keys")
        try db.rows("UPDATE \(h) SET \(SQLName.quoted(HistoryNames.validTo)) = ?1 WHERE _rowid_ IN "
            + "(SELECT rid FROM \(Self.closedTable))", arguments.prefix(1).map { $0 }, "\(what): closing versions")
        try db.rows("\(insertInto) SELECT \(names.joined(separator: ", ")), ?1, NULL, ?2, \(SQLName.quoted(HistoryNames.rowHash)), 1 "
            + "FROM \(h) WHERE _rowid_ IN (SELECT rid FROM \(Self.closedTable) WHERE gone = 1)", arguments,
            "\(what): adding tombstones")
        let tombstones = Int64(sqlite3_changes64(db.handle))
        try db.rows("\(insertInto) SELECT \(names.map { "t.\($0)" }.joined(separator: ", ")), ?1, NULL, ?2, c.\"hash\", 0 "
            + "FROM \(Self.currentTable) AS c JOIN \(SQLName.quoted(request.table)) AS t ON t._rowid_ = c.rid "
            + "WHERE NOT EXISTS (SELECT 1 FROM \(h) AS v WHERE \(match("v", "c")) AND v.\(open))", arguments,
            "\(what): adding versions")
        let versions = Int64(sqlite3_changes64(db.handle))
        return (versions, tombstones)
    }
}

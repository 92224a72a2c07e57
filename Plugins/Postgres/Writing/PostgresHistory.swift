import ETLPluginKit
import ETLPostgresShared

/// The SCD2 history of one table (`etl_plugin.h`, HISTORY), brought up to
/// date at commit, in the load's transaction, after the data is final (the
/// staging table swapped in, the upsert merged, deletions applied).
///
/// Set-based:
///
/// 1. `_etl_history_current` (a temporary table dropped at commit): the key
///    and the row hash of every live row (flagged rows are gone); its
///    primary key refuses NULL and duplicate keys.
/// 2. Gone keys: their open live version is closed and a tombstone added
///    with its last values (one statement: an UPDATE ... RETURNING feeding
///    the INSERT).
/// 3. Changed keys (another hash, or an open tombstone): closed.
/// 4. Every current key without an open version gets a version from the
///    table's row.
///
/// The row hash is `md5(ROW(<non-_etl_ columns>)::text)`: the row's text
/// form under the load's fixed settings (TimeZone UTC, DateStyle ISO,
/// extra_float_digits 1) quotes '' and leaves NULL empty, so NULL, '' and 0
/// differ. A partial unique index on the key `WHERE "_etl_valid_to" IS NULL`
/// keeps one open version per key. `<table>_as_of(ts timestamptz)` returns
/// the table's columns as of `ts`; it is recreated at every history load,
/// so it follows the columns.
struct PostgresHistory {
    let db: PGConnection
    let host: HostContext
    let request: TableRequest
    /// The schema of the table, its history and the as-of function.
    let schema: String
    /// The history table's name.
    let history: String


    /// The as-of function's name: `<table>_as_of`.
    static func asOfFunction(of table: String) -> String { table + "_as_of" }

    /// Refuses a history table that is the table itself, and names too long
    /// for PostgreSQL (the history's, its index's, the function's).
    static func validate(_ history: String, of table: String, limit: Int) throws(PostgresError) {
        try PGName.check(history, what: "table \"\(table)\": history table \"\(history)\"", limit: limit)
        try PGName.check(asOfFunction(of: table), what: "table \"\(table)\": its as-of function", limit: limit)
        guard history != table else {
            throw PostgresError.invalidArgument("table \"\(table)\": the history table cannot be the table itself")
        }
    }

    /// Brings the history up to date with the table as it now is, at
    /// `instant`; registers it and recreates the as-of function.
    func apply(at instant: String?) throws(PostgresError) {
        let table = request.table
        guard let instant else {
            throw PostgresError.invalidArgument("table \"\(table)\": the load keeps history in \"\(history)\" but "
                + "commit has no load_instant")
        }
        guard isInstant(instant) else {
            throw PostgresError.invalidArgument("table \"\(table)\": load_instant \"\(instant)\" is not ISO 8601 "
                + "UTC with milliseconds, such as 2026-12-06T09:00:00.000Z")
        }
        guard let live = try TableCatalog.read(table, schema: schema, in: db) else {
            throw PostgresError.internalError("table \"\(table)\": gone at commit")
        }
        let columns = live.columns.filter { !$0.name.hasPrefix(PGName.reservedPrefix) }
        // The joins below hash every key of the table: with the default
        // 4 MB they spill to disk in batches. For this transaction only.
        try db.execute("SET LOCAL work_mem = '64MB'", "\(what): setting work_mem")
        try prepareTable(columns: columns)
        try fillCurrent(columns: columns, liveOnly: live.column(DeletionMode.flagColumn) != nil)
        let counts = try writeVersions(columns: columns, instant: instant)
        try db.execute("DROP TABLE pg_temp.\"_etl_history_current\"", "\(what): dropping the temporary table")
        try register()
        try createAsOfFunction(columns: columns)
        host.log(.info, "table \"\(table)\": history \"\(history)\": \(counts.versions) new version"
            + "\(counts.versions == 1 ? "" : "s"), \(counts.tombstones) deleted")
    }

    private var what: String { "history \"\(history)\" of table \"\(request.table)\"" }
    private var qualified: String { PGName.qualified(schema, history) }
    private var keys: [String] { request.keyColumns }

    private func isInstant(_ text: String) -> Bool {
        let pattern = Array("0000-00-00T00:00:00.000Z".utf8)
        let bytes = Array(text.utf8)
        return bytes.count == pattern.count && zip(bytes, pattern).allSatisfy { byte, expected in
            expected == UInt8(ascii: "0") ? (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) : byte == expected
        }
    }

    // MARK: The history table

    /// Creates the history table, or adds the columns it lacks and gives
    /// its columns the table's types.
    private func prepareTable(columns: [ColumnInfo]) throws(PostgresError) {
        guard let existing = try TableCatalog.read(history, schema: schema, in: db) else {
            try Bookkeeping.lockCreation(in: schema, db: db)
            let definitions = columns.map { "\(PGName.quoted($0.name)) \($0.declared)" } + [
                "\(PGName.quoted(HistoryNames.validFrom)) timestamptz NOT NULL", "\(PGName.quoted(HistoryNames.validTo)) timestamptz",
                "\(PGName.quoted(HistoryNames.runID)) text", "\(PGName.quoted(HistoryNames.rowHash)) text",
                "\(PGName.quoted(HistoryNames.deleted)) boolean NOT NULL",
            ]
            try db.execute("CREATE TABLE \(qualified) (\(definitions.joined(separator: ", ")))", "\(what): CREATE TABLE")
            let index = PGName.quoted(PGName.prefix(of: "_etl_open_" + history, bytes: 30) + "_" + PGName.hexHash(history))
            try db.execute("CREATE UNIQUE INDEX \(index) ON \(qualified) (\(keys.map(PGName.quoted).joined(separator: ", "))) "
                + "WHERE \(PGName.quoted(HistoryNames.validTo)) IS NULL", "\(what): creating the index of open versions")
            return
        }
        for required in [HistoryNames.validFrom, HistoryNames.validTo, HistoryNames.runID, HistoryNames.rowHash, HistoryNames.deleted]
        where existing.column(required) == nil {
            throw PostgresError.invalidArgument("\(what): the table exists but has no \"\(required)\" column; "
                + "it is not a history table (choose another --history-table)")
        }
        // Fresh statistics (autovacuum may not have seen the last load's
        // versions yet): without them the planner takes the open versions
        // for a few thousand rows and looks each key up one by one.
        try db.execute("ANALYZE \(qualified)", "\(what): analyzing it")
        for column in columns {
            let name = PGName.quoted(column.name)
            if let kept = existing.column(column.name) {
                guard kept.declared != column.declared else { continue }
                host.log(.info, "\(what): column \"\(column.name)\" becomes \(column.declared)")
                try db.execute("ALTER TABLE \(qualified) ALTER COLUMN \(name) TYPE \(column.declared) USING \(name)::\(column.declared)",
                               "\(what): changing the type of column \"\(column.name)\"")
            } else {
                host.log(.info, "\(what): adding column \"\(column.name)\" \(column.declared)")
                try db.execute("ALTER TABLE \(qualified) ADD COLUMN \(name) \(column.declared)",
                               "\(what): adding column \"\(column.name)\"")
            }
        }
    }

    // MARK: Versions

    /// Fills `_etl_history_current` with the key and row hash of every live row.
    private func fillCurrent(columns: [ColumnInfo], liveOnly flagged: Bool) throws(PostgresError) {
        let keyList = keys.map(PGName.quoted).joined(separator: ", ")
        let hash = "pg_catalog.md5(ROW(\(columns.map { "t." + PGName.quoted($0.name) }.joined(separator: ", ")))::text)"
        let live = flagged ? "t.\(PGName.quoted(DeletionMode.flagColumn)) IS NULL" : "true"
        try db.execute("DROP TABLE IF EXISTS pg_temp.\"_etl_history_current\"", "\(what): dropping an old temporary table")
        try db.execute("CREATE TEMPORARY TABLE \"_etl_history_current\" ON COMMIT DROP AS SELECT "
            + "\(keys.map { "t." + PGName.quoted($0) }.joined(separator: ", ")), \(hash) AS \"_etl_hash\" "
            + "FROM \(PGName.qualified(schema, request.table)) AS t WHERE \(live)", "\(what): hashing the rows")
        do throws(PostgresError) {
            try db.execute("ALTER TABLE pg_temp.\"_etl_history_current\" ADD PRIMARY KEY (\(keyList))",
                           "\(what): checking the key")
        } catch where error.sqlState == "23505" || error.sqlState == "23502" {
            let problem = error.sqlState == "23505" ? "is not unique" : "is NULL in some rows"
            throw PostgresError.data("table \"\(request.table)\": the key (\(keys.joined(separator: ", "))) "
                + "\(problem); history versions records by key, so each key must name one row")
        }
        try db.execute("ANALYZE pg_temp.\"_etl_history_current\"", "\(what): analyzing the temporary table")
    }

    /// Closes the open versions of gone and changed keys, adds tombstones
    /// and new versions; returns how many of each.
    private func writeVersions(columns: [ColumnInfo], instant: String) throws(PostgresError)
        -> (versions: Int, tombstones: Int)
    {
        let names = columns.map { PGName.quoted($0.name) }
        let bookkeeping = [HistoryNames.validFrom, HistoryNames.validTo, HistoryNames.runID, HistoryNames.rowHash, HistoryNames.deleted].map(PGName.quoted)
        let insertInto = "INSERT INTO \(qualified) (\((names + bookkeeping).joined(separator: ", ")))"
        func match(_ left: String, _ right: String) -> String {
            keys.map { "\(left).\(PGName.quoted($0)) = \(right).\(PGName.quoted($0))" }.joined(separator: " AND ")
        }
        let validTo = PGName.quoted(HistoryNames.validTo), deleted = PGName.quoted(HistoryNames.deleted), rowHash = PGName.quoted(HistoryNames.rowHash)
        let arguments: [String?] = [instant, request.runID]
        let current = "pg_temp.\"_etl_history_current\""
        // Gone: open live versions without a current row, closed, each followed by its tombstone.
        let tombstones = try db.query("""
            WITH closed AS (UPDATE \(qualified) AS v SET \(validTo) = $1::timestamptz
              WHERE v.\(validTo) IS NULL AND NOT v.\(deleted)
                AND NOT EXISTS (SELECT 1 FROM \(current) AS c WHERE \(match("c", "v")))
              RETURNING \(names.map { "v." + $0 }.joined(separator: ", ")), v.\(rowHash))
            \(insertInto) SELECT \(names.joined(separator: ", ")), $1::timestamptz, NULL, $2, \(rowHash), true FROM closed
            """, arguments, "\(what): closing the versions of gone keys").changed
        // Changed: another hash, or a tombstone whose key is back.
        try db.query("UPDATE \(qualified) AS v SET \(validTo) = $1::timestamptz FROM \(current) AS c "
            + "WHERE \(match("v", "c")) AND v.\(validTo) IS NULL AND (v.\(deleted) OR v.\(rowHash) IS DISTINCT FROM c.\"_etl_hash\")",
            [instant], "\(what): closing the versions of changed keys")
        let versions = try db.query("\(insertInto) SELECT \(names.map { "t." + $0 }.joined(separator: ", ")), $1::timestamptz, "
            + "NULL, $2, c.\"_etl_hash\", false FROM \(current) AS c JOIN \(PGName.qualified(schema, request.table)) AS t "
            + "ON \(match("t", "c")) WHERE NOT EXISTS (SELECT 1 FROM \(qualified) AS v WHERE \(match("v", "c")) "
            + "AND v.\(validTo) IS NULL)", arguments, "\(what): adding versions").changed
        return (versions, tombstones)
    }

    // MARK: Registry and as-of function

    private func register() throws(PostgresError) {
        let registry = PGName.qualified(schema, HistoryNames.tables)
        if try !TableCatalog.tableExists(HistoryNames.tables, schema: schema, in: db) {
            try Bookkeeping.lockCreation(in: schema, db: db)
            try db.execute("CREATE TABLE IF NOT EXISTS \(registry) (table_name text PRIMARY KEY, history_table text NOT NULL)",
                           "creating \(HistoryNames.tables) in schema \"\(schema)\"")
        }
        try db.query("INSERT INTO \(registry) (table_name, history_table) VALUES ($1, $2) ON CONFLICT (table_name) "
            + "DO UPDATE SET history_table = EXCLUDED.history_table", [request.table, history],
            "table \"\(request.table)\": registering history table \"\(history)\"")
    }

    /// `<table>_as_of(ts timestamptz)`: the table's columns as of `ts`,
    /// replaced so that it follows the columns. When the columns changed
    /// (42P13: a function's result type cannot change in place) it is
    /// dropped and created again; when objects depend on it (2BP01: a view
    /// over the function), it is left as it was, with a warning, rather
    /// than failing the load.
    private func createAsOfFunction(columns: [ColumnInfo]) throws(PostgresError) {
        let function = PGName.qualified(schema, Self.asOfFunction(of: request.table))
        let returns = columns.map { "\(PGName.quoted($0.name)) \($0.declared)" }.joined(separator: ", ")
        let body = "SELECT \(columns.map { "h." + PGName.quoted($0.name) }.joined(separator: ", ")) FROM \(qualified) AS h "
            + "WHERE h.\(PGName.quoted(HistoryNames.validFrom)) <= $1 AND (h.\(PGName.quoted(HistoryNames.validTo)) IS NULL "
            + "OR h.\(PGName.quoted(HistoryNames.validTo)) > $1) AND NOT h.\(PGName.quoted(HistoryNames.deleted))"
        let create = "FUNCTION \(function)(ts timestamptz) RETURNS TABLE (\(returns)) LANGUAGE sql STABLE AS "
            + PGName.literal(body)
        try db.execute("SAVEPOINT \"_etl_as_of\"", "\(what): a savepoint for the as-of function")
        do throws(PostgresError) {
            try db.execute("CREATE OR REPLACE " + create, "\(what): replacing the as-of function")
        } catch where error.sqlState == "42P13" {
            try db.execute("ROLLBACK TO SAVEPOINT \"_etl_as_of\"", "\(what): back to the savepoint")
            do throws(PostgresError) {
                try db.execute("DROP FUNCTION \(function)(timestamptz)", "\(what): dropping the old as-of function")
                try db.execute("CREATE " + create, "\(what): creating the as-of function")
            } catch where error.sqlState == "2BP01" {
                try db.execute("ROLLBACK TO SAVEPOINT \"_etl_as_of\"; RELEASE SAVEPOINT \"_etl_as_of\"",
                               "\(what): back to the savepoint")
                host.log(.warn, "\(what): \(Self.asOfFunction(of: request.table))(ts) keeps its old columns: "
                    + "other objects depend on it (\(error.message)); drop them and load again to update it")
                return
            }
        }
        try db.execute("RELEASE SAVEPOINT \"_etl_as_of\"", "\(what): releasing the savepoint")
        try db.execute("COMMENT ON FUNCTION \(function)(timestamptz) IS "
            + "\(PGName.literal("Table \"\(request.table)\" as it was at ts, from its history \"\(history)\" (etl-host)."))",
            "\(what): commenting the as-of function")
    }
}

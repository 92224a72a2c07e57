import CSQLite
import ETLPluginKit

/// The unique key index of an upsert into a table that the same load
/// created, built once after the last row instead of kept up row by row.
///
/// The rows go in with a plain INSERT (as append does); at commit, in the
/// same transaction, `CREATE UNIQUE INDEX` sorts the keys once. Kept up row
/// by row, an index on keys that come in no particular order takes a
/// random page per row; once it outgrows the load's 32 MiB cache, pages are
/// written out and read back, and the load grows faster than its rows
/// (bench/README.md, "The first keyed load": in C, 5M shuffled keys cost
/// 7.1x the CPU of 1M, system time 14x; with the index built after, 5.2x
/// and 40% less CPU; through etl-host 5.79x -> 4.94x).
///
/// Keys repeated within the load end as an upsert row by row leaves them:
/// one row per key, in the place (rowid) and with the key values of the
/// key's first row, holding the other columns of its last row. The index
/// build finds them (it fails on the first repeated key); only then are
/// they merged, with the help of a plain index on the key:
///
/// ```sql
/// CREATE INDEX "_etl_lookup_…" ON "t" ("id");
/// CREATE TEMP TABLE "_etl_repeats_…" AS
///   SELECT min(rowid) AS keep, max(rowid) AS last FROM "t" GROUP BY "id" HAVING count(*) > 1;
/// UPDATE "t" SET "name" = l."name", … FROM temp."_etl_repeats_…" AS d JOIN "t" AS l ON l.rowid = d.last
///   WHERE "t".rowid = d.keep;
/// DELETE FROM "t" WHERE rowid IN (SELECT o.rowid FROM temp."_etl_repeats_…" AS d
///   JOIN "t" AS f ON f.rowid = d.keep JOIN "t" AS o ON o."id" = f."id" AND o.rowid <> f.rowid);
/// ```
///
/// then the unique index is built again. Keys are compared by the table's
/// own columns (the comparison the unique index makes), never by copies.
struct DeferredKeyIndex {
    /// The table, as the load names it.
    let table: String
    /// The upsert's key columns.
    let keys: [String]
    /// The columns the load writes that are not keys: what a later row of
    /// a key replaces.
    let updatedColumns: [String]
    /// A name SQLite resolves to the rowid (not shadowed by a column).
    let rowid: String
    /// The plain index on the key that a merge of repeated keys uses.
    let lookupIndex: String
    /// The temporary table of a merge: per repeated key, its first and last rowid.
    let repeatsTable: String

    /// The deferred index for `request`, an upsert into a table created in
    /// this load; `nil` when every alias of the rowid is a column's name
    /// (then the load keeps the index up row by row, as before).
    ///
    /// - Parameter uniqueSuffix: makes the temporary names unique in the
    ///   database (the load's staging name without the reserved prefix).
    init?(request: TableRequest, uniqueSuffix: some StringProtocol) {
        let columns = Set(request.schema.fields.map { SQLName.key($0.name) })
        guard let rowid = ["rowid", "_rowid_", "oid"].first(where: { !columns.contains($0) }) else { return nil }
        let keySet = Set(request.keyColumns.map(SQLName.key))
        table = request.table
        keys = request.keyColumns
        updatedColumns = request.schema.fields.map(\.name).filter { !keySet.contains(SQLName.key($0)) }
        self.rowid = rowid
        lookupIndex = SQLName.reservedPrefix + "lookup_" + uniqueSuffix
        repeatsTable = SQLName.reservedPrefix + "repeats_" + uniqueSuffix
    }

    /// Builds the unique key index, first merging the rows of keys the
    /// load repeated when there are any.
    func build(db: SQLiteConnection, host: HostContext) throws(PluginError) {
        let builder = TableBuilder(db: db, host: host)
        do {
            try builder.ensureKeyIndex(on: table, keys: keys)
            return
        } catch where error.code == .data {
            // A key came more than once; the failed statement undid only itself.
        }
        let merged = try mergeRepeatedKeys(db: db)
        host.log(.debug, "table \"\(table)\": \(merged) row\(merged == 1 ? "" : "s") of the load repeated an "
            + "earlier row's key and were merged into it (the last one's values win)")
        try builder.ensureKeyIndex(on: table, keys: keys)
    }

    /// Leaves one row per key: the first one, holding the last one's
    /// values. Returns how many rows were removed.
    private func mergeRepeatedKeys(db: SQLiteConnection) throws(PluginError) -> Int {
        let what = "table \"\(table)\": merging rows with the same key"
        let live = SQLName.quoted(table)
        let repeats = "temp." + SQLName.quoted(repeatsTable)
        let keyList = keys.map(SQLName.quoted).joined(separator: ", ")
        try db.execute("CREATE INDEX \(SQLName.quoted(lookupIndex)) ON \(live) (\(keyList))", what)
        try db.execute("CREATE TEMP TABLE \(SQLName.quoted(repeatsTable)) AS SELECT min(\(rowid)) AS keep, "
            + "max(\(rowid)) AS last FROM \(live) GROUP BY \(keyList) HAVING count(*) > 1", what)
        if !updatedColumns.isEmpty {
            let assignments = updatedColumns.map { "\(SQLName.quoted($0)) = l.\(SQLName.quoted($0))" }
            try db.execute("UPDATE \(live) SET \(assignments.joined(separator: ", ")) FROM \(repeats) AS d "
                + "JOIN \(live) AS l ON l.\(rowid) = d.last WHERE \(live).\(rowid) = d.keep", what)
        }
        let sameKey = keys.map { "o.\(SQLName.quoted($0)) = f.\(SQLName.quoted($0))" }.joined(separator: " AND ")
        try db.execute("DELETE FROM \(live) WHERE \(rowid) IN (SELECT o.\(rowid) FROM \(repeats) AS d "
            + "JOIN \(live) AS f ON f.\(rowid) = d.keep JOIN \(live) AS o ON \(sameKey) AND o.\(rowid) <> f.\(rowid))", what)
        let removed = Int(sqlite3_changes(db.handle))
        try db.execute("DROP TABLE \(repeats); DROP INDEX \(SQLName.quoted(lookupIndex))", what)
        return removed
    }
}

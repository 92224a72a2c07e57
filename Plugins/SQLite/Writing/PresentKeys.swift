import CSQLite
import ETLPluginKit
import Foundation

/// The keys still present at the source during an upsert with deletions
/// (ABI 1.1): a temporary table filled from the host's key batches and from
/// the keys of every row written, consulted once at commit to remove or
/// flag the other rows of the live table.
///
/// ```sql
/// CREATE TEMP TABLE "_etl_present_3" ("id", PRIMARY KEY ("id")) WITHOUT ROWID;
/// -- at commit, remove:
/// DELETE FROM "t" WHERE NOT EXISTS (SELECT 1 FROM temp."_etl_present_3" p WHERE p."id" = "t"."id");
/// ```
///
/// Keys are bound exactly as the INSERT binds them (same binders, same
/// stored types), so a key read from the source compares equal to the same
/// key stored by an earlier load.
final class PresentKeys {
    private let db: SQLiteConnection
    private let table: String
    private let name: String
    private let keyNames: [String]
    private let insert: SQLiteStatement
    /// Binders for a key batch (columns 0..<n) into the key's stored types.
    private let keyBatchBinders: [ColumnBinder]
    /// Binders for the key columns of a data batch.
    private let dataBatchBinders: [ColumnBinder]
    private let scratch: UnsafeMutablePointer<UInt8>
    /// Whether the host sent the key listing (possibly empty).
    private(set) var received = false

    /// Creates the temporary table inside the load's transaction.
    ///
    /// - Parameters:
    ///   - keyIndexes: the key columns' indexes in the request's schema.
    ///   - storedTypes: the stored type of every column of the schema.
    init(request: TableRequest, keyIndexes: [Int], storedTypes: [StoredType], db: SQLiteConnection,
         name: String) throws(PluginError) {
        self.db = db
        table = request.table
        self.name = name
        keyNames = request.keyColumns
        let columns = keyNames.map(SQLName.quoted).joined(separator: ", ")
        try db.execute("CREATE TEMP TABLE \(SQLName.quoted(name)) (\(columns), PRIMARY KEY (\(columns))) WITHOUT ROWID",
                       "table \"\(table)\": creating the table of present keys")
        insert = try db.prepare("INSERT OR IGNORE INTO temp.\(SQLName.quoted(name)) VALUES ("
                                + keyNames.indices.map { "?\($0 + 1)" }.joined(separator: ", ") + ")",
                                "table \"\(table)\": preparing the INSERT of present keys")
        keyBatchBinders = keyIndexes.enumerated().map { position, index in
            ColumnBinder(column: position, type: request.schema.fields[index].type, target: storedTypes[index])
        }
        dataBatchBinders = keyIndexes.map { index in
            ColumnBinder(column: index, type: request.schema.fields[index].type, target: storedTypes[index])
        }
        // One date text per key column, each kept until the row is stepped.
        scratch = .allocate(capacity: DateText.capacity * max(keyIndexes.count, 1))
    }

    deinit { scratch.deallocate() }

    /// Records every key of a batch of the request's ``TableRequest/keySchema``.
    func record(keyBatch batch: ImportedBatch) throws(PluginError) {
        received = true
        try record(batch, binders: keyBatchBinders)
    }

    /// Records the keys of the rows of a data batch just written.
    func record(writtenBatch batch: ImportedBatch) throws(PluginError) {
        try record(batch, binders: dataBatchBinders)
    }

    private func record(_ batch: ImportedBatch, binders: [ColumnBinder]) throws(PluginError) {
        let statement = insert.handle
        defer { sqlite3_clear_bindings(statement) }
        let values = binders.map { ColumnValues(batch, column: $0.column) }
        for row in 0..<batch.rowCount {
            for (position, binder) in binders.enumerated() {
                if batch.isNull(row: row, column: binder.column) {
                    throw PluginError.data("table \"\(table)\": key column \"\(keyNames[position])\" is "
                        + "null in row \(row + 1) of a batch of present keys")
                }
                guard let status = binder.bind(values[position], row: row, to: statement, parameter: Int32(position + 1),
                                               scratch: scratch + position * DateText.capacity), status == SQLITE_OK else {
                    throw db.failure(sqlite3_errcode(db.handle), "table \"\(table)\": binding a present key")
                }
            }
            let status = sqlite3_step(statement)
            sqlite3_reset(statement)
            guard status == SQLITE_DONE else {
                throw db.failure(status, "table \"\(table)\": recording a present key")
            }
        }
    }

    /// Removes or flags the rows of `target` whose key was not recorded,
    /// then drops the temporary table; returns how many rows changed.
    func apply(_ mode: DeletionMode, to target: String) throws(PluginError) -> Int {
        guard received else {
            throw PluginError.invalidArgument("table \"\(table)\": deletions (\(mode)) were requested but "
                + "no present keys were given (write_present_keys was never called); nothing was deleted")
        }
        let live = SQLName.quoted(target)
        let present = "temp.\(SQLName.quoted(name))"
        let match = keyNames.map { "p.\(SQLName.quoted($0)) = \(live).\(SQLName.quoted($0))" }.joined(separator: " AND ")
        let exists = "EXISTS (SELECT 1 FROM \(present) p WHERE \(match))"
        var changed = 0
        switch mode {
        case .keep:
            break
        case .remove:
            try db.execute("DELETE FROM \(live) WHERE NOT \(exists)", "table \"\(table)\": deleting rows no longer at the source")
            changed = Int(sqlite3_changes(db.handle))
        case .flag:
            let flag = SQLName.quoted(DeletionMode.flagColumn)
            let now = DateText.timestamp(microsecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1_000_000))
            try db.rows("UPDATE \(live) SET \(flag) = ?1 WHERE \(flag) IS NULL AND NOT \(exists)", [.text(now)],
                        "table \"\(table)\": flagging rows no longer at the source")
            changed = Int(sqlite3_changes(db.handle))
            try db.execute("UPDATE \(live) SET \(flag) = NULL WHERE \(flag) IS NOT NULL AND \(exists)",
                           "table \"\(table)\": clearing the flag of rows present again")
        }
        try db.execute("DROP TABLE \(present)", "table \"\(table)\": dropping the table of present keys")
        return changed
    }
}

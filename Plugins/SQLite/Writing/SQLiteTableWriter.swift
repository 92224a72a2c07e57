import CSQLite
import ETLPluginKit

/// One table load: a single `BEGIN IMMEDIATE` transaction from begin to
/// commit, rows inserted through one prepared statement bound straight
/// from the Arrow buffers.
///
/// - replace: rows go into a staging table created in the transaction;
///   commit drops the live table, renames the staging table into place and
///   recreates the indexes and triggers, in the same transaction.
/// - append: rows go into the live table, created if missing; columns the
///   table lacks are added, and columns whose type is too narrow are
///   widened (the table is rebuilt).
/// - upsert: as append, plus a unique index on the key columns and
///   `INSERT ... ON CONFLICT (keys) DO UPDATE`; into a table the load
///   creates, a plain INSERT and the index built at commit
///   (``DeferredKeyIndex``).
///
/// Commit writes the state, run record and schema in the same transaction
/// and then commits. A failed write poisons the load: only a rollback is
/// possible, so a half-written batch can never be committed.
final class SQLiteTableWriter: TableWriter {
    private let request: TableRequest
    private let db: SQLiteConnection
    private let host: HostContext
    /// The staging table of a replace.
    private let staging: String?
    /// The table the INSERT writes into (the staging table for replace).
    private let target: String
    /// The one-row INSERT.
    private var statement: SQLiteStatement?
    /// The INSERT of ``groupRows`` rows at once (fewer steps per row), or
    /// `nil` when SQLite's parameter limit allows only one row.
    private var groupStatement: SQLiteStatement?
    private let groupRows: Int
    private let binders: [ColumnBinder]
    /// Upsert: the batch columns of the key, checked for nulls.
    private let keyColumns: [Int]
    /// Room to format a date or timestamp per parameter of the multi-row
    /// INSERT (``ColumnBinder/bind(_:row:to:parameter:scratch:)``).
    private let scratch: UnsafeMutablePointer<UInt8>
    private let pragmas: LoadPragmas
    /// Upsert with deletions: the keys still at the source.
    private let presentKeys: PresentKeys?
    /// Upsert into a table created by this load: the key index to build
    /// at commit.
    private let deferredKeyIndex: DeferredKeyIndex?
    /// Called once when the load ends (committed or rolled back).
    private let onEnd: (_ committed: Bool) -> Void
    private var rowsWritten: Int64 = 0
    private var failure: PluginError?
    private var ended = false

    private init(request: TableRequest, db: SQLiteConnection, host: HostContext, staging: String?, target: String,
                 statement: SQLiteStatement, groupStatement: SQLiteStatement?, groupRows: Int, binders: [ColumnBinder],
                 keyColumns: [Int], pragmas: LoadPragmas, presentKeys: PresentKeys?,
                 deferredKeyIndex: DeferredKeyIndex?, onEnd: @escaping (_ committed: Bool) -> Void) {
        self.request = request
        self.db = db
        self.host = host
        self.staging = staging
        self.target = target
        self.statement = statement
        self.groupStatement = groupStatement
        self.groupRows = groupRows
        self.binders = binders
        self.keyColumns = keyColumns
        self.pragmas = pragmas
        self.presentKeys = presentKeys
        self.deferredKeyIndex = deferredKeyIndex
        self.onEnd = onEnd
        scratch = .allocate(capacity: DateText.capacity * max(binders.count, 1) * max(groupRows, 1))
    }

    deinit {
        // The kit always ends a writer with commit or rollback; this is a
        // safety net so that a transaction never outlives its writer.
        rollback()
        scratch.deallocate()
    }

    /// Starts the load described by `request`: sets the pragmas, begins the
    /// transaction, prepares the tables and the INSERT.
    ///
    /// - Parameters:
    ///   - stagingName: a name for a staging table, unique in the database.
    ///   - onEnd: called once when the load ends, with whether it committed.
    static func begin(_ request: TableRequest, db: SQLiteConnection, host: HostContext, stagingName: String,
                      onEnd: @escaping (_ committed: Bool) -> Void) throws -> SQLiteTableWriter {
        try validate(request)
        let table = request.table
        let pragmas = try LoadPragmas.apply(on: db, table: table)
        do {
            try db.execute("BEGIN IMMEDIATE", "table \"\(table)\": starting the load transaction (BEGIN IMMEDIATE)")
        } catch {
            pragmas.restore(on: db)
            throw error
        }
        do {
            let builder = TableBuilder(db: db, host: host)
            let incoming = request.schema.fields.map(StoredType.init)
            var staging: String?
            var target = table
            var types = incoming
            var deferredKeyIndex: DeferredKeyIndex?
            switch request.mode {
            case .replace:
                try builder.dropStaleStaging(of: table)
                _ = try TableCatalog.read(table, in: db)  // refuses a view now rather than at commit
                try builder.create(stagingName, columns: definitions(request.schema), for: table)
                staging = stagingName
                target = stagingName
            case .append, .upsert:
                if let existing = try TableCatalog.read(table, in: db) {
                    target = existing.name
                    types = try evolve(existing, to: request, builder: builder, stagingName: stagingName)
                } else {
                    try builder.create(table, columns: definitions(request.schema), for: table)
                    if request.mode == .upsert {
                        deferredKeyIndex = DeferredKeyIndex(
                            request: request, uniqueSuffix: stagingName.dropFirst(SQLName.reservedPrefix.count))
                    }
                }
                if request.mode == .upsert, deferredKeyIndex == nil {
                    try builder.ensureKeyIndex(on: table, keys: request.keyColumns)
                }
            }
            let binders = request.schema.fields.enumerated().map { index, field in
                ColumnBinder(column: index, type: field.type, target: types[index])
            }
            let merging = request.mode == .upsert && deferredKeyIndex == nil
            let statement = try db.prepare(insertSQL(request, into: target, rows: 1, merging: merging),
                                           "table \"\(table)\": preparing the INSERT")
            let limit = Int(sqlite3_limit(db.handle, SQLITE_LIMIT_VARIABLE_NUMBER, -1))
            let groupRows = min(maximumGroupRows, limit / request.schema.count)
            let groupStatement = groupRows > 1
                ? try db.prepare(insertSQL(request, into: target, rows: groupRows, merging: merging),
                                 "table \"\(table)\": preparing the INSERT of \(groupRows) rows") : nil
            let keys = request.mode == .upsert ? request.keyColumns.compactMap { request.schema.index(of: $0) } : []
            let presentKeys = request.deletions == .keep ? nil
                : try PresentKeys(request: request, keyIndexes: keys, storedTypes: types, db: db,
                                  name: "_etl_present_" + stagingName.dropFirst(SQLName.reservedPrefix.count))
            return SQLiteTableWriter(request: request, db: db, host: host, staging: staging, target: target,
                                     statement: statement, groupStatement: groupStatement, groupRows: groupRows,
                                     binders: binders, keyColumns: keys, pragmas: pragmas, presentKeys: presentKeys,
                                     deferredKeyIndex: deferredKeyIndex, onEnd: onEnd)
        } catch {
            if db.inTransaction { try? db.execute("ROLLBACK", "") }
            pragmas.restore(on: db)
            throw error
        }
    }

    // MARK: TableWriter

    func write(batch: ImportedBatch) throws {
        try checkUsable("write")
        do {
            try insert(batch)
            try presentKeys?.record(writtenBatch: batch)
        } catch {
            let error = PluginError.wrapping(error)
            failure = error
            throw error
        }
    }

    func writePresentKeys(batch: ImportedBatch) throws {
        try checkUsable("record present keys")
        guard let presentKeys else {
            throw PluginError.invalidArgument("table \"\(request.table)\": present keys were given to a load "
                + "begun without deletions")
        }
        do {
            try presentKeys.record(keyBatch: batch)
        } catch {
            failure = error
            throw error
        }
    }

    func commit(_ commit: CommitRequest) throws {
        try checkUsable("commit")
        let table = request.table
        statement = nil
        groupStatement = nil
        do {
            if let staging {
                let old = try TableCatalog.read(table, in: db)
                try TableBuilder(db: db, host: host).swap(staging, into: table, replacing: old,
                                                          skippingIndex: SQLName.keyIndex(for: table))
            }
            try deferredKeyIndex?.build(db: db, host: host)
            if let presentKeys {
                let changed = try presentKeys.apply(request.deletions, to: target)
                host.log(.info, "table \"\(table)\": \(request.deletions == .remove ? "removed" : "flagged") "
                    + "\(changed) row\(changed == 1 ? "" : "s") no longer at the source")
            }
            if let history = request.historyTable {
                try SQLiteHistory(db: db, host: host, request: request, history: history).apply(at: commit.loadInstant)
            }
            try Bookkeeping.write(commit, for: request, in: db)
            try db.execute("COMMIT", "table \"\(table)\": COMMIT")
        } catch {
            // Nothing is visible; the host rolls back next.
            let error = PluginError.wrapping(error)
            failure = error
            throw error
        }
        host.log(.debug, "table \"\(table)\": committed \(rowsWritten) rows (\(request.mode))")
        end(committed: true)
    }

    func rollback() {
        guard !ended else { return }
        statement = nil
        groupStatement = nil
        if db.inTransaction {
            do {
                try db.execute("ROLLBACK", "table \"\(request.table)\": ROLLBACK")
            } catch {
                host.log(.error, error.message)
            }
        }
        end(committed: false)
    }

    // MARK: Writing rows

    /// The most rows one multi-row INSERT carries: past a few dozen, the
    /// per-statement saving is gone and the statement only grows.
    static let maximumGroupRows = 32

    /// Inserts every row of `batch`: groups of ``groupRows`` rows with the
    /// multi-row INSERT, the rest one by one.
    private func insert(_ batch: ImportedBatch) throws(PluginError) {
        guard let single = statement?.handle else {
            throw PluginError.internalError("table \"\(request.table)\": the INSERT is gone")
        }
        for key in keyColumns where batch.nullCount(column: key) > 0 {
            let row = (0..<batch.rowCount).first { batch.isNull(row: $0, column: key) } ?? 0
            throw PluginError.data("table \"\(request.table)\": upsert key column "
                + "\"\(batch.schema.fields[key].name)\" is null in row \(rowsWritten + Int64(row) + 1) of the load "
                + "(row \(row + 1) of its batch); every row needs a key to be merged on")
        }
        let refused = try offerUnstorableRows(batch)
        // Text and blobs are bound in place: clear them before the batch goes.
        defer {
            sqlite3_clear_bindings(single)
            if let group = groupStatement?.handle { sqlite3_clear_bindings(group) }
        }
        let values = binders.map { ColumnValues(batch, column: $0.column) }
        var row = 0
        if refused.isEmpty, let group = groupStatement?.handle, batch.rowCount >= groupRows {
            while row + groupRows <= batch.rowCount {
                let status = try step(group, rows: row..<row + groupRows, of: batch, values: values)
                if status != SQLITE_DONE {
                    // The statement was undone as a whole. For a data error,
                    // redo its rows one by one to name the row that fails;
                    // anything else fails the load as it is.
                    let primary = status & 0xFF
                    guard primary == SQLITE_CONSTRAINT || primary == SQLITE_MISMATCH || primary == SQLITE_TOOBIG,
                          db.inTransaction
                    else {
                        throw rowFailure(status, rows: row..<row + groupRows)
                    }
                    break
                }
                row += groupRows
            }
        }
        while row < batch.rowCount {
            if refused.contains(row) {
                row += 1
                continue
            }
            let status = try step(single, rows: row..<row + 1, of: batch, values: values)
            if status != SQLITE_DONE { throw rowFailure(status, rows: row..<row + 1) }
            row += 1
        }
        rowsWritten += Int64(batch.rowCount)
    }

    /// Binds `rows` of `batch` to `statement` (one set of parameters per
    /// row; `values` holds each binder's column, in binder order), steps
    /// it and resets it; returns the step's status.
    @inline(__always)
    private func step(_ statement: OpaquePointer, rows: Range<Int>, of batch: ImportedBatch,
                      values: [ColumnValues]) throws(PluginError) -> Int32 {
        let columns = Int32(binders.count)
        var base: Int32 = 1
        for row in rows {
            for (binder, column) in zip(binders, values) {
                // Each parameter's date text stays in its own slot until the step.
                let slot = (Int(base) - 1 + binder.column) * DateText.capacity
                guard let status = binder.bind(column, row: row, to: statement, parameter: base + Int32(binder.column),
                                               scratch: scratch + slot)
                else {
                    throw inexact(binder, row: row, batch: batch)
                }
                if status != SQLITE_OK { throw rowFailure(status, rows: row..<row + 1) }
            }
            base += columns
        }
        let status = sqlite3_step(statement)
        sqlite3_reset(statement)
        return status
    }

    /// The error for a failed bind or step at `row` of the current batch,
    /// naming the live table (not the staging one) and the row number.
    private func rowFailure(_ status: Int32, rows: Range<Int>) -> PluginError {
        let first = rowsWritten + Int64(rows.lowerBound) + 1
        let which = rows.count == 1 ? "row \(first)" : "rows \(first)-\(first + Int64(rows.count) - 1)"
        var error = db.failure(status, "table \"\(request.table)\": INSERT of \(which)")
        if let staging { error.message = error.message.replacingAll(staging, with: request.table) }
        return error
    }

    /// The rows of `batch` holding a value SQLite cannot store (NaN, or an
    /// integer beyond 2^53, going into REAL), each offered to the host
    /// (`reject`, the user's `--max-bad-rows`): the rows it took, to skip;
    /// the error for the first one it did not take.
    private func offerUnstorableRows(_ batch: ImportedBatch) throws(PluginError) -> Set<Int> {
        var refused: Set<Int> = []
        for binder in binders where binder.mayRefuse {
            for row in 0..<batch.rowCount where !refused.contains(row) {
                guard let (text, reason) = binder.unstorableValue(batch, row: row) else { continue }
                let column = batch.schema.fields[binder.column].name
                let taken = text.utf8CString.withUnsafeBytes { bytes in
                    host.reject(stream: request.table, location: "table \"\(request.table)\" row \(rowsWritten + Int64(row) + 1) of the load",
                                raw: UnsafeRawBufferPointer(rebasing: bytes.dropLast()), reason: "column \"\(column)\" \(reason)")
                }
                guard taken else { throw inexact(binder, row: row, batch: batch) }
                refused.insert(row)
            }
        }
        return refused
    }

    private func inexact(_ binder: ColumnBinder, row: Int, batch: ImportedBatch) -> PluginError {
        PluginError.data("table \"\(request.table)\": column \"\(batch.schema.fields[binder.column].name)\" "
            + "is REAL but row \(rowsWritten + Int64(row) + 1) \(binder.unstorable(batch, row: row))")
    }

    // MARK: State

    /// Throws unless the load can go on: not ended, no earlier failed
    /// write, and its transaction still open (SQLite rolls back by itself
    /// after some errors, such as a full disk).
    private func checkUsable(_ operation: String) throws(PluginError) {
        let table = request.table
        guard !ended else {
            throw PluginError.internalError("table \"\(table)\": \(operation) after the load ended")
        }
        if let failure {
            throw PluginError(failure.code, "table \"\(table)\": cannot \(operation) after a failed "
                + "write (\(failure.message)); roll the load back")
        }
        guard db.inTransaction else {
            throw PluginError.io("table \"\(table)\": the load's transaction was rolled back by SQLite "
                + "after an earlier error; nothing was written")
        }
    }

    private func end(committed: Bool) {
        ended = true
        pragmas.restore(on: db)
        onEnd(committed)
    }

    // MARK: Planning

    /// Refuses names SQLite or the plugin reserve, tables without columns,
    /// and columns that SQLite would see as the same.
    private static func validate(_ request: TableRequest) throws(PluginError) {
        let table = request.table
        guard !table.isEmpty else { throw PluginError.invalidArgument("the table name is empty") }
        if let history = request.historyTable { try SQLiteHistory.validate(history, of: table) }
        let key = SQLName.key(table)
        // The host's rejects table is the one _etl_ table loaded through begin().
        guard !key.hasPrefix(SQLName.reservedPrefix) || key == "_etl_rejects" else {
            throw PluginError.invalidArgument("table \"\(table)\": names beginning with \"_etl_\" are "
                + "reserved for the warehouse's own tables (_etl_state, _etl_runs, _etl_schemas, _etl_rejects, staging)")
        }
        guard !key.hasPrefix("sqlite_") else {
            throw PluginError.invalidArgument("table \"\(table)\": names beginning with \"sqlite_\" "
                + "are reserved by SQLite")
        }
        guard !request.schema.fields.isEmpty else {
            throw PluginError.invalidArgument("table \"\(table)\": the schema has no columns; a SQLite "
                + "table needs at least one")
        }
        var seen: [String: String] = [:]
        for field in request.schema.fields {
            if let other = seen[SQLName.key(field.name)] {
                throw PluginError.invalidArgument("table \"\(table)\": columns \"\(other)\" and "
                    + "\"\(field.name)\" are the same column in SQLite (names differ only in ASCII case); "
                    + "rename one")
            }
            seen[SQLName.key(field.name)] = field.name
        }
        for key in request.keyColumns where seen[SQLName.key(key)] == nil {
            throw PluginError.invalidArgument("table \"\(table)\": key column \"\(key)\" is not in the "
                + "schema; its columns are \(request.schema.fields.map { "\"\($0.name)\"" }.joined(separator: ", "))")
        }
        if request.mode == .upsert, request.keyColumns.isEmpty {
            throw PluginError.invalidArgument("table \"\(table)\": upsert needs key columns")
        }
    }

    /// The column definitions of a new table for `schema`.
    private static func definitions(_ schema: ArrowBatchSchema) -> [ColumnDefinition] {
        schema.fields.map { ColumnDefinition(name: $0.name, declared: StoredType($0).declaration) }
    }

    /// Adds the columns `existing` lacks and widens those too narrow for
    /// the request's schema; returns the stored type of each column of the
    /// schema after that.
    private static func evolve(_ existing: TableInfo, to request: TableRequest, builder: TableBuilder,
                               stagingName: String) throws -> [StoredType] {
        var types: [StoredType] = []
        var widened: [String: StoredType] = [:]
        var added: [ColumnDefinition] = []
        for field in request.schema.fields {
            let incoming = StoredType(field)
            guard let column = existing.column(field.name) else {
                added.append(ColumnDefinition(name: field.name, declared: incoming.declaration))
                types.append(incoming)
                continue
            }
            let current = column.type
            var wanted = current.widened(toHold: incoming)
            if current == .untyped, wanted != .untyped,
               try holdsValues(column.name, in: existing.name, table: request.table, db: builder.db) {
                // A column without a type that holds values of any kind
                // (made by another tool): it stores what it is given as is.
                wanted = .untyped
            }
            if wanted != current { widened[SQLName.key(column.name)] = wanted }
            types.append(wanted)
        }
        if widened.isEmpty {
            for column in added { try builder.addColumn(column, to: existing.name) }
        } else {
            try builder.rebuild(existing, types: widened, added: added, staging: stagingName, table: request.table)
        }
        return types
    }

    private static func holdsValues(_ column: String, in source: String, table: String,
                                    db: SQLiteConnection) throws(PluginError) -> Bool {
        try !db.rows("SELECT 1 FROM \(SQLName.quoted(source)) WHERE \(SQLName.quoted(column)) IS NOT NULL LIMIT 1",
                     [], "table \"\(table)\": reading column \"\(column)\"").isEmpty
    }

    /// `INSERT INTO target (columns) VALUES (?1, ...), ...` for `rows`
    /// rows, and when `merging` (an upsert into an indexed table)
    /// `ON CONFLICT (keys) DO UPDATE SET column = excluded.column, ...`.
    private static func insertSQL(_ request: TableRequest, into target: String, rows: Int, merging: Bool) -> String {
        let names = request.schema.fields.map(\.name)
        let values = (0..<rows).map { row in
            "(" + (1...names.count).map { "?\(row * names.count + $0)" }.joined(separator: ", ") + ")"
        }
        var sql = "INSERT INTO \(SQLName.quoted(target)) (\(names.map(SQLName.quoted).joined(separator: ", "))) "
            + "VALUES \(values.joined(separator: ", "))"
        guard merging else { return sql }
        let keys = Set(request.keyColumns.map(SQLName.key))
        let updates = names.filter { !keys.contains(SQLName.key($0)) }
            .map { "\(SQLName.quoted($0)) = excluded.\(SQLName.quoted($0))" }
        sql += " ON CONFLICT (\(request.keyColumns.map(SQLName.quoted).joined(separator: ", "))) "
        sql += updates.isEmpty ? "DO NOTHING" : "DO UPDATE SET \(updates.joined(separator: ", "))"
        return sql
    }
}

import ETLPluginKit
import ETLPostgresShared

/// One table load: a single transaction from begin to commit, rows sent
/// with binary COPY (one COPY for every batch of the load).
///
/// - replace: rows go into a staging table created in the transaction
///   (`COPY ... FREEZE`); commit drops the live table, renames the staging
///   table into place and recreates the old table's indexes, constraints,
///   triggers, privileges, owner and comment, in the same transaction.
/// - append: rows go into the live table (created if missing); columns the
///   table lacks are added, and columns too narrow are widened.
/// - upsert: as append, but rows go into a temporary table; commit merges
///   them with `INSERT ... SELECT ... ON CONFLICT (keys) DO UPDATE`, which
///   rewrites only the rows that changed. Into a table the load creates,
///   commit inserts the last row of each key and then builds the unique
///   key index (one sort, instead of keeping the index up row by row).
///
/// A table column of another type than the plugin's own (`integer`,
/// `varchar(20)`, `uuid`, ...) is filled through a temporary table too,
/// with PostgreSQL's casts. Commit writes the state, run record and schema
/// in the same transaction and then commits. A failed write poisons the
/// load: only a rollback is possible.
final class PostgresTableWriter: TableWriter {
    /// Where the rows go until commit.
    private enum Plan {
        /// COPY into the staging table; commit swaps it in.
        case swap(staging: String)
        /// COPY straight into the live table.
        case direct
        /// COPY into a temporary table; commit runs `statement` (after
        /// ANALYZE of the temporary table, for an upsert). Each row carries
        /// its number in the load in `ordinal`; `casts` are the columns a
        /// cast converts, searched when the merge refuses a value;
        /// `buildsKeyIndex`: the upsert's key index is made after the
        /// merge (a table created by this load).
        case merge(temporary: String, statement: String, analyze: Bool, ordinal: String, casts: [CastRefusal.Column],
                   buildsKeyIndex: Bool)
    }

    private let request: TableRequest
    private let db: PGConnection
    private let host: HostContext
    private let schema: String
    private let plan: Plan
    /// `COPY <target> (<columns>) FROM STDIN (FORMAT binary...)`.
    private let copySQL: String
    /// The name COPY writes into, replaced by the table's in messages.
    private let copyTarget: String
    private let encoders: [ColumnEncoder]
    /// Upsert: whether each row also carries its ordinal (the last of the
    /// same key wins).
    private let carriesOrdinal: Bool
    /// Upsert: the batch columns of the key, checked for nulls.
    private let keyColumns: [Int]
    private let skippedIndex: String
    /// Upsert with deletions: the keys still at the source.
    private let presentKeys: PresentKeys?
    private let buffer = CopyBuffer()
    /// Room to format a date or timestamp.
    private let scratch: UnsafeMutablePointer<UInt8>
    /// Called once when the load ends (committed or rolled back).
    private let onEnd: () -> Void
    private var rowsWritten: Int64 = 0
    /// The load's COPY while it is open: one COPY carries every batch, so
    /// that the server stores one batch while the host prepares the next.
    private var copy: CopySink?
    private var failure: PostgresError?
    private var ended = false

    private init(request: TableRequest, db: PGConnection, host: HostContext, schema: String, plan: Plan,
                 copySQL: String, copyTarget: String, encoders: [ColumnEncoder], carriesOrdinal: Bool,
                 keyColumns: [Int], skippedIndex: String, presentKeys: PresentKeys?, onEnd: @escaping () -> Void) {
        self.request = request
        self.db = db
        self.host = host
        self.schema = schema
        self.plan = plan
        self.copySQL = copySQL
        self.copyTarget = copyTarget
        self.encoders = encoders
        self.carriesOrdinal = carriesOrdinal
        self.keyColumns = keyColumns
        self.skippedIndex = skippedIndex
        self.presentKeys = presentKeys
        self.onEnd = onEnd
        scratch = .allocate(capacity: DateText.capacity)
    }

    deinit {
        // The kit always ends a writer with commit or rollback; this is a
        // safety net so that a transaction never outlives its writer.
        rollback()
        scratch.deallocate()
    }

    /// Starts the load described by `request`: begins the transaction,
    /// creates or evolves the tables, and plans where the rows go.
    ///
    /// - Parameters:
    ///   - names: unique names for a staging or temporary table.
    ///   - onEnd: called once when the load ends.
    static func begin(_ request: TableRequest, db: PGConnection, host: HostContext, config: PostgresConfig,
                      identifierLimit: Int, stagingName: String, temporaryName: String,
                      onEnd: @escaping () -> Void) throws(PostgresError) -> PostgresTableWriter {
        try validate(request, schema: config.schema, limit: identifierLimit)
        if let history = request.historyTable {
            try PostgresHistory.validate(history, of: request.table, limit: identifierLimit)
        }
        let table = request.table
        let what = "table \"\(table)\""
        // A connection an earlier load or read lost (the server restarted,
        // the network dropped) is replaced before anything is begun.
        try db.reopenIfLost()
        if db.inTransaction, db.isAlive {
            try db.execute("ROLLBACK", "\(what): ending an abandoned transaction")
        }
        let start = "BEGIN; SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; "
            + "SET LOCAL extra_float_digits = 1; SET LOCAL lock_timeout = \(config.lockTimeoutMilliseconds)"
        do throws(PostgresError) {
            try db.execute(start, "\(what): starting the load transaction")
        } catch where !db.isAlive {
            // The connection looked alive but the server had closed it
            // while it was idle: nothing was begun, so reconnect once and
            // begin again.
            try db.reconnect(because: error.message)
            try db.execute(start, "\(what): starting the load transaction")
        }
        do throws(PostgresError) {
            let builder = TableBuilder(db: db, host: host, schema: config.schema, table: table)
            try builder.ensureSchema()
            let fields = request.schema.fields
            let keyIndex = PGName.keyIndex(for: table, limit: identifierLimit)
            var plan: Plan
            var info: TableInfo?
            var createdNow = false
            switch request.mode {
            case .replace:
                // Refuses a view now rather than at commit.
                let existing = try TableCatalog.read(table, schema: config.schema, in: db)
                if let existing, existing.isPartitioned {
                    throw PostgresError.invalidArgument("\(what): it is a partitioned table, and replace would swap a "
                        + "plain table in for it; load it with append or upsert")
                }
                // Refuses what the swap would refuse (checked again at commit) before any row is loaded.
                if let existing {
                    try DependentViews.read(of: existing, in: db).check(columns: Set(fields.map(\.name)), what)
                }
                try builder.create(stagingName, fields: fields)
                plan = .swap(staging: stagingName)
                createdNow = true
            case .append, .upsert:
                info = try TableCatalog.read(table, schema: config.schema, in: db)
                if info == nil {
                    // Two loads creating the table at once would collide.
                    try Bookkeeping.lockCreation(in: config.schema, db: db)
                    info = try TableCatalog.read(table, schema: config.schema, in: db)
                }
                if let existing = info {
                    info = try builder.evolve(existing, to: fields)
                } else {
                    try builder.create(table, fields: fields)
                    info = try TableCatalog.read(table, schema: config.schema, in: db)
                    createdNow = true
                }
                plan = .direct
            }
            // The table column each field goes into, and how.
            let targets: [ColumnInfo?] = fields.map { field in info?.column(field.name) }
            var encoders: [ColumnEncoder] = []
            for (index, field) in fields.enumerated() {
                let target = targets[index]
                guard let encoder = ColumnEncoder(column: index, field: field, target: target?.wireType ?? PGType(field),
                                                  limit: target?.decimal) else {
                    throw PostgresError.invalidArgument("\(what): column \"\(field.name)\" is "
                        + "\(target?.declared ?? "?") and cannot hold \(field.type) values")
                }
                encoders.append(encoder)
            }
            let exact = targets.allSatisfy { $0?.isExact ?? true }
            var copyTarget = table
            var copySQL: String
            let columnList = fields.map { PGName.quoted($0.name) }.joined(separator: ", ")
            var ordinal = false
            if request.mode == .upsert || !exact {
                guard let info else { throw PostgresError.internalError("\(what): no table to merge into") }
                if request.mode == .upsert, !createdNow {
                    try builder.ensureKeyIndex(on: info, keys: request.keyColumns, index: keyIndex)
                }
                // The last row of a key wins an upsert; a refused cast is
                // traced to its row.
                ordinal = true
                let ordinalName = Self.ordinalColumn(avoiding: fields.map(\.name))
                var definitions = zip(fields, targets).map { field, target in
                    "\(PGName.quoted(field.name)) \((target?.wireType ?? PGType(field)).declaration)"
                }
                if ordinal { definitions.append("\(PGName.quoted(ordinalName)) bigint") }
                try db.execute("CREATE TEMPORARY TABLE \(PGName.quoted(temporaryName)) "
                    + "(\(definitions.joined(separator: ", "))) ON COMMIT DROP",
                    "\(what): creating the temporary table of the load")
                copyTarget = temporaryName
                copySQL = "COPY pg_temp.\(PGName.quoted(temporaryName)) FROM STDIN (FORMAT binary)"
                let casts = zip(fields, targets).compactMap { field, target -> CastRefusal.Column? in
                    guard let target, !target.isExact else { return nil }
                    return CastRefusal.Column(name: field.name, value: Self.mergeValue(field.name, into: target),
                                              declared: target.declared)
                }
                plan = .merge(temporary: temporaryName,
                              statement: Self.mergeSQL(request, schema: config.schema, temporary: temporaryName,
                                                       targets: targets, ordinalName: ordinalName,
                                                       intoNewTable: createdNow),
                              analyze: request.mode == .upsert, ordinal: ordinalName, casts: casts,
                              buildsKeyIndex: request.mode == .upsert && createdNow)
            } else {
                if case .swap(let staging) = plan { copyTarget = staging }
                copySQL = "COPY \(PGName.qualified(config.schema, copyTarget)) (\(columnList)) FROM STDIN "
                    + "(FORMAT binary\(createdNow ? ", FREEZE" : ""))"
            }
            let keys = request.mode == .upsert ? request.keyColumns.compactMap { request.schema.index(of: $0) } : []
            var presentKeys: PresentKeys?
            if request.deletions != .keep {
                var keyEncoders: [ColumnEncoder] = []
                var declarations: [String] = []
                for (position, index) in keys.enumerated() {
                    let field = fields[index]
                    let target = targets[index]?.wireType ?? PGType(field)
                    guard let encoder = ColumnEncoder(column: position, field: field, target: target,
                                                      limit: targets[index]?.decimal) else {
                        throw PostgresError.invalidArgument("\(what): key column \"\(field.name)\" cannot hold its keys")
                    }
                    keyEncoders.append(encoder)
                    declarations.append(target.declaration)
                }
                presentKeys = try PresentKeys(request: request, declarations: declarations, encoders: keyEncoders,
                                              name: temporaryName + "_keys", db: db)
            }
            return PostgresTableWriter(request: request, db: db, host: host, schema: config.schema, plan: plan,
                                       copySQL: copySQL, copyTarget: copyTarget, encoders: encoders,
                                       carriesOrdinal: ordinal, keyColumns: keys, skippedIndex: keyIndex,
                                       presentKeys: presentKeys, onEnd: onEnd)
        } catch {
            if db.inTransaction { _ = try? db.execute("ROLLBACK", "") }
            throw error
        }
    }

    // MARK: TableWriter

    func write(batch: ImportedBatch) throws {
        do {
            try checkUsable("write")
            try send(batch)
        } catch {
            let error = PostgresError.wrapping(error)
            failure = error
            if copy != nil {
                copy = nil
                db.abortCopy("the load failed")
            }
            throw error.pluginError
        }
    }

    func writePresentKeys(batch: ImportedBatch) throws {
        do {
            try checkUsable("record present keys")
            guard let presentKeys else {
                throw PostgresError.invalidArgument("table \"\(request.table)\": present keys were given to a "
                    + "load begun without deletions")
            }
            // One COPY at a time per connection: the rows' COPY ends here
            // (a later write starts another).
            try endCopy()
            try presentKeys.send(batch, db: db)
        } catch {
            let error = PostgresError.wrapping(error)
            failure = error
            throw error.pluginError
        }
    }

    func commit(_ commit: CommitRequest) throws {
        let table = request.table
        do {
            try checkUsable("commit")
            try endCopy()
            switch plan {
            case .swap(let staging):
                // The table as it is now (another session may have changed it since begin).
                let old = try TableCatalog.read(table, schema: schema, in: db)
                try TableBuilder(db: db, host: host, schema: schema, table: table)
                    .swap(staging, into: table, replacing: old, skippingIndex: skippedIndex)
            case .direct:
                break
            case .merge(let temporary, let statement, let analyze, let ordinal, let casts, let buildsKeyIndex):
                if let presentKeys {
                    // Before the merge, which drops the loaded rows equal to the stored ones.
                    let changed = try presentKeys.apply(request.deletions, live: PGName.qualified(schema, table),
                                                        loaded: temporary, db: db)
                    host.log(.info, "table \"\(table)\": \(request.deletions == .remove ? "removed" : "flagged") "
                        + "\(changed) row\(changed == 1 ? "" : "s") no longer at the source")
                }
                try merge(statement, temporary: temporary, analyze: analyze, ordinal: ordinal, casts: casts)
                if buildsKeyIndex, let info = try TableCatalog.read(table, schema: schema, in: db) {
                    try TableBuilder(db: db, host: host, schema: schema, table: table)
                        .ensureKeyIndex(on: info, keys: request.keyColumns, index: skippedIndex)
                }
            }
            if let history = request.historyTable {
                try PostgresHistory(db: db, host: host, request: request, schema: schema, history: history)
                    .apply(at: commit.loadInstant)
            }
            try Bookkeeping.write(commit, for: request, schema: schema, in: db)
            try db.execute("COMMIT", "table \"\(table)\": COMMIT")
        } catch {
            // Nothing is visible; the host rolls back next.
            let error = PostgresError.wrapping(error)
            failure = error
            throw error.pluginError
        }
        host.log(.debug, "table \"\(table)\": committed \(rowsWritten) rows (\(request.mode))")
        end()
    }

    func rollback() {
        guard !ended else { return }
        if copy != nil {
            copy = nil
            db.abortCopy("the load was rolled back")
        }
        if db.inTransaction {
            do {
                try db.execute("ROLLBACK", "table \"\(request.table)\": ROLLBACK")
            } catch {
                host.log(.error, error.message)
            }
        }
        end()
    }

    // MARK: Writing rows

    /// What messages about the load's COPY say was being done.
    private var copying: String { "table \"\(request.table)\": loading the rows (COPY)" }

    /// Sends every row of `batch` into the load's COPY (begun at the first
    /// batch), and what is buffered at its end, so that the server works on
    /// it while the host prepares the next batch.
    private func send(_ batch: ImportedBatch) throws(PostgresError) {
        guard batch.rowCount > 0 else { return }
        let table = request.table
        for key in keyColumns where batch.nullCount(column: key) > 0 {
            let row = (0..<batch.rowCount).first { batch.isNull(row: $0, column: key) } ?? 0
            throw PostgresError.data("table \"\(table)\": upsert key column \"\(batch.schema.fields[key].name)\" "
                + "is null in row \(rowsWritten + Int64(row) + 1) of the load (row \(row + 1) of its batch); every "
                + "row needs a key to be merged on")
        }
        let sink: CopySink
        if let copy {
            sink = copy
        } else {
            do throws(PostgresError) {
                sink = try db.beginCopy(copySQL, copying)
            } catch {
                throw relabel(error)
            }
            copy = sink
            buffer.count = 0
            buffer.appendHeader()
        }
        let first = rowsWritten + 1
        let fieldCount = Int16(encoders.count + (carriesOrdinal ? 1 : 0))
        for row in 0..<batch.rowCount {
            buffer.append(fieldCount)
            for encoder in encoders {
                do throws(ColumnEncoder.Refusal) {
                    try encoder.encode(batch, row: row, into: buffer, scratch: scratch)
                } catch {
                    throw refusal(error, column: batch.schema.fields[encoder.column].name, row: first + Int64(row))
                }
            }
            if carriesOrdinal {
                buffer.append(Int32(8))
                buffer.append(first + Int64(row))
            }
            if buffer.count >= CopyBuffer.chunkSize {
                buffer.flush(to: sink)
                if sink.failed { try serverRefusal(sink) }
            }
        }
        buffer.flush(to: sink)
        if sink.failed { try serverRefusal(sink) }
        rowsWritten += Int64(batch.rowCount)
    }

    /// Throws the server's reason for refusing the COPY's data (it stops
    /// taking data once a row fails), naming the row of the load.
    private func serverRefusal(_ sink: CopySink) throws(PostgresError) {
        copy = nil
        do throws(PostgresError) {
            try db.endCopy(sink, copying)
        } catch {
            throw relabel(error)
        }
        throw PostgresError.internalError("\(copying): the server refused data but reported no error")
    }

    /// Ends the load's COPY, if one is open, and waits for the server to
    /// have stored every row.
    private func endCopy() throws(PostgresError) {
        guard let sink = copy else { return }
        copy = nil
        buffer.appendTrailer()
        buffer.flush(to: sink)
        do throws(PostgresError) {
            try db.endCopy(sink, copying)
        } catch {
            throw relabel(error)
        }
    }

    /// The error for a value the encoder refused, naming column and row.
    private func refusal(_ refusal: ColumnEncoder.Refusal, column: String, row: Int64) -> PostgresError {
        let place = "table \"\(request.table)\": column \"\(column)\", row \(row) of the load"
        switch refusal {
        case .inexactDouble:
            return .data("\(place): an integer that double precision cannot represent exactly (beyond 2^53); "
                + "load the column as text instead")
        case .dateOutOfRange:
            return .data("\(place): a date outside PostgreSQL's range (4713 BC to 5874897 AD)")
        case .timestampOutOfRange:
            return .data("\(place): a timestamp outside PostgreSQL's range (4713 BC to 294276 AD)")
        case .notJSONNumber:
            return .data("\(place): a number JSON cannot hold (NaN, infinity or not a JSON number) going into a "
                + "jsonb column")
        case .decimal(.malformed):
            return .data("\(place): not a decimal number")
        case .decimal(.tooLarge):
            return .data("\(place): a decimal with more digits than numeric holds (131072 before the point, "
                + "16383 after)")
        case .decimal(.exceeds(let precision, let scale)):
            return .data("\(place): a decimal with more digits than the column's numeric(\(precision),\(scale)) "
                + "holds; PostgreSQL would round it")
        }
    }

    /// A server error about the staging or temporary table, told about the
    /// table itself.
    private func relabel(_ error: PostgresError) -> PostgresError {
        var error = error
        error.message = error.message.replacingAll("\"\(copyTarget)\"", with: "\"\(request.table)\"")
            .replacingAll(copyTarget, with: request.table)
        return error
    }

    /// Runs the merge of an upsert or a cast load. For an upsert, the
    /// planner first gets the temporary table's statistics (so that it
    /// joins it with a hash, not a million index probes), and the
    /// transaction gets at least ``mergeWorkMemory`` of `work_mem` (so that
    /// the sort that keeps the last row of each key stays in memory).
    ///
    /// When a cast refuses a value (SQLSTATE class 22), the merge is undone
    /// to a savepoint and ``CastRefusal`` finds the column and the row,
    /// which the error then names.
    private func merge(_ statement: String, temporary: String, analyze: Bool, ordinal: String,
                       casts: [CastRefusal.Column]) throws(PostgresError) {
        let what = "table \"\(request.table)\": merging the loaded rows (INSERT ... SELECT)"
        if analyze {
            try db.execute("ANALYZE pg_temp.\(PGName.quoted(temporary))", "\(what): ANALYZE of the loaded rows")
            try db.execute("SELECT pg_catalog.set_config('work_mem', '\(Self.mergeWorkMemory)', true) WHERE "
                + "pg_catalog.pg_size_bytes(pg_catalog.current_setting('work_mem')) < "
                + "pg_catalog.pg_size_bytes('\(Self.mergeWorkMemory)')", "\(what): raising work_mem")
        }
        if !casts.isEmpty { try db.execute("SAVEPOINT _etl_merge", "\(what): SAVEPOINT") }
        do throws(PostgresError) {
            try db.execute(statement, what)
        } catch where !casts.isEmpty && error.sqlState?.hasPrefix("22") == true && db.isAlive {
            guard (try? db.execute("ROLLBACK TO SAVEPOINT _etl_merge", "")) != nil,
                  let place = CastRefusal(db: db, temporary: temporary, ordinal: ordinal, columns: casts,
                                          rows: rowsWritten).locate(),
                  let state = error.sqlState
            else { throw error }
            var located = error
            located.message = error.message.replacingAll(
                "(SQLSTATE \(state)", with: "(SQLSTATE \(state); column \"\(place.column)\", row \(place.row) of the load")
            throw located
        }
    }

    /// What a merge selects for the loaded column `name` going into
    /// `target`: other types (and json) read their text, the plugin's
    /// families are assigned (PostgreSQL's assignment casts refuse what
    /// they would cut, such as a too long varchar).
    static func mergeValue(_ name: String, into target: ColumnInfo) -> String {
        target.loadsFromText ? "s.\(PGName.quoted(name))::\(target.declared)" : "s.\(PGName.quoted(name))"
    }

    /// The least `work_mem` of an upsert's merge.
    static let mergeWorkMemory = "256MB"

    // MARK: State

    /// Throws unless the load can go on: not ended, no earlier failed write
    /// or commit, and its transaction still open.
    private func checkUsable(_ operation: String) throws(PostgresError) {
        let table = request.table
        guard !ended else {
            throw PostgresError.internalError("table \"\(table)\": \(operation) after the load ended")
        }
        if let failure {
            throw PostgresError(failure.code, "table \"\(table)\": cannot \(operation) after a failed write or "
                + "commit (\(failure.message)); roll the load back", sqlState: failure.sqlState)
        }
        guard db.inTransaction, !db.transactionFailed else {
            throw PostgresError(.io, "table \"\(table)\": the load's transaction was rolled back (the connection "
                + "to \(db.server) was lost or a statement failed); nothing was written", retryable: !db.isAlive)
        }
    }

    private func end() {
        ended = true
        onEnd()
    }
}

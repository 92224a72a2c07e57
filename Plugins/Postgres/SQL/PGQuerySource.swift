import CPostgres
import ETLPluginKit
import ETLPostgresShared

/// The rows of one read-only query, served in batches of at most
/// ``batchRows`` rows from a server-side cursor.
///
/// How it streams, and why a cursor: the query runs in a `REPEATABLE READ
/// READ ONLY` transaction, as `DECLARE _etl_query NO SCROLL CURSOR FOR
/// <sql>`, and each batch is one `FETCH FORWARD 1024`. Every FETCH reads
/// the snapshot the transaction took (rows others commit meanwhile are not
/// seen), the server refuses anything that writes (SQLSTATE 25006), and
/// memory holds one batch whatever the result's size. libpq's chunked-rows
/// mode needs libpq 17 (Debian bookworm has 15); single-row mode makes one
/// result object per row, and a stream the host releases early would have
/// to receive (or cancel and drain) the rest of the rows before the
/// connection is usable again, where a cursor ends with its transaction.
///
/// Before the cursor, the SQL is prepared on its own (`PQprepare`): the
/// server then reports a syntax error at its position in the caller's SQL
/// and refuses two statements, and `PQdescribePrepared` gives the result
/// columns (none: refused). A statement a cursor cannot hold (`INSERT ...
/// RETURNING`, `SHOW`, `EXPLAIN`) is refused with the reason.
///
/// Column types: ``QueryColumn`` (README.md, "Queries").
final class PGQuerySource: BatchSource {
    /// Rows per batch (one FETCH).
    static let batchRows = 1024
    /// The cursor's name (one query at a time per connection).
    static let cursor = "_etl_query"
    /// What the plugin puts before the caller's SQL.
    static let declaration = "DECLARE \(cursor) NO SCROLL CURSOR FOR "

    let schema: ArrowBatchSchema
    private let db: PGConnection
    private let columns: [QueryColumn]
    /// Whether the transaction is still open (until the last FETCH or the
    /// release).
    private var open = true
    /// The first batch's rows, fetched by init so that a statement that
    /// fails at once (it writes, it divides by zero in its first rows)
    /// fails the query call itself.
    private var firstRows: PGRows?
    private var rowNumber = 0

    /// Starts `sql` on `db` (which has no transaction open): its
    /// transaction, prepared statement and cursor.
    ///
    /// - Throws: ``PostgresError``: `invalidArgument` for empty SQL, two
    ///   statements, transaction control, a statement without result
    ///   columns or one a cursor cannot hold, and what the server rejects
    ///   (with the offset of its position in `sql`).
    init(sql: String, db: PGConnection) throws(PostgresError) {
        if PGStatementText.isEmpty(sql) { throw .invalidArgument("the SQL holds no statement") }
        if let keyword = PGStatementText.transactionControl(in: sql) {
            throw PGStatementText.transactionControlRefusal(keyword)
        }
        self.db = db
        let started = try db.reading { () throws(PostgresError) -> (columns: [(String, QueryColumn)], rows: PGRows) in
            guard !db.inTransaction else { throw Self.streamStillOpen }
            try db.execute("""
                BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;
                SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, MDY';
                SET LOCAL extra_float_digits = 1; SET LOCAL bytea_output = 'hex'
                """, "starting the query's transaction")
            do throws(PostgresError) {
                let columns = try Self.describe(sql, on: db)
                let declared = PQexecParams(db.handle, Self.declaration + sql, 0, nil, nil, nil, nil, 0)
                defer { PQclear(declared) }
                guard let declared, PQresultStatus(declared) == PGRES_COMMAND_OK else {
                    throw Self.declareFailure(declared, on: db, sql: sql)
                }
                return (columns, try Self.fetch(on: db))
            } catch {
                Self.end(db)
                throw error
            }
        }
        columns = started.columns.map { $0.1 }
        firstRows = started.rows
        schema = ArrowBatchSchema(started.columns.map { $0.1.arrowField(named: $0.0) })
    }

    deinit {
        if open { Self.end(db) }
    }

    /// The refusal while an earlier query's stream holds the connection.
    static let streamStillOpen = PostgresError.invalidArgument("a query stream of this instance is still open; "
        + "release it first (one statement at a time per instance)")

    func nextBatch(into builder: ArrowBatchBuilder) throws -> Bool {
        guard open else { return false }
        do {
            let fetched: PGRows
            if let firstRows {
                fetched = firstRows
                self.firstRows = nil
            } else {
                fetched = try Self.fetch(on: db)
            }
            try append(fetched, to: builder)
            if fetched.count < Self.batchRows {
                open = false
                Self.end(db)
                return false
            }
            return true
        } catch {
            open = false
            Self.end(db)
            throw PostgresError.wrapping(error).pluginError
        }
    }

    private func append(_ rows: PGRows, to builder: ArrowBatchBuilder) throws(PostgresError) {
        let result = rows.result
        for row in 0..<Int32(rows.count) {
            rowNumber += 1
            for (index, column) in columns.enumerated() {
                let field = Int32(index)
                if PQgetisnull(result, row, field) != 0 {
                    builder.appendNull()
                    continue
                }
                let value = UnsafeRawBufferPointer(start: PQgetvalue(result, row, field),
                                                   count: Int(PQgetlength(result, row, field)))
                do throws(QueryValueFailure) {
                    try column.append(value, to: builder)
                } catch {
                    builder.discardRow()
                    throw .data("row \(rowNumber), column \"\(schema.fields[index].name)\": \(error.reason)")
                }
            }
            do { try builder.endRow() } catch { throw PostgresError.wrapping(error) }
        }
    }

    /// The next ``batchRows`` rows of the cursor.
    private static func fetch(on db: PGConnection) throws(PostgresError) -> PGRows {
        let result = PQexec(db.handle, "FETCH FORWARD \(batchRows) FROM \(cursor)")
        guard let result, PQresultStatus(result) == PGRES_TUPLES_OK else {
            defer { PQclear(result) }
            throw PGStatementText.failure(result, on: db, sql: nil)
        }
        return PGRows(result)
    }

    /// Ends the query's transaction (read only: nothing to keep); never
    /// fails (a lost connection has ended it already).
    private static func end(_ db: PGConnection) {
        guard db.isAlive, db.inTransaction else { return }
        _ = try? db.execute("ROLLBACK", "ending the query's transaction")
    }

    // MARK: Starting

    /// Prepares `sql` as the unnamed statement and returns its result
    /// columns: names and how each maps (types without a v1 type named by
    /// the server's `format_type`).
    private static func describe(_ sql: String, on db: PGConnection) throws(PostgresError) -> [(String, QueryColumn)] {
        let prepared = PQprepare(db.handle, "", sql, 0, nil)
        defer { PQclear(prepared) }
        guard let prepared, PQresultStatus(prepared) == PGRES_COMMAND_OK else {
            throw PGStatementText.failure(prepared, on: db, sql: sql)
        }
        let description = PQdescribePrepared(db.handle, "")
        defer { PQclear(description) }
        guard let description, PQresultStatus(description) == PGRES_COMMAND_OK else {
            throw PGStatementText.failure(description, on: db, sql: sql)
        }
        let count = PQnfields(description)
        guard count > 0 else {
            throw .invalidArgument("the statement returns no columns; run it with execute")
        }
        var columns: [(String, QueryColumn)] = []
        for index in 0..<count {
            let name = PQfname(description, index).map { String(cString: $0) } ?? "column\(index + 1)"
            let oid = PQftype(description, index)
            let modifier = PQfmod(description, index)
            if let column = QueryColumn(oid: oid, modifier: modifier) {
                columns.append((name, column))
            } else {
                let typeName = try db.query("SELECT pg_catalog.format_type($1::pg_catalog.oid, $2::pg_catalog.int4)",
                                            [String(oid), String(modifier)], "naming the type of column \"\(name)\"")
                    .scalar ?? "oid \(oid)"
                columns.append((name, .other(typeName: typeName)))
            }
        }
        return columns
    }

    /// The error of a DECLARE that failed after the statement itself
    /// prepared: a syntax error there means a statement a cursor cannot
    /// hold.
    private static func declareFailure(_ result: OpaquePointer?, on db: PGConnection, sql: String) -> PostgresError {
        let error = PGStatementText.failure(result, on: db, sql: sql, prefix: declaration)
        guard error.sqlState == "42601" else { return error }
        let words = PGStatementText.leadingWords(of: sql, count: 1).joined()
        return PostgresError(.invalidArgument, "a query reads rows through a cursor, which takes SELECT, VALUES, "
            + "TABLE or WITH ... SELECT, not \(words.isEmpty ? "this statement" : words) (a query is read-only; run "
            + "statements that write with execute)", sqlState: error.sqlState)
    }
}

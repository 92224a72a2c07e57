import CPostgres
import ETLPluginKit
import ETLPostgresShared

/// `execute`: one statement in its own transaction, through the extended
/// query protocol.
///
/// The statement is sent alone with `PQsendQueryParams` outside any
/// transaction block, so the server runs it in an implicit transaction of
/// its own, committed when it succeeds (statements that refuse transaction
/// blocks, such as `VACUUM` or `CREATE INDEX CONCURRENTLY`, run too); the
/// extended protocol refuses a second command in the string. Rows the
/// statement returns (a `SELECT`, `RETURNING`) are received one at a time
/// in single-row mode and discarded, so memory stays flat.
///
/// ```swift
/// let changed = try PGExecution.run("DELETE FROM t WHERE id > 2", on: db)  // 3
/// ```
enum PGExecution {
    /// Runs `sql` and returns the rows it inserted, updated, deleted or
    /// merged (`CREATE TABLE ... AS` and `SELECT ... INTO`: the rows it
    /// wrote), or nil for a statement that counts none (DDL, a plain
    /// `SELECT`).
    ///
    /// - Throws: `invalidArgument` for empty SQL, transaction control,
    ///   `COPY ... FROM STDIN` (there is no data channel), a call while a
    ///   query stream of the instance is still open, and statements the
    ///   server rejects (see ``PGStatementText/failure(_:on:sql:prefix:outcomeUnknown:)``);
    ///   `data` for a constraint violation or a value that does not fit.
    static func run(_ sql: String, on db: PGConnection) throws(PostgresError) -> Int64? {
        if PGStatementText.isEmpty(sql) { throw .invalidArgument("the SQL holds no statement") }
        if let keyword = PGStatementText.transactionControl(in: sql) {
            throw PGStatementText.transactionControlRefusal(keyword)
        }
        try db.reopenIfLost()
        guard !db.inTransaction else { throw PGQuerySource.streamStillOpen }
        let handle = db.handle
        guard PQsendQueryParams(handle, sql, 0, nil, nil, nil, nil, 0) == 1 else {
            throw PGStatementText.failure(nil, on: db, sql: sql)
        }
        _ = PQsetSingleRowMode(handle)
        var failure: PostgresError?
        var changed: Int64?
        while let result = PQgetResult(handle) {
            defer { PQclear(result) }
            let status = PQresultStatus(result)
            switch status {
            case PGRES_SINGLE_TUPLE:
                continue
            case PGRES_TUPLES_OK, PGRES_COMMAND_OK:
                changed = rowsChanged(result, returnedRows: status == PGRES_TUPLES_OK)
            case PGRES_COPY_IN:
                _ = PQputCopyEnd(handle, "execute has no COPY data")
                failure = failure ?? .invalidArgument("COPY ... FROM STDIN needs a data stream, which execute does not "
                    + "have; load rows with a sync, or COPY from a file on the server")
            case PGRES_COPY_OUT:
                discardCopyOut(handle)
            default:
                failure = failure ?? PGStatementText.failure(result, on: db, sql: sql, outcomeUnknown: true)
            }
        }
        if db.inTransaction {
            // Transaction control the keyword check did not see: end it.
            _ = try? db.execute("ROLLBACK", "rolling back")
            throw failure ?? .invalidArgument("the statement opened a transaction, which was rolled back: every "
                + "statement runs in its own transaction")
        }
        if let failure { throw failure }
        guard db.isAlive else { throw PGStatementText.failure(nil, on: db, sql: sql, outcomeUnknown: true) }
        return changed
    }

    /// The rows a finished statement wrote, from its command tag: `INSERT
    /// 0 3`, `UPDATE 2`, `DELETE 0`, `MERGE 1`, and `SELECT 5` of a
    /// statement that returned no rows (`CREATE TABLE AS`, `SELECT INTO`);
    /// nil for any other tag and for a `SELECT` whose rows were returned.
    static func rowsChanged(_ result: OpaquePointer, returnedRows: Bool) -> Int64? {
        let tag = String(cString: PQcmdStatus(result))
        let verb = tag.prefix { $0 != " " }
        switch verb {
        case "INSERT", "UPDATE", "DELETE", "MERGE": break
        case "SELECT" where !returnedRows: break
        default: return nil
        }
        return Int64(String(cString: PQcmdTuples(result)))
    }

    /// Reads and drops the data of a `COPY ... TO STDOUT`.
    private static func discardCopyOut(_ handle: OpaquePointer) {
        var buffer: UnsafeMutablePointer<CChar>?
        while PQgetCopyData(handle, &buffer, 0) > 0 {
            PQfreemem(buffer)
            buffer = nil
        }
    }
}

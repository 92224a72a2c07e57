import CSQLite
import ETLPluginKit

/// One SQL statement handed to `execute` or `query`, prepared: the rules of
/// the contract's SQL OPERATIONS that SQLite can check before running it.
///
/// ```swift
/// let statement = try SQLiteStatementText.prepare("SELECT 1;", on: db)
/// ```
enum SQLiteStatementText {
    /// Prepares exactly one statement of `sql`.
    ///
    /// - Throws: `invalidArgument` for SQL that SQLite rejects, naming the
    ///   byte offset SQLite gives (`near "FORM": syntax error at offset
    ///   9`), for empty SQL, and for SQL with a second statement after the
    ///   first.
    static func prepare(_ sql: String, on db: SQLiteConnection) throws(PluginError)
        -> SQLiteStatement
    {
        var prepared: OpaquePointer?
        var rest = 0
        let status = sql.withCString { text in
            var tail: UnsafePointer<CChar>?
            let status = sqlite3_prepare_v2(db.handle, text, -1, &prepared, &tail)
            if let tail { rest = text.distance(to: tail) }
            return status
        }
        guard status == SQLITE_OK else {
            let offset = sqlite3_error_offset(db.handle)
            var failure = statementFailure(status, on: db, at: offset >= 0 ? Int(offset) : nil)
            if status & 0xFF == SQLITE_ERROR { failure.code = .invalidArgument }
            throw failure
        }
        guard let prepared else {
            throw PluginError.invalidArgument("the SQL holds no statement")
        }
        let statement = SQLiteStatement(handle: prepared, connection: db)
        let tail = sql.utf8.dropFirst(rest)
        if tail.contains(where: { !(" \t\r\n;".utf8.contains($0)) }) {
            throw PluginError.invalidArgument("the SQL holds more than one statement (the second starts at offset "
                + "\(rest)); pass one statement per call")
        }
        return statement
    }

    /// The error for a statement that failed with `code`: SQLite's message,
    /// the offset in the SQL when SQLite gives one, and the code's name,
    /// e.g. `near "FORM": syntax error at offset 9 (SQLITE_ERROR)`, with
    /// the contract's status for the code (see ``PluginError/sqlite(code:message:what:)``).
    static func statementFailure(_ code: Int32, on db: SQLiteConnection, at offset: Int? = nil) -> PluginError {
        let extended = code > 0xFF ? code : sqlite3_extended_errcode(db.handle)
        var failure = PluginError.sqlite(code: extended, message: "", what: "")
        let position = offset.map { " at offset \($0)" } ?? ""
        failure.message = "\(String(cString: sqlite3_errmsg(db.handle)))\(position) (\(SQLiteResultCode.name(extended)))"
        return failure
    }

    /// Whether `statement` is an INSERT, UPDATE, DELETE or REPLACE (possibly
    /// after a WITH clause): the statements whose changed rows SQLite counts.
    static func countsRows(_ statement: SQLiteStatement) -> Bool {
        guard sqlite3_stmt_readonly(statement.handle) == 0, let text = sqlite3_sql(statement.handle) else { return false }
        let words = String(cString: text).uppercased().split(whereSeparator: { " \t\r\n(".contains($0) })
        guard let first = words.first else { return false }
        if first == "WITH" { return words.contains { ["INSERT", "UPDATE", "DELETE", "REPLACE"].contains($0) } }
        return ["INSERT", "UPDATE", "DELETE", "REPLACE"].contains(first)
    }
}

extension SQLiteWarehouse {
    /// Runs one statement in its own transaction (see ``execute(sql:)``).
    static func execute(_ sql: String, on db: SQLiteConnection) throws -> Int64? {
        let statement = try SQLiteStatementText.prepare(sql, on: db)
        var status = sqlite3_step(statement.handle)
        while status == SQLITE_ROW { status = sqlite3_step(statement.handle) }
        guard status == SQLITE_DONE else { throw SQLiteStatementText.statementFailure(status, on: db) }
        guard !db.inTransaction else {
            try db.execute("ROLLBACK", "execute")
            throw PluginError.invalidArgument("transaction control (BEGIN, SAVEPOINT, ...) is refused: every "
                + "statement runs in its own transaction (the transaction it opened was rolled back)")
        }
        return SQLiteStatementText.countsRows(statement) ? sqlite3_changes64(db.handle) : nil
    }
}

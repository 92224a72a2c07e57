import CPostgres

/// `COPY ... TO STDOUT`: the data the server sends, one message at a time.
extension PGConnection {
    /// Starts `sql` (a `COPY ... TO STDOUT`); read its data with
    /// ``readCopyData(_:)`` until it returns `nil`. The connection accepts
    /// nothing else until then (or until ``abortCopyOut()``).
    package func beginCopyOut(_ sql: String, _ what: @autoclosure () -> String) throws(PostgresError) {
        guard let started = PQexec(handle, sql) else { throw failure(nil, what()) }
        defer { PQclear(started) }
        guard PQresultStatus(started) == PGRES_COPY_OUT else { throw failure(started, what()) }
    }

    /// Calls `body` with the next CopyData message (valid only during the
    /// call) and returns `true`, or returns `false` when the COPY ended
    /// successfully.
    ///
    /// - Throws: ``PostgresError`` with the server's reason when the COPY
    ///   failed (the table was dropped, the statement was cancelled, the
    ///   connection was lost).
    package func readCopyData(_ what: @autoclosure () -> String,
                              _ body: (UnsafeRawBufferPointer) throws(PostgresError) -> Void) throws(PostgresError)
        -> Bool
    {
        var buffer: UnsafeMutablePointer<CChar>?
        let length = PQgetCopyData(handle, &buffer, 0)
        if length > 0, let buffer {
            defer { PQfreemem(buffer) }
            try body(UnsafeRawBufferPointer(start: buffer, count: Int(length)))
            return true
        }
        // -1: the COPY is over, its result follows; -2: an error.
        var failure: PostgresError?
        while let result = PQgetResult(handle) {
            defer { PQclear(result) }
            if PQresultStatus(result) != PGRES_COMMAND_OK, failure == nil {
                failure = self.failure(result, what())
            }
        }
        if let failure { throw failure }
        guard length == -1, isAlive else { throw self.failure(nil, what()) }
        return false
    }

    /// Stops a COPY OUT that is still sending: asks the server to cancel it
    /// and discards what remains. The connection is usable afterwards
    /// (inside a transaction, that transaction has failed).
    package func abortCopyOut() {
        if let cancel = PQgetCancel(handle) {
            var message = [CChar](repeating: 0, count: 256)
            _ = PQcancel(cancel, &message, Int32(message.count))
            PQfreeCancel(cancel)
        }
        var buffer: UnsafeMutablePointer<CChar>?
        while PQgetCopyData(handle, &buffer, 0) > 0 {
            PQfreemem(buffer)
            buffer = nil
        }
        drainResults()
    }

    /// The column names, type OIDs and type modifiers of a result (from
    /// `SELECT ... LIMIT 0`), for typing a query's columns.
    package func describeColumns(_ sql: String, _ what: @autoclosure () -> String) throws(PostgresError)
        -> [(name: String, typeOID: UInt32, typeModifier: Int32)]
    {
        let rows = try execute(sql, what())
        return (0..<Int32(rows.columnCount)).map { column in
            (String(cString: PQfname(rows.result, column)), PQftype(rows.result, column), PQfmod(rows.result, column))
        }
    }
}

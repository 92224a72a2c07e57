import CPostgres
import Dispatch
import ETLPluginKit
import Synchronization

/// One libpq connection (`PGconn*`), used by one thread at a time; only
/// ``cancel()`` may come from another thread.
///
/// Every failure is a ``PostgresError`` that says what was being done,
/// with the server's SQLSTATE and message (passwords redacted).
///
/// ```swift
/// let db = try PGConnection(parameters: ["dbname": url], redactor: redactor, host: host)
/// try db.execute("CREATE TABLE t (x bigint)", "creating t")
/// let rows = try db.query("SELECT x FROM t WHERE x > $1", ["1"], "reading t")
/// ```
///
/// Related libpq documentation: https://www.postgresql.org/docs/current/libpq.html
package final class PGConnection {
    /// The C connection.
    package let handle: OpaquePointer
    /// Hides the password in messages.
    package let redactor: SecretRedactor
    /// The server as messages name it: `127.0.0.1:5432, database "x", user
    /// "me"` (never the password).
    package private(set) var server: String
    /// Receives the server's notices (routed to the host's log).
    private let host: HostContext
    /// The cancel handle of the current backend, replaced on reset.
    private let cancelToken = Mutex<CancelToken?>(nil)

    /// Connects with libpq's keywords (`dbname` may hold a URI or a
    /// `key=value` string, expanded; later keywords override it). Libpq
    /// reads what is not given from PGHOST, PGPORT, PGUSER, PGDATABASE,
    /// PGPASSWORD, PGSERVICE and ~/.pgpass.
    ///
    /// - Throws: ``PostgresError`` naming the server: `unauthenticated`
    ///   when the server refused the credentials, `notFound` for a missing
    ///   database, `io` (retryable) when it could not be reached,
    ///   `invalidArgument` for a malformed connection string.
    ///
    /// `settings` (name, value) are set for the session after connecting,
    /// and again after every reconnect (e.g. `search_path`).
    package init(parameters: [(String, String)], settings: [(String, String)] = [], redactor: SecretRedactor,
         host: HostContext) throws(PostgresError) {
        self.redactor = redactor
        self.host = host
        self.settings = settings
        let keywords = parameters.map { strdup($0.0) } + [nil]
        let values = parameters.map { strdup($0.1) } + [nil]
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        let connection = keywords.map { UnsafePointer($0) }.withUnsafeBufferPointer { keys in
            values.map { UnsafePointer($0) }.withUnsafeBufferPointer { vals in
                PQconnectdbParams(keys.baseAddress, vals.baseAddress, 1)
            }
        }
        guard let connection else {
            throw PostgresError(.resourceExhausted, "connecting failed: libpq could not allocate a connection")
        }
        handle = connection
        server = Self.describeServer(connection)
        // On failure, deinit (which runs once every property is set)
        // closes the connection.
        guard PQstatus(connection) == CONNECTION_OK else { throw connectFailure() }
        PQsetNoticeReceiver(connection, { context, result in
            guard let context, let result, let message = PQresultErrorField(result, fieldMessage) else { return }
            Unmanaged<HostContext>.fromOpaque(context).takeUnretainedValue()
                .log(.debug, "server notice: \(String(cString: message))")
        }, Unmanaged.passUnretained(host).toOpaque())
        refreshCancelToken()
        try applySettings()
    }

    /// Session settings made after every connect.
    private let settings: [(String, String)]

    /// Sets ``settings`` for the session (`set_config(name, value, false)`).
    private func applySettings() throws(PostgresError) {
        for (name, value) in settings {
            _ = try query("SELECT pg_catalog.set_config($1, $2, false)", [name, value], "setting \(name) on \(server)")
        }
    }

    deinit {
        cancelToken.withLock { $0 = nil }
        PQfinish(handle)
    }

    /// The server's version, e.g. 150004 for 15.4.
    package var serverVersion: Int32 { PQserverVersion(handle) }

    /// Whether the connection is usable.
    package var isAlive: Bool { PQstatus(handle) == CONNECTION_OK }

    /// Whether a transaction is open (also when it failed and awaits its
    /// ROLLBACK).
    package var inTransaction: Bool {
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE
    }

    /// Whether the open transaction failed: only ROLLBACK is possible.
    package var transactionFailed: Bool { PQtransactionStatus(handle) == PQTRANS_INERROR }

    /// The process id of the server process serving this connection (a
    /// new connection gets a new one).
    package var serverProcess: Int32 { PQbackendPID(handle) }

    /// Opens a new connection in place of a lost one, with the same
    /// parameters, and logs both the loss and the new connection (at info
    /// level, so that the run log shows why a retry could go on).
    ///
    /// - Parameter reason: why the old connection is given up, e.g. the
    ///   error that found it lost.
    /// - Throws: ``PostgresError`` as for the first connection (`io`,
    ///   retryable, while the server is still unreachable).
    package func reconnect(because reason: String) throws(PostgresError) {
        host.log(.info, "the connection to \(server) was lost (\(reason)); opening a new connection")
        PQreset(handle)
        guard PQstatus(handle) == CONNECTION_OK else { throw connectFailure() }
        refreshCancelToken()
        try applySettings()
        host.log(.info, "opened a new connection to \(server) (server process \(serverProcess))")
    }

    /// Reopens the connection if libpq already knows it is lost (a failed
    /// statement found the server gone); a connection that looks alive is
    /// used as it is.
    package func reopenIfLost() throws(PostgresError) {
        guard !isAlive else { return }
        let message = Self.oneLine(redactor.redact(String(cString: PQerrorMessage(handle))))
        try reconnect(because: message.isEmpty ? "libpq reports it closed" : message)
    }

    /// Runs `body`, which only reads (so it may run twice), on a live
    /// connection: a connection known to be lost is reopened first, and
    /// one found lost by `body` (the server restarted while it was idle) is
    /// reopened and `body` runs once more. Never used inside a load's
    /// transaction, which a new connection could not continue.
    package func reading<T>(_ body: () throws(PostgresError) -> T) throws(PostgresError) -> T {
        try reopenIfLost()
        do {
            return try body()
        } catch where !isAlive {
            try reconnect(because: error.message)
            return try body()
        }
    }

    /// Asks the server to stop the statement running on this connection
    /// (it then fails with SQLSTATE 57014). Safe from any thread; does not
    /// block: the request goes out from another thread.
    package func cancel() {
        guard let token = cancelToken.withLock({ $0 }) else { return }
        DispatchQueue.global().async {
            token.send()
        }
    }

    // MARK: Statements

    /// Runs one or more statements without parameters; returns the last
    /// result's rows (none for commands).
    @discardableResult
    package func execute(_ sql: String, _ what: @autoclosure () -> String) throws(PostgresError) -> PGRows {
        let result = PQexec(handle, sql)
        return try rows(of: result, what)
    }

    /// Runs one statement with `arguments` as text parameters `$1`, `$2`,
    /// ... (`nil` is NULL) and returns its rows.
    @discardableResult
    package func query(_ sql: String, _ arguments: [String?] = [], _ what: @autoclosure () -> String) throws(PostgresError)
        -> PGRows
    {
        let copies = arguments.map { $0.map { strdup($0) } ?? nil }
        defer { copies.forEach { free($0) } }
        let result = copies.map { UnsafePointer($0) }.withUnsafeBufferPointer { values in
            PQexecParams(handle, sql, Int32(values.count), nil, values.baseAddress, nil, nil, 0)
        }
        return try rows(of: result, what)
    }

    private func rows(of result: OpaquePointer?, _ what: () -> String) throws(PostgresError) -> PGRows {
        guard let result else { throw failure(nil, what()) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            defer { PQclear(result) }
            throw failure(result, what())
        }
        return PGRows(result)
    }

    // MARK: COPY

    /// Starts `sql` (a `COPY ... FROM STDIN`) and returns the sink that
    /// sends its data. The connection then accepts nothing but the data
    /// until ``endCopy(_:firstRow:)`` or ``abortCopy(_:)``.
    package func beginCopy(_ sql: String, _ what: @autoclosure () -> String) throws(PostgresError) -> CopySink {
        guard let started = PQexec(handle, sql) else { throw failure(nil, what()) }
        defer { PQclear(started) }
        guard PQresultStatus(started) == PGRES_COPY_IN else { throw failure(started, what()) }
        return CopySink(connection: self)
    }

    /// Ends the COPY's data and waits for the server's verdict (also after
    /// a refused send: the server's reason comes with it).
    ///
    /// - Parameter firstRow: the number, in the whole load, of the COPY's
    ///   first row; a failure names the row of the load it happened at.
    /// - Returns: the number of rows the server stored.
    @discardableResult
    package func endCopy(_ sink: CopySink, _ what: @autoclosure () -> String, firstRow: Int64 = 1) throws(PostgresError)
        -> Int64
    {
        if !sink.failed { _ = PQputCopyEnd(handle, nil) }
        return try finishCopy(what, firstRow: firstRow)
    }

    /// Ends the COPY as failed: the server discards what it received. Never
    /// fails; the connection is ready for ROLLBACK after it.
    package func abortCopy(_ reason: String) {
        _ = PQputCopyEnd(handle, reason)
        drainResults()
    }

    private func finishCopy(_ what: () -> String, firstRow: Int64) throws(PostgresError) -> Int64 {
        var failure: PostgresError?
        var stored: Int64 = 0
        while let result = PQgetResult(handle) {
            defer { PQclear(result) }
            let status = PQresultStatus(result)
            if status == PGRES_COMMAND_OK {
                stored = Int64(String(cString: PQcmdTuples(result))) ?? 0
            } else if status == PGRES_COPY_IN {
                // The server still expects data: end it as failed.
                _ = PQputCopyEnd(handle, "the client failed")
            } else if failure == nil {
                failure = self.failure(result, what(), firstRow: firstRow)
            }
        }
        if let failure { throw failure }
        guard isAlive else { throw self.failure(nil, what()) }
        return stored
    }

    /// Reads and discards every pending result.
    package func drainResults() {
        while let result = PQgetResult(handle) {
            if PQresultStatus(result) == PGRES_COPY_IN { _ = PQputCopyEnd(handle, "the load stopped") }
            PQclear(result)
        }
    }

    // MARK: Errors

    /// The error for a failed statement: the server's diagnostics from
    /// `result`, or the connection's message when there is no result.
    package func failure(_ result: OpaquePointer?, _ what: String, firstRow: Int64? = nil) -> PostgresError {
        guard let result, let diagnostics = diagnostics(of: result) else {
            let message = redactor.redact(Self.oneLine(String(cString: PQerrorMessage(handle))))
            let lost = PQstatus(handle) != CONNECTION_OK
            return PostgresError(.io, "\(what) failed: \(message.isEmpty ? "no answer from the server" : message)"
                + (lost ? " (the connection to \(server) was lost)" : ""), retryable: lost)
        }
        return Self.error(diagnostics, what: what, firstRow: firstRow)
    }

    /// The server's diagnostics of a failed result, passwords redacted.
    package func diagnostics(of result: OpaquePointer) -> ServerDiagnostics? {
        func field(_ code: UInt8) -> String? {
            PQresultErrorField(result, Int32(code)).map { redactor.redact(String(cString: $0)) }
        }
        guard let message = field(UInt8(ascii: "M")) else { return nil }
        return ServerDiagnostics(sqlState: field(UInt8(ascii: "C")), message: Self.oneLine(message),
                                 detail: field(UInt8(ascii: "D")), hint: field(UInt8(ascii: "H")),
                                 table: field(UInt8(ascii: "t")), column: field(UInt8(ascii: "c")),
                                 constraint: field(UInt8(ascii: "n")), context: field(UInt8(ascii: "W")))
    }

    /// `<what> failed: <message> (SQLSTATE xxxxx; table "t", column "c",
    /// row N of the load; <detail>; hint: <hint>)`. The DETAIL of data
    /// errors (classes 22 and 23) is left out: it quotes row values; so is
    /// the value a COPY error's context quotes.
    ///
    /// - Parameter firstRow: for a COPY, the number in the load of its
    ///   first row, to turn the COPY's line into the row of the load.
    package static func error(_ diagnostics: ServerDiagnostics, what: String, firstRow: Int64? = nil) -> PostgresError {
        let state = diagnostics.sqlState ?? "XX000"
        let (code, retryable) = PostgresError.classify(sqlState: state)
        var notes = ["SQLSTATE \(state)"]
        var place: [String] = []
        if let table = diagnostics.table { place.append("table \"\(table)\"") }
        let position = firstRow == nil ? nil : diagnostics.copyPosition
        if let column = diagnostics.column ?? position?.column { place.append("column \"\(column)\"") }
        if let position, let firstRow { place.append("row \(firstRow - 1 + position.row) of the load") }
        if let constraint = diagnostics.constraint { place.append("constraint \"\(constraint)\"") }
        if !place.isEmpty { notes.append(place.joined(separator: ", ")) }
        let quotesValues = state.hasPrefix("22") || state.hasPrefix("23")
        if let detail = diagnostics.detail, !quotesValues { notes.append(oneLine(detail)) }
        if let hint = diagnostics.hint { notes.append("hint: \(oneLine(hint))") }
        return PostgresError(code, "\(what) failed: \(diagnostics.message) (\(notes.joined(separator: "; ")))",
                             sqlState: state, retryable: retryable)
    }

    /// The error for a failed connection attempt.
    private func connectFailure() -> PostgresError {
        server = Self.describeServer(handle)
        let message = redactor.redact(Self.oneLine(String(cString: PQerrorMessage(handle))))
        let lower = message.lowercased()
        let code: PluginError.Code
        var retryable = false
        if PQconnectionNeedsPassword(handle) == 1 || lower.contains("authentication failed")
            || lower.contains("no pg_hba.conf entry") || (lower.contains("role \"") && lower.contains("does not exist"))
            || lower.contains("no password supplied") {
            code = .unauthenticated
        } else if lower.contains("database \""), lower.contains("does not exist") {
            code = .notFound
        } else if lower.contains("too many clients") || lower.contains("too many connections") {
            code = .resourceExhausted
            retryable = true
        } else if lower.contains("invalid connection option") || lower.contains("invalid uri")
            || lower.contains("missing \"=\"") || lower.contains("invalid percent-encoded") {
            code = .invalidArgument
        } else {
            code = .io
            retryable = true
        }
        return PostgresError(code, "connecting to \(server) failed: \(message)", retryable: retryable)
    }

    private func refreshCancelToken() {
        let token = PQgetCancel(handle).map(CancelToken.init)
        cancelToken.withLock { $0 = token }
    }

    /// `host:port, database "db", user "user"` of a connection, from what
    /// libpq resolved (the configured values, the environment and the
    /// defaults); never the password.
    package static func describeServer(_ connection: OpaquePointer) -> String {
        func text(_ value: UnsafeMutablePointer<CChar>?) -> String {
            value.map { String(cString: $0) } ?? ""
        }
        var host = text(PQhost(connection))
        if host.isEmpty { host = "localhost" }
        let port = text(PQport(connection))
        let location = host.hasPrefix("/") ? "socket \(host)/.s.PGSQL.\(port.isEmpty ? "5432" : port)"
            : (port.isEmpty ? host : "\(host):\(port)")
        return "\(location), database \"\(text(PQdb(connection)))\", user \"\(text(PQuser(connection)))\""
    }

    /// `text` on one line: lines joined with `; `, trailing space dropped.
    package static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
            .map { $0.trimmingCharacters(in: " \t") }
            .filter { !$0.isEmpty }
            .joined(separator: "; ")
    }
}

/// libpq's diagnostic field code of the primary message (`'M'`).
private let fieldMessage = Int32(UInt8(ascii: "M"))

/// A `PGcancel*`, freed when the last reference goes (a cancel request in
/// flight keeps it alive after the connection changed).
package final class CancelToken: @unchecked Sendable {
    // @unchecked: libpq documents PQcancel as safe from any thread on a
    // PGcancel that is not freed concurrently, which ownership ensures.
    private let handle: OpaquePointer

    package init(_ handle: OpaquePointer) { self.handle = handle }

    deinit { PQfreeCancel(handle) }

    /// Sends the cancel request (blocks for one round trip).
    package func send() {
        var buffer = [CChar](repeating: 0, count: 256)
        _ = PQcancel(handle, &buffer, Int32(buffer.count))
    }
}

/// Where the data of a COPY begun with ``PGConnection/beginCopy(_:_:)`` goes.
package final class CopySink {
    private let connection: PGConnection
    /// Set when libpq refused data (the connection broke or the server
    /// already failed the COPY); the reason comes with the COPY's result.
    package private(set) var failed = false

    package init(connection: PGConnection) { self.connection = connection }

    /// Sends `count` bytes at `bytes`. After a refusal, later sends are
    /// ignored and the COPY's result tells why.
    package func send(_ bytes: UnsafeRawPointer, count: Int) {
        guard !failed, count > 0 else { return }
        let status = PQputCopyData(connection.handle, bytes.assumingMemoryBound(to: CChar.self), Int32(count))
        if status != 1 { failed = true }
    }
}

/// The rows of a successful result, read as text (`nil` for NULL); frees
/// the result when released.
package final class PGRows {
    /// The `PGresult*`, for reading its cells without copies.
    package let result: OpaquePointer

    package init(_ result: OpaquePointer) { self.result = result }

    deinit { PQclear(result) }

    /// The number of rows.
    package var count: Int { Int(PQntuples(result)) }

    /// The rows a command changed (`DELETE`, `UPDATE`, ...), 0 for others.
    package var changed: Int { Int(String(cString: PQcmdTuples(result))) ?? 0 }

    /// The number of columns.
    package var columnCount: Int { Int(PQnfields(result)) }

    /// Whether there are no rows.
    package var isEmpty: Bool { count == 0 }

    /// The value at `row`, `column` as text, `nil` for NULL.
    package subscript(row: Int, column: Int) -> String? {
        guard PQgetisnull(result, Int32(row), Int32(column)) == 0 else { return nil }
        return String(cString: PQgetvalue(result, Int32(row), Int32(column)))
    }

    /// Every row, as text cells.
    package var all: [[String?]] {
        (0..<count).map { row in (0..<columnCount).map { self[row, $0] } }
    }

    /// The first value of the first row, if any.
    package var scalar: String? { count > 0 && columnCount > 0 ? self[0, 0] : nil }
}

extension Substring {
    /// The substring without leading and trailing characters in `set`.
    package func trimmingCharacters(in set: String) -> String {
        let characters = Set(set)
        return String(drop(while: { characters.contains($0) }).reversed().drop(while: { characters.contains($0) })
            .reversed())
    }
}

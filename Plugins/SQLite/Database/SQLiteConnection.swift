import CSQLite
import ETLPluginKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `SQLITE_TRANSIENT`: SQLite copies the bound bytes before the bind call
/// returns. (`SQLITE_STATIC` is `nil`.)
let sqliteTransient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

/// One open `sqlite3*` connection to the warehouse file, used by one thread
/// at a time (opened with `SQLITE_OPEN_NOMUTEX`); only ``interrupt()`` may
/// come from another thread.
///
/// Opening checks that the file is a writable SQLite database and switches
/// it to WAL, so that readers keep reading the old rows while a load runs.
///
/// ```swift
/// let db = try SQLiteConnection(path: "warehouse.db", busyTimeoutMilliseconds: 5000, host: host)
/// try db.execute("CREATE TABLE t (x)", "creating t")
/// let rows = try db.rows("SELECT x FROM t WHERE x > ?", [.integer(1)], "reading t")
/// ```
final class SQLiteConnection {
    /// The database file as configured.
    let path: String
    /// The C connection.
    let handle: OpaquePointer
    /// The journal mode the database ended up in (`"wal"` unless the file
    /// system refused it).
    private(set) var journalMode = ""
    /// Polled by SQLite's progress handler; kept alive as long as the
    /// connection because the handler points at it.
    private let host: HostContext

    /// Opens the database at `path`, creating the file if it is missing
    /// and `creating` is set.
    ///
    /// - Throws: ``PluginError`` naming the path: `notFound` when its folder
    ///   (or, without `creating`, the file) does not exist,
    ///   `permissionDenied` when it cannot be written, `io` when the file is
    ///   not a SQLite database.
    init(path: String, creating: Bool = true, busyTimeoutMilliseconds: Int32, host: HostContext) throws(PluginError) {
        self.path = path
        self.host = host
        var opened: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | (creating ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &opened, flags, nil)
        guard status == SQLITE_OK, let opened else {
            let message = opened.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            let number = opened.map { sqlite3_system_errno($0) } ?? 0
            sqlite3_close_v2(opened)
            throw Self.openFailure(path: path, code: status, message: message, systemErrno: number)
        }
        handle = opened
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
        sqlite3_progress_handler(handle, 100_000, { context in
            guard let context else { return 0 }
            return Unmanaged<HostContext>.fromOpaque(context).takeUnretainedValue().isCancelled ? 1 : 0
        }, Unmanaged.passUnretained(host).toOpaque())
        RealText.register(on: handle)
        JSONText.register(on: handle)

        let opening = "opening database \"\(path)\""
        // The first read of the header: a file that is not a database fails here.
        _ = try rows("SELECT count(*) FROM sqlite_master", [], opening)
        guard sqlite3_db_readonly(handle, "main") != 1 else {
            throw PluginError(.permissionDenied, "database \"\(path)\" is read-only; check the "
                + "permissions of the file and of its folder (SQLite writes a -wal file next to it)")
        }
        // After a checkpoint, shrink the -wal file a large load grew.
        try execute("PRAGMA journal_size_limit = 67108864", opening)
        do {
            journalMode = try rows("PRAGMA journal_mode=WAL", [], opening).first?.first?.text ?? ""
        } catch where error.retryable {
            // Another connection holds the file in rollback-journal mode;
            // switching needs it alone. Work in its mode this time.
            journalMode = try rows("PRAGMA journal_mode", [], opening).first?.first?.text ?? ""
        }
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// Asks the statement running on this connection, if any, to stop with
    /// `SQLITE_INTERRUPT`. Safe from any thread.
    func interrupt() {
        sqlite3_interrupt(handle)
    }

    /// Whether a transaction is open (`BEGIN` without its `COMMIT` or
    /// `ROLLBACK`; SQLite also ends one by itself after some errors).
    var inTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// The error for a failed call that returned `code`, with SQLite's
    /// message and the code's name, e.g. `table "t": INSERT failed:
    /// NOT NULL constraint failed: t.id (SQLITE_CONSTRAINT_NOTNULL)`.
    ///
    /// - Parameter what: what was being done, e.g. `table "t": INSERT`.
    func failure(_ code: Int32, _ what: String) -> PluginError {
        let extended = code > 0xFF ? code : sqlite3_extended_errcode(handle)
        let message = String(cString: sqlite3_errmsg(handle))
        return PluginError.sqlite(code: extended, message: message, what: what)
    }

    /// Runs one or more statements without parameters or results.
    func execute(_ sql: String, _ what: @autoclosure () -> String) throws(PluginError) {
        let status = sqlite3_exec(handle, sql, nil, nil, nil)
        guard status == SQLITE_OK else { throw failure(status, what()) }
    }

    /// Prepares one statement to be run many times.
    func prepare(_ sql: String, _ what: @autoclosure () -> String) throws(PluginError) -> SQLiteStatement {
        var statement: OpaquePointer?
        let status = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard status == SQLITE_OK, let statement else { throw failure(status, what()) }
        return SQLiteStatement(handle: statement, connection: self)
    }

    /// Runs one statement with `arguments` bound to `?1`, `?2`, ... and
    /// returns every row it produces.
    @discardableResult
    func rows(_ sql: String, _ arguments: [SQLiteValue] = [], _ what: @autoclosure () -> String)
        throws(PluginError) -> [[SQLiteValue]]
    {
        var statement: OpaquePointer?
        var status = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard status == SQLITE_OK, let statement else { throw failure(status, what()) }
        defer { sqlite3_finalize(statement) }
        for (index, argument) in arguments.enumerated() {
            status = argument.bind(to: statement, at: Int32(index + 1))
            guard status == SQLITE_OK else { throw failure(status, what()) }
        }
        var result: [[SQLiteValue]] = []
        while true {
            status = sqlite3_step(statement)
            if status == SQLITE_DONE { return result }
            guard status == SQLITE_ROW else { throw failure(status, what()) }
            let count = sqlite3_column_count(statement)
            result.append((0..<count).map { SQLiteValue(column: $0, of: statement) })
        }
    }

    /// The error for a failed sqlite3_open_v2, with the system's reason
    /// (e.g. `No such file or directory`) when there is one.
    private static func openFailure(path: String, code: Int32, message: String, systemErrno: Int32) -> PluginError {
        let reason = systemErrno == 0 ? message : "\(message): \(String(cString: strerror(systemErrno)))"
        var error = PluginError.sqlite(code: code, message: reason, what: "opening database \"\(path)\"")
        switch systemErrno {
        case ENOENT, ENOTDIR: error.code = .notFound
        case EACCES, EPERM, EROFS: error.code = .permissionDenied
        default: break
        }
        return error
    }
}

/// A prepared statement, finalized when released.
final class SQLiteStatement {
    /// The C statement.
    let handle: OpaquePointer
    /// The connection, kept open while the statement lives.
    let connection: SQLiteConnection

    init(handle: OpaquePointer, connection: SQLiteConnection) {
        self.handle = handle
        self.connection = connection
    }

    deinit {
        sqlite3_finalize(handle)
    }
}

extension PluginError {
    /// The error for a SQLite failure: `<what> failed: <message>
    /// (<SQLITE_NAME>)`, with the contract's code for it. SQLITE_BUSY and
    /// SQLITE_LOCKED are retryable.
    static func sqlite(code: Int32, message: String, what: String) -> PluginError {
        let status: PluginError.Code
        switch code & 0xFF {
        case SQLITE_BUSY, SQLITE_LOCKED: status = .io
        case SQLITE_FULL, SQLITE_NOMEM: status = .resourceExhausted
        case SQLITE_CONSTRAINT, SQLITE_MISMATCH, SQLITE_TOOBIG, SQLITE_RANGE: status = .data
        case SQLITE_READONLY, SQLITE_PERM, SQLITE_AUTH: status = .permissionDenied
        case SQLITE_INTERRUPT: status = .cancelled
        case SQLITE_MISUSE, SQLITE_INTERNAL: status = .internal
        default: status = .io
        }
        return PluginError(status, "\(what) failed: \(message) (\(SQLiteResultCode.name(code)))",
                           retryable: SQLiteResultCode.isBusy(code))
    }
}

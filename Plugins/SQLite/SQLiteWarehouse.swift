import CSQLite
import ETLPluginKit
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The SQLite warehouse: tables in one SQLite database file, loaded in
/// replace, append or upsert mode, with the extractor state, run records
/// and schemas committed in the same transaction as the data.
///
/// One instance holds one connection and loads one table at a time (a
/// second begin before the first load ends is refused). A database file
/// that does not exist yet is created by the first begin, not by opening
/// the instance: a run that fails before it loads anything (a source that
/// refuses the credentials, a missing input file) leaves no empty
/// database behind; and a file an instance created whose loads all rolled
/// back is removed when the instance closes, if it still holds no table
/// and no other connection has it open. See README.md for the type mapping and the guarantees
/// of each mode.
final class SQLiteWarehouse: Warehouse {
    static let info = PluginInfo(
        name: "sqlite", version: "0.1.0",
        description: "SQLite database file: replace (atomic swap), append and upsert, with state in the same "
            + "transaction",
        configSchema: SQLiteConfig.schema,
        capabilities: [.modeReplace, .modeAppend, .modeUpsert, .transactionalState, .deletions, .parallelStreams, .history,
                       .sqlExecute, .sqlQuery])

    private let config: SQLiteConfig
    private let host: HostContext
    /// The connection, once the database file exists (opened at init when
    /// the file is there, else by the first begin, which creates it).
    private var opened: SQLiteConnection?
    /// The address of the open connection's `sqlite3*` (0 before it is
    /// opened), for ``cancel()`` from another thread (a pointer is not
    /// Sendable; the connection lives as long as the instance).
    private let interruptTarget = Mutex<Int>(0)
    /// The table being loaded, if any.
    private var loading: String?
    /// Numbers staging tables within this instance.
    private var sequence = 0
    /// Whether this instance created the database file and none of its
    /// loads has committed yet (the file is then removed at close, see
    /// ``DatabaseFile/removeIfUnused(_:path:)``).
    private var createdUnused = false

    init(config: PluginConfig, host: HostContext) throws {
        self.config = try SQLiteConfig(config)
        self.host = host
        if DatabaseFile.exists(self.config.path) {
            _ = try open(creating: false)
        } else {
            try DatabaseFile.checkCanCreate(self.config.path)
        }
    }

    deinit {
        guard createdUnused, let opened else { return }
        if DatabaseFile.removeIfUnused(opened, path: config.path) {
            host.log(.info, "removed database \"\(config.path)\", which this run created and left without a "
                + "table (nothing was committed)")
        }
    }

    /// Checks that the database can be read (opening already checked that
    /// it is a writable SQLite database), or, while there is no file yet,
    /// that its folder exists and is writable. Creates nothing.
    func check() throws {
        guard let db = try existingDatabase() else {
            try DatabaseFile.checkCanCreate(config.path)
            return
        }
        try db.rows("SELECT count(*) FROM sqlite_master", [], "checking database \"\(config.path)\"")
    }

    func begin(_ request: TableRequest) throws -> any TableWriter {
        if let loading {
            throw PluginError.invalidArgument("table \"\(request.table)\": this instance is still loading "
                + "table \"\(loading)\"; commit or roll it back first (one load per instance at a time)")
        }
        let db = try databaseCreatingIt()
        sequence += 1
        let writer = try SQLiteTableWriter.begin(
            request, db: db, host: host,
            stagingName: SQLName.staging(for: request.table, runID: request.runID, sequence: sequence),
            onEnd: { [weak self] committed in
                self?.loading = nil
                if committed { self?.createdUnused = false }
            })
        loading = request.table
        return writer
    }

    /// The open database, opening it first (and creating the file when
    /// there is none: remembered, so a file this run made and never
    /// committed to is removed at close).
    private func databaseCreatingIt() throws -> SQLiteConnection {
        if let opened { return opened }
        let existed = DatabaseFile.exists(config.path)
        let db = try open(creating: true)
        createdUnused = !existed
        return db
    }

    func stateGet(key: String) throws -> String? {
        guard let db = try existingDatabase() else { return nil }
        return try Bookkeeping.state(key: key, in: db)
    }

    func schemaGet(table: String) throws -> String? {
        guard let db = try existingDatabase() else { return nil }
        return try Bookkeeping.schema(table: table, in: db)
    }

    func tableSchema(name: String) throws -> ArrowBatchSchema? {
        guard let db = try existingDatabase() else { return nil }
        return try TableCatalog.read(name, in: db)?.arrowSchema
    }

    /// Runs one statement in its own transaction, creating the database
    /// file if there is none yet (a `CREATE TABLE` is a fine first thing to
    /// run). The kit refuses it while a load of this instance is open.
    func execute(sql: String) throws -> Int64? {
        let db = try databaseCreatingIt()
        return try Self.execute(sql, on: db)
    }

    /// Runs one read-only query (see ``SQLiteQuerySource`` for the column
    /// types). While there is no database file, the query runs against an
    /// empty in-memory database, as the missing file reads as empty
    /// (`SELECT 1` answers; a table is not found).
    func query(sql: String) throws -> any BatchSource {
        let db = try existingDatabase()
            ?? SQLiteConnection(path: ":memory:", busyTimeoutMilliseconds: config.busyTimeoutMilliseconds, host: host)
        return try SQLiteQuerySource(sql: sql, db: db)
    }

    /// Interrupts the running statement; the load then fails with
    /// `ETL_ERR_CANCELLED` and is rolled back.
    func cancel() {
        interruptTarget.withLock { address in
            if let handle = OpaquePointer(bitPattern: address) { sqlite3_interrupt(handle) }
        }
    }

    // MARK: The database file

    /// The connection, opening the file if it exists by now (another
    /// instance or process may have created it); `nil` while there is no
    /// database file, which reads as empty.
    private func existingDatabase() throws -> SQLiteConnection? {
        if let opened { return opened }
        guard DatabaseFile.exists(config.path) else { return nil }
        return try open(creating: false)
    }

    /// Opens the connection (creating the file when `creating`) and keeps it.
    private func open(creating: Bool) throws -> SQLiteConnection {
        let db = try SQLiteConnection(path: config.path, creating: creating,
                                      busyTimeoutMilliseconds: config.busyTimeoutMilliseconds, host: host)
        if db.journalMode != "wal" {
            host.log(.warn, "database \"\(config.path)\" is in journal mode \"\(db.journalMode)\", "
                + "not WAL: readers may wait for a load's commit")
        }
        opened = db
        let address = Int(bitPattern: db.handle)
        interruptTarget.withLock { $0 = address }
        return db
    }
}

/// Questions about the database file asked before it is opened.
enum DatabaseFile {
    /// Whether something exists at `path` (a database, or a file SQLite
    /// will refuse when it opens it).
    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// The folder a database file at `path` goes into.
    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Removes the database file at `path` that `db` (its only connection)
    /// created, when it holds no table: no other connection may have it
    /// open (switching out of WAL needs that), and the file is checked
    /// empty again under an exclusive lock just before it is unlinked
    /// (with its `-wal`, `-shm` and `-journal` files). Returns whether it
    /// was removed; otherwise the file is left as it was, in WAL mode.
    static func removeIfUnused(_ db: SQLiteConnection, path: String) -> Bool {
        func isEmpty() -> Bool {
            (try? db.rows("SELECT count(*) FROM sqlite_master", [], ""))?.first?.first?.integer == 0
        }
        guard !db.inTransaction, isEmpty() else { return false }
        guard (try? db.rows("PRAGMA journal_mode=DELETE", [], ""))?.first?.first?.text == "delete" else { return false }
        guard (try? db.execute("BEGIN EXCLUSIVE", "")) != nil else {
            _ = try? db.rows("PRAGMA journal_mode=WAL", [], "")
            return false
        }
        guard isEmpty() else {
            _ = try? db.execute("ROLLBACK", "")
            _ = try? db.rows("PRAGMA journal_mode=WAL", [], "")
            return false
        }
        for suffix in ["", "-wal", "-shm", "-journal"] { unlink(path + suffix) }
        _ = try? db.execute("ROLLBACK", "")
        return true
    }

    /// Checks that a database file can be created at `path` later: its
    /// folder exists and this process may write in it.
    ///
    /// - Throws: `notFound` naming the missing folder, `permissionDenied`
    ///   naming the folder that cannot be written.
    static func checkCanCreate(_ path: String) throws(PluginError) {
        let folder = folder(of: path)
        var info = stat()
        guard stat(folder, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw PluginError(.notFound, "database \"\(path)\" cannot be created: the folder \"\(folder)\" "
                + "does not exist; create it first (the database file itself is created by the first load)")
        }
        guard access(folder, W_OK | X_OK) == 0 else {
            throw PluginError(.permissionDenied, "database \"\(path)\" cannot be created: the folder "
                + "\"\(folder)\" is not writable; check its permissions, or choose another path")
        }
    }
}

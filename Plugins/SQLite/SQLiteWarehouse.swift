import CSQLite
import ETLPluginKit

/// The SQLite warehouse: tables in one SQLite database file, loaded in
/// replace, append or upsert mode, with the extractor state, run records
/// and schemas committed in the same transaction as the data.
///
/// One instance holds one connection and loads one table at a time (a
/// second begin before the first load ends is refused). See README.md for
/// the type mapping and the guarantees of each mode.
final class SQLiteWarehouse: Warehouse {
    static let info = PluginInfo(
        name: "sqlite", version: "0.1.0",
        description: "SQLite database file: replace (atomic swap), append and upsert, with state in the same "
            + "transaction",
        configSchema: SQLiteConfig.schema,
        capabilities: [.modeReplace, .modeAppend, .modeUpsert, .transactionalState, .deletions, .parallelStreams])

    private let config: SQLiteConfig
    private let host: HostContext
    private let db: SQLiteConnection
    /// The table being loaded, if any.
    private var loading: String?
    /// Numbers staging tables within this instance.
    private var sequence = 0

    init(config: PluginConfig, host: HostContext) throws {
        self.config = try SQLiteConfig(config)
        self.host = host
        db = try SQLiteConnection(path: self.config.path,
                                  busyTimeoutMilliseconds: self.config.busyTimeoutMilliseconds, host: host)
        if db.journalMode != "wal" {
            host.log(.warn, "sqlite: database \"\(self.config.path)\" is in journal mode \"\(db.journalMode)\", "
                + "not WAL: readers may wait for a load's commit")
        }
    }

    /// Checks that the database can be read (opening already checked that
    /// it is a writable SQLite database).
    func check() throws {
        try db.rows("SELECT count(*) FROM sqlite_master", [], "checking database \"\(config.path)\"")
    }

    func begin(_ request: TableRequest) throws -> any TableWriter {
        if let loading {
            throw PluginError.invalidArgument("sqlite: table \"\(request.table)\": this instance is still loading "
                + "table \"\(loading)\"; commit or roll it back first (one load per instance at a time)")
        }
        sequence += 1
        let writer = try SQLiteTableWriter.begin(
            request, db: db, host: host,
            stagingName: SQLName.staging(for: request.table, runID: request.runID, sequence: sequence),
            onEnd: { [weak self] in self?.loading = nil })
        loading = request.table
        return writer
    }

    func stateGet(key: String) throws -> String? {
        try Bookkeeping.state(key: key, in: db)
    }

    func schemaGet(table: String) throws -> String? {
        try Bookkeeping.schema(table: table, in: db)
    }

    func tableSchema(name: String) throws -> ArrowBatchSchema? {
        try TableCatalog.read(name, in: db)?.arrowSchema
    }

    /// Interrupts the running statement; the load then fails with
    /// `ETL_ERR_CANCELLED` and is rolled back.
    func cancel() {
        db.interrupt()
    }
}

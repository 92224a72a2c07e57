import ETLPluginKit

/// The per-connection settings a load changes for speed, and their values
/// before it, to put back when the load ends.
///
/// - `synchronous = NORMAL` (WAL only): no fsync per commit; in WAL mode
///   the database stays consistent after a crash, and a power loss can
///   only lose the last commits, data and state together.
/// - `cache_size = -32768` (32 MiB): fewer spills of dirty pages during a
///   large transaction, while memory stays bounded whatever the input size.
///
/// `temp_store` is left alone: `MEMORY` would keep the sort of a large
/// unique-index build in memory, and the loads themselves use no temporary
/// storage. `journal_mode = WAL` is set when the database is opened; it is a
/// property of the file and is kept.
///
/// Related SQLite documentation: https://www.sqlite.org/pragma.html
struct LoadPragmas {
    private var synchronous: Int64?
    private var cacheSize: Int64?

    /// The cache size during a load, in KiB (negative: a size, not pages).
    static let loadCacheSize: Int64 = -32768

    /// Reads the current values and sets the load's. Outside a transaction
    /// (`synchronous` cannot change inside one).
    static func apply(on db: SQLiteConnection, table: String) throws(PluginError) -> LoadPragmas {
        let what = "table \"\(table)\": setting the bulk-load pragmas"
        var saved = LoadPragmas()
        saved.cacheSize = try db.rows("PRAGMA cache_size", [], what).first?.first?.integer
        try db.execute("PRAGMA cache_size = \(loadCacheSize)", what)
        if db.journalMode == "wal" {
            saved.synchronous = try db.rows("PRAGMA synchronous", [], what).first?.first?.integer
            try db.execute("PRAGMA synchronous = NORMAL", what)
        }
        return saved
    }

    /// Puts the previous values back; after the transaction ended. Best
    /// effort: a failure here changes nothing that was committed.
    func restore(on db: SQLiteConnection) {
        if let cacheSize { try? db.execute("PRAGMA cache_size = \(cacheSize)", "") }
        if let synchronous { try? db.execute("PRAGMA synchronous = \(synchronous)", "") }
    }
}

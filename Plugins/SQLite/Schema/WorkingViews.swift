import CSQLite
import ETLPluginKit

/// The views of the database that compile before a swap, so the swap can
/// check that each still compiles on the new table before its commit.
///
/// SQLite stores a view as its `CREATE VIEW` text and resolves the names
/// in it when a query uses the view, so a view (or a view on that view)
/// over a swapped table reads the new table with no work: the swap drops
/// the old table and renames the staging table in `legacy_alter_table`
/// mode, which leaves the views' text alone. What can break is a view
/// that reads a column the new rows no longer have; the swap then fails
/// with the view's name and SQLite's reason, and the load's transaction
/// rolls back, leaving the old table. A view that did not compile before
/// the load is not the load's concern and is left as it is.
///
/// Related SQLite documentation: https://www.sqlite.org/lang_createview.html
struct WorkingViews {
    /// The names of the views that compiled.
    private(set) var names: [String] = []

    /// The views of the main schema that compile now.
    static func read(in db: SQLiteConnection, _ what: String) throws(PluginError) -> WorkingViews {
        var result = WorkingViews()
        for row in try db.rows("SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name", [],
                               "\(what): listing the views") {
            guard case .text(let name) = row.first else { continue }
            if compileFailure(of: name, in: db) == nil { result.names.append(name) }
        }
        return result
    }

    /// Throws for the first view that no longer compiles.
    ///
    /// - Throws: ``PluginError/Code/invalidArgument`` naming the view and
    ///   SQLite's reason, e.g. `no such column: amount`.
    func check(in db: SQLiteConnection, _ what: String) throws(PluginError) {
        for name in names {
            if let reason = Self.compileFailure(of: name, in: db) {
                throw PluginError.invalidArgument("\(what): view \"\(name)\" no longer works on the new table "
                    + "(\(reason)); change or drop the view, or load the missing column again")
            }
        }
    }

    /// SQLite's message when a query of the view `name` does not compile,
    /// `nil` when it does.
    private static func compileFailure(of name: String, in db: SQLiteConnection) -> String? {
        var statement: OpaquePointer?
        let status = sqlite3_prepare_v2(db.handle, "SELECT * FROM \(SQLName.quoted(name)) LIMIT 0", -1, &statement, nil)
        defer { sqlite3_finalize(statement) }
        return status == SQLITE_OK ? nil : String(cString: sqlite3_errmsg(db.handle))
    }
}

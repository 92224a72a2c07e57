import CSQLite
import Foundation

/// Reads a SQLite database directly (not through etl-host), for assertions.
public final class SQLiteInspector {
    private var db: OpaquePointer?

    /// Opens `path` read-only, or read-write when `writable` (a test that
    /// changes a warehouse's data behind etl-host's back, as a user would).
    public init(path: String, writable: Bool = false) throws {
        guard sqlite3_open_v2(path, &db, writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY, nil) == SQLITE_OK else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(db)
            throw TestFailure("cannot open \(path): \(message)")
        }
    }

    deinit { sqlite3_close(db) }

    /// Runs `sql` and returns every row as text cells (nil for NULL).
    public func rows(_ sql: String) throws -> [[String?]] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK else {
            throw TestFailure("\(sql): \(String(cString: sqlite3_errmsg(db)))")
        }
        defer { sqlite3_finalize(statement) }
        var result: [[String?]] = []
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else { throw TestFailure("\(sql): \(String(cString: sqlite3_errmsg(db)))") }
            result.append((0 ..< sqlite3_column_count(statement)).map { column in
                sqlite3_column_type(statement, column) == SQLITE_NULL ? nil
                    : String(cString: sqlite3_column_text(statement, column))
            })
        }
        return result
    }

    /// The first column of the first row.
    public func scalar(_ sql: String) throws -> String? { try rows(sql).first?.first ?? nil }

    /// `(name, declared type)` of a table's columns.
    public func columns(_ table: String) throws -> [String] {
        try rows("SELECT name || ' ' || type FROM pragma_table_info('\(table.replacingOccurrences(of: "'", with: "''"))')").map { $0[0] ?? "" }
    }

    /// Every user table with its rows, values with their storage class, as
    /// one text: equal dumps mean equal content.
    public func dump() throws -> String {
        var text = ""
        for row in try rows("SELECT name, sql FROM sqlite_master ORDER BY name") {
            text += "\(row[0] ?? ""): \(row[1] ?? "")\n"
        }
        for table in try rows("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").map({ $0[0]! }) {
            let quoted = "\"" + table.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            let columns = try rows("SELECT name FROM pragma_table_info('\(table.replacingOccurrences(of: "'", with: "''"))')").map { $0[0]! }
            let cells = columns.map { column -> String in
                let name = "\"" + column.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                return "typeof(\(name)) || ':' || quote(\(name))"
            }.joined(separator: " || '|' || ")
            for row in try rows("SELECT \(cells.isEmpty ? "''" : cells) FROM \(quoted) ORDER BY rowid") {
                text += "\(table)| \(row[0] ?? "")\n"
            }
        }
        return text
    }
}

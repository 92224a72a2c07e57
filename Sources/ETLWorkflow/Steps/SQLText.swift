/// Quoting for the SQL that `sql` and `check` steps generate: standard
/// SQL, which both bundled warehouses (SQLite, PostgreSQL) accept.
enum SQLText {
    /// `"name"`, inner double quotes doubled: one identifier, whatever its
    /// characters (a dot is part of the name, not a schema separator).
    static func identifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `'text'`, inner single quotes doubled.
    static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// `sql` without trailing semicolons and white space, so that it can be
    /// embedded in a larger statement (`CREATE VIEW ... AS <sql>`).
    static func withoutTerminator(_ sql: String) -> String {
        var text = Substring(sql)
        while let last = text.last, last == ";" || last.isWhitespace { text = text.dropLast() }
        return String(text)
    }
}

import Foundation

/// Identifiers in generated SQL.
///
/// Every table, column and index name the plugin writes into SQL goes
/// through ``quoted(_:)``, so that any name works: keywords (`Order`,
/// `Group`), emoji, quotes (`a"b`), leading digits (`1st`), spaces.
///
/// ```swift
/// SQLName.quoted(#"a"b"#)   // "\"a\"\"b\""
/// ```
enum SQLName {
    /// `name` as a double-quoted SQL identifier, inner `"` doubled.
    static func quoted(_ name: String) -> String {
        "\"" + name.replacingAll("\"", with: "\"\"") + "\""
    }

    /// The comparison key SQLite uses for identifiers: ASCII letters are
    /// case-insensitive (`Order` and `ORDER` name the same column), other
    /// characters compare exactly.
    static func key(_ name: String) -> String {
        String(decoding: name.utf8.map { byte in
            (byte >= 0x41 && byte <= 0x5A) ? byte + 0x20 : byte
        }, as: UTF8.self)
    }

    /// The prefix of every table and index the plugin keeps for itself.
    static let reservedPrefix = "_etl_"

    /// The prefix of staging tables: `_etl_staging_<table>_<suffix>`, where
    /// the suffix has no `_`.
    static func stagingPrefix(for table: String) -> String { "_etl_staging_\(table)_" }

    /// The name of the unique index that upserts into `table` rely on.
    static func keyIndex(for table: String) -> String { "_etl_key_\(table)" }

    /// A staging table name for `table`, unique per run: the run id with
    /// anything but ASCII letters and digits turned into `-`, plus a
    /// process-unique counter.
    static func staging(for table: String, runID: String, sequence: Int) -> String {
        let run = String(decoding: runID.utf8.prefix(40).map { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                ? byte : UInt8(ascii: "-")
        }, as: UTF8.self)
        return stagingPrefix(for: table) + (run.isEmpty ? "run" : run) + "-\(sequence)"
    }
}

extension String {
    /// The string with every `target` replaced by `replacement`.
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard contains(target) else { return self }
        return split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

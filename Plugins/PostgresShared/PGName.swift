/// Identifiers in generated SQL, and the names the plugin makes for itself.
///
/// Every schema, table, column and index name the plugin writes into SQL
/// goes through ``quoted(_:)``, so that any name works as given: keywords
/// (`order`, `group`), upper case, emoji, quotes (`a"b`), spaces. Quoted
/// identifiers are case-sensitive in PostgreSQL, so `Name` and `name` are
/// two columns.
///
/// PostgreSQL cuts identifiers longer than 63 bytes (`NAMEDATALEN - 1`)
/// without an error, so two long names could silently become one: the
/// plugin refuses them instead (``check(_:what:limit:)``).
///
/// ```swift
/// PGName.quoted(#"a"b"#)                   // "\"a\"\"b\""
/// PGName.qualified("analytics", "orders")  // "\"analytics\".\"orders\""
/// ```
package enum PGName {
    /// `name` as a double-quoted identifier, inner `"` doubled.
    package static func quoted(_ name: String) -> String {
        "\"" + name.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }

    /// `"schema"."name"`.
    package static func qualified(_ schema: String, _ name: String) -> String {
        quoted(schema) + "." + quoted(name)
    }

    /// `text` as a SQL string literal, inner `'` doubled.
    package static func literal(_ text: String) -> String {
        "'" + text.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''") + "'"
    }

    /// The prefix of every table and index the plugin keeps for itself.
    package static let reservedPrefix = "_etl_"

    /// Throws unless `name` is a usable identifier: not empty, no NUL, at
    /// most `limit` bytes.
    ///
    /// - Parameter what: how messages name it, e.g. `table "orders"`.
    package static func check(_ name: String, what: String, limit: Int) throws(PostgresError) {
        guard !name.isEmpty else { throw PostgresError.invalidArgument("\(what): the name is empty") }
        guard !name.utf8.contains(0) else {
            throw PostgresError.invalidArgument("\(what): the name contains a NUL character, which PostgreSQL "
                + "identifiers cannot hold")
        }
        let bytes = name.utf8.count
        guard bytes <= limit else {
            throw PostgresError.invalidArgument("\(what): the name is \(bytes) bytes long, but PostgreSQL "
                + "identifiers hold at most \(limit) bytes (longer ones are cut, so two names could become one); "
                + "use a shorter name")
        }
    }

    /// A staging table name for a replace: `_etl_staging_<tag>_<sequence>`,
    /// where `tag` tells instances apart (a random number) and `sequence`
    /// the loads of one instance. It lives only inside its transaction.
    package static func staging(tag: UInt32, sequence: Int) -> String {
        "_etl_staging_\(String(tag, radix: 16))_\(sequence)"
    }

    /// The temporary table of an upsert or a load through casts:
    /// `_etl_load_<tag>_<sequence>`.
    package static func temporary(tag: UInt32, sequence: Int) -> String {
        "_etl_load_\(String(tag, radix: 16))_\(sequence)"
    }

    /// The name of the unique index that upserts into `table` rely on:
    /// `_etl_key_<table>`, or when that is longer than `limit` bytes, a
    /// prefix of the table name and a hash of all of it.
    package static func keyIndex(for table: String, limit: Int) -> String {
        let full = "_etl_key_" + table
        if full.utf8.count <= limit { return full }
        let hash = "_" + hexHash(table)
        return "_etl_key_" + prefix(of: table, bytes: limit - "_etl_key_".utf8.count - hash.utf8.count) + hash
    }

    /// The longest prefix of `text` of at most `bytes` UTF-8 bytes that
    /// ends on a character boundary.
    package static func prefix(of text: String, bytes: Int) -> String {
        var result = ""
        var count = 0
        for character in text.unicodeScalars {
            let size = String(character).utf8.count
            if count + size > bytes { break }
            result.unicodeScalars.append(character)
            count += size
        }
        return result
    }

    /// 16 hex digits of the FNV-1a hash of `text`.
    package static func hexHash(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

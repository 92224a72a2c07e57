import ETLPluginKit
import ETLPostgresShared

/// Where an incremental stream stopped: the cursor and key values (as the
/// server's text) of the last row read. The state the host keeps is
/// `{"cursor": "2026-12-06 09:00:00+00", "key": ["42"]}`.
///
/// The next read takes the rows with `(cursor, key) > (these values)`,
/// ordered by cursor then key, so rows that share the last cursor value
/// but were not read yet (a larger key) are read, and none is read twice.
struct KeysetPosition: Equatable {
    var cursor: String
    var key: [String]

    /// The position a saved state holds; `nil` for no state (first run).
    ///
    /// - Throws: `invalidArgument` when the state is not this shape, naming
    ///   the stream.
    static func parse(_ state: String?, stream: String, keyCount: Int) throws(PostgresError) -> KeysetPosition? {
        guard let state else { return nil }
        let shape = #"{"cursor": "<value>", "key": ["<value>", ...]}"#
        let value: JSONValue
        do {
            value = try JSONValue(parsing: state)
        } catch {
            throw PostgresError.invalidArgument("stream \"\(stream)\": the saved state is not valid JSON; expected \(shape)")
        }
        if value == .null { return nil }
        guard let cursor = value["cursor"]?.stringValue, let key = value["key"]?.stringArrayValue else {
            throw PostgresError.invalidArgument("stream \"\(stream)\": the saved state must be \(shape)")
        }
        guard key.count == keyCount else {
            throw PostgresError.invalidArgument("stream \"\(stream)\": the saved state has \(key.count) key values but "
                + "the stream's key has \(keyCount) columns; run with --full-refresh to start over")
        }
        return KeysetPosition(cursor: cursor, key: key)
    }

    /// The state's JSON text.
    var stateJSON: String {
        JSONValue.object(["cursor": .string(cursor), "key": .array(key.map(JSONValue.string))]).jsonText
    }
}

/// The `SELECT` a stream's read copies out: every column, and for an
/// incremental stream the keyset condition, order and the cursor and key
/// as text at the end (for the state).
struct StreamQuery {
    let stream: SourceStream
    let columns: [SourceStream.Column]
    /// The cursor column and key columns, for an incremental read.
    let keyset: (cursor: String, key: [String])?
    let after: KeysetPosition?

    /// Fields after the stream's columns that carry the state's values.
    var trailingTextColumns: Int { keyset.map { 1 + $0.key.count } ?? 0 }

    /// `COPY (SELECT ...) TO STDOUT (FORMAT binary)`.
    var copyStatement: String {
        var list = columns.map(\.selectExpression)
        var sql = ""
        if let keyset {
            let ordered = ([keyset.cursor] + keyset.key).map { SourceStream.sourceAlias + "." + PGName.quoted($0) }
            list += ordered.enumerated().map { "(\($0.element))::text AS \"_etl_position_\($0.offset)\"" }
            sql = " WHERE \(ordered[0]) IS NOT NULL"
            if let after {
                let values = ([after.cursor] + after.key).map(PGName.literal)
                sql += " AND (\(ordered.joined(separator: ", "))) > (\(values.joined(separator: ", ")))"
            }
            sql += " ORDER BY \(ordered.joined(separator: ", "))"
        }
        let select = "SELECT \(list.isEmpty ? "" : list.joined(separator: ", ")) FROM \(stream.fromItem)\(sql)"
        return "COPY (\(select)) TO STDOUT (FORMAT binary)"
    }
}

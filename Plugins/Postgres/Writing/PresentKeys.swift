import CPostgres
import ETLPluginKit
import ETLPostgresShared

/// The keys still present at the source during an upsert with deletions
/// (ABI 1.1): a temporary table filled by a binary COPY per batch of keys
/// the host sends; at commit, before the merge (while the load's own
/// temporary table still holds every row written), the live rows whose key
/// is in neither are deleted or flagged, in the load's transaction.
///
/// ```sql
/// DELETE FROM s.t AS t WHERE NOT EXISTS (SELECT 1 FROM pg_temp.keys k WHERE k.id = t.id)
///                        AND NOT EXISTS (SELECT 1 FROM pg_temp.load l WHERE l.id = t.id)
/// ```
final class PresentKeys {
    private let table: String
    private let name: String
    private let keys: [String]
    /// Encoders of a key batch (columns 0..<n) into the key columns' types.
    private let encoders: [ColumnEncoder]
    private let buffer = CopyBuffer()
    private let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: DateText.capacity)
    /// Whether the host sent the key listing (possibly empty).
    private(set) var received = false

    /// Creates the temporary table inside the load's transaction.
    ///
    /// - Parameters:
    ///   - declarations: the key columns' PostgreSQL types, in key order.
    ///   - encoders: how each column of a key batch is sent.
    init(request: TableRequest, declarations: [String], encoders: [ColumnEncoder], name: String,
         db: PGConnection) throws(PostgresError) {
        table = request.table
        self.name = name
        keys = request.keyColumns
        self.encoders = encoders
        let columns = zip(keys, declarations).map { "\(PGName.quoted($0)) \($1)" }.joined(separator: ", ")
        try db.execute("CREATE TEMPORARY TABLE \(PGName.quoted(name)) (\(columns)) ON COMMIT DROP",
                       "table \"\(table)\": creating the table of present keys")
    }

    deinit { scratch.deallocate() }

    /// Sends every key of `batch` (a batch of the request's key schema) in
    /// a COPY of its own; the load's data COPY must be ended first.
    func send(_ batch: ImportedBatch, db: PGConnection) throws(PostgresError) {
        received = true
        guard batch.rowCount > 0 else { return }
        let what = "table \"\(table)\": recording the keys present at the source (COPY)"
        let sink = try db.beginCopy("COPY pg_temp.\(PGName.quoted(name)) FROM STDIN (FORMAT binary)", what)
        buffer.count = 0
        buffer.appendHeader()
        for row in 0..<batch.rowCount {
            buffer.append(Int16(encoders.count))
            for (position, encoder) in encoders.enumerated() {
                if batch.isNull(row: row, column: position) {
                    db.abortCopy("a null key")
                    throw PostgresError.data("table \"\(table)\": key column \"\(keys[position])\" is null "
                        + "in row \(row + 1) of a batch of present keys")
                }
                do throws(ColumnEncoder.Refusal) {
                    try encoder.encode(batch, row: row, into: buffer, scratch: scratch)
                } catch {
                    db.abortCopy("a key that does not fit")
                    throw PostgresError.data("table \"\(table)\": key column \"\(keys[position])\" of row "
                        + "\(row + 1) of a batch of present keys does not fit the column")
                }
            }
            if buffer.count >= CopyBuffer.chunkSize {
                buffer.flush(to: sink)
                if sink.failed { break }
            }
        }
        buffer.appendTrailer()
        buffer.flush(to: sink)
        try db.endCopy(sink, what)
    }

    /// Removes or flags the rows of `live` whose key is neither present nor
    /// in `loaded` (the load's temporary table); returns how many changed.
    func apply(_ mode: DeletionMode, live: String, loaded: String, db: PGConnection) throws(PostgresError) -> Int {
        guard received else {
            throw PostgresError.invalidArgument("table \"\(table)\": deletions (\(mode)) were requested but "
                + "no present keys were given (write_present_keys was never called); nothing was deleted")
        }
        func matches(_ other: String, _ alias: String) -> String {
            "EXISTS (SELECT 1 FROM pg_temp.\(PGName.quoted(other)) \(alias) WHERE "
                + keys.map { "\(alias).\(PGName.quoted($0)) = t.\(PGName.quoted($0))" }.joined(separator: " AND ") + ")"
        }
        let gone = "NOT \(matches(name, "k")) AND NOT \(matches(loaded, "l"))"
        let what = "table \"\(table)\": \(mode == .remove ? "deleting" : "flagging") rows no longer at the source"
        try db.execute("ANALYZE pg_temp.\(PGName.quoted(name))", what)
        switch mode {
        case .keep:
            return 0
        case .remove:
            return try db.execute("DELETE FROM \(live) AS t WHERE \(gone)", what).changed
        case .flag:
            let flag = PGName.quoted(DeletionMode.flagColumn)
            let changed = try db.execute("UPDATE \(live) AS t SET \(flag) = now() WHERE t.\(flag) IS NULL AND \(gone)",
                                         what).changed
            try db.execute("UPDATE \(live) AS t SET \(flag) = NULL WHERE t.\(flag) IS NOT NULL AND \(matches(name, "k"))",
                           "table \"\(table)\": clearing the flag of rows present again")
            return changed
        }
    }
}

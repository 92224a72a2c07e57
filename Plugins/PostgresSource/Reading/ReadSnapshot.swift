import ETLPluginKit
import ETLPostgresShared

/// The one transaction every stream of a run is read in:
/// `REPEATABLE READ READ ONLY`, begun at the instance's discover or first
/// read, so all streams of a run see the database as of one moment (rows
/// committed while the run reads are in no stream of it, and in the
/// next). Instances opened for parallel streams join the first one's
/// moment through its exported snapshot (``SnapshotExchange``).
///
/// Each stream's read runs inside a savepoint: a failed read (a table
/// dropped since discover) is rolled back to it and the other streams go
/// on reading in the same snapshot. A lost connection takes the snapshot
/// with it: the next stream read (the host's retry of the failed one, or
/// the next stream) reconnects and reads in a new snapshot.
final class ReadSnapshot {
    private let db: PGConnection
    private let host: HostContext
    /// Which server's snapshots this instance may share.
    private let exchangeKey: String
    /// The snapshot this instance exported, while it publishes it.
    private var exported: String?
    private var begun = false
    private var savepoint = 0
    /// The streams whose reads began in the current snapshot.
    private var streamsInMoment: [String] = []

    init(db: PGConnection, host: HostContext, exchangeKey: String) {
        self.db = db
        self.host = host
        self.exchangeKey = exchangeKey
    }

    deinit {
        guard let exported else { return }
        let key = exchangeKey
        SnapshotExchange.published.withLock { published in
            if published[key] == exported { published[key] = nil }
        }
    }

    /// Opens the snapshot's transaction unless it is open: the snapshot
    /// another instance of this process published for the same server, or
    /// a new one, exported and published for the instances opened after.
    func begin(_ what: String) throws(PostgresError) {
        guard !begun || !db.inTransaction else { return }
        let key = exchangeKey
        try SnapshotExchange.published.withLock { (published) throws(PostgresError) in
            if let shared = published[key] {
                try db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "\(what): beginning the read snapshot")
                do {
                    try db.execute("SET TRANSACTION SNAPSHOT \(PGName.literal(shared))", "\(what): importing snapshot \(shared)")
                    begun = true
                    host.log(.debug, "reading in the snapshot \(shared) exported by another instance")
                    return
                } catch {
                    // Its exporter is gone: this instance starts a new moment.
                    _ = try? db.execute("ROLLBACK", "ending a failed import")
                    published[key] = nil
                    host.log(.debug, "the snapshot \(shared) is gone (\(PostgresError.wrapping(error).message)); taking a new one")
                }
            }
            try db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "\(what): beginning the read snapshot")
            begun = true
            if let id = try? db.execute("SELECT pg_catalog.pg_export_snapshot()", "exporting the snapshot").scalar {
                exported = id
                published[key] = id
                host.log(.debug, "reading in one REPEATABLE READ READ ONLY snapshot (exported as \(id)) on \(db.server)")
            } else {
                // A server that cannot export (a standby before 10): this instance's moment only.
                _ = try? db.execute("ROLLBACK", "ending a failed export")
                try db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "\(what): beginning the read snapshot")
                host.log(.debug, "reading in one REPEATABLE READ READ ONLY snapshot on \(db.server) (not exported)")
            }
        }
    }

    /// Begins the snapshot if needed, then a savepoint for one stream's
    /// read; returns the savepoint's name.
    ///
    /// A connection found lost (the server restarted, the backend was
    /// terminated: by a failed read of an earlier attempt, or by this
    /// savepoint) is reopened and the read begins in a new snapshot of its
    /// own moment (see ``reopen(for:because:)``), so that the host's retry
    /// of the stream reads it whole instead of failing again on the dead
    /// connection.
    func beginStream(_ stream: String) throws(PostgresError) -> String {
        if !db.isAlive { try reopen(for: stream, because: nil) }
        do {
            return try openSavepoint(stream)
        } catch where !db.isAlive {
            try reopen(for: stream, because: error.message)
            return try openSavepoint(stream)
        }
    }

    private func openSavepoint(_ stream: String) throws(PostgresError) -> String {
        try begin("stream \"\(stream)\"")
        savepoint += 1
        let name = "_etl_stream_\(savepoint)"
        try db.execute("SAVEPOINT \(name)", "stream \"\(stream)\": starting its read")
        if !streamsInMoment.contains(stream) { streamsInMoment.append(stream) }
        return name
    }

    /// Opens a new connection in place of the lost one; the next
    /// ``begin(_:)`` takes a new snapshot (or imports the one another
    /// instance of the run still publishes). The old snapshot died with its
    /// connection and cannot be resumed, so the streams read from now on see
    /// a later moment than the ones read before: that is logged as a
    /// warning naming them.
    private func reopen(for stream: String, because reason: String?) throws(PostgresError) {
        if let reason { try db.reconnect(because: reason) } else { try db.reopenIfLost() }
        begun = false
        if let exported {
            let key = exchangeKey
            SnapshotExchange.published.withLock { published in
                if published[key] == exported { published[key] = nil }
            }
            self.exported = nil
        }
        let earlier = streamsInMoment.filter { $0 != stream }
        streamsInMoment = []
        guard !earlier.isEmpty else { return }
        host.log(.warn, "stream \"\(stream)\" is read in a new snapshot after the connection was lost: it sees the "
            + "database as of now, later than the \(earlier.count == 1 ? "stream" : "streams") read before in this run ("
            + earlier.map { "\"\($0)\"" }.joined(separator: ", ") + ")")
    }

    /// Releases a stream's savepoint after a complete read.
    func endStream(_ savepoint: String) {
        _ = try? db.execute("RELEASE SAVEPOINT \(savepoint)", "ending a stream's read")
    }

    /// Undoes a failed or abandoned stream's read, keeping the snapshot.
    func abandonStream(_ savepoint: String) {
        if (try? db.execute("ROLLBACK TO SAVEPOINT \(savepoint)", "abandoning a stream's read")) == nil {
            _ = try? db.execute("ROLLBACK", "ending the read snapshot")
            begun = false
        }
    }
}

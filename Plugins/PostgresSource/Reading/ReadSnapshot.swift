import ETLPluginKit
import ETLPostgresShared

/// The one transaction every stream of an instance is read in:
/// `REPEATABLE READ READ ONLY`, begun before the first read, so all
/// streams of a run see the database as of one moment (rows committed
/// while the run reads are in no stream, or the next run).
///
/// Each stream's read runs inside a savepoint: a failed read (a table
/// dropped since discover) is rolled back to it and the other streams go
/// on reading in the same snapshot.
final class ReadSnapshot {
    private let db: PGConnection
    private let host: HostContext
    private var begun = false
    private var savepoint = 0

    init(db: PGConnection, host: HostContext) {
        self.db = db
        self.host = host
    }

    /// Begins the snapshot's transaction if it is not open yet, then a
    /// savepoint for one stream's read; returns the savepoint's name.
    func beginStream(_ stream: String) throws(PostgresError) -> String {
        if !begun || !db.inTransaction {
            try db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "stream \"\(stream)\": beginning the read snapshot")
            begun = true
            host.log(.debug, "reading in one REPEATABLE READ READ ONLY snapshot on \(db.server)")
        }
        savepoint += 1
        let name = "_etl_stream_\(savepoint)"
        try db.execute("SAVEPOINT \(name)", "stream \"\(stream)\": starting its read")
        return name
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

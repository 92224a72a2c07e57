import Synchronization

/// The snapshots exported by the instances of this process, per server:
/// the first instance to read (the leader) exports its snapshot
/// (`pg_export_snapshot()`) and publishes its id here; the instances the
/// host opens for parallel streams import it (`SET TRANSACTION SNAPSHOT`),
/// so every stream of a run sees the same moment. The leader withdraws
/// the id when it closes (its transaction, which the importers need, ends
/// then).
///
/// Related PostgreSQL documentation: https://www.postgresql.org/docs/current/functions-admin.html#FUNCTIONS-SNAPSHOT-SYNCHRONIZATION
enum SnapshotExchange {
    /// Connection key (the libpq parameters) -> the published snapshot id.
    static let published = Mutex<[String: String]>([:])
}

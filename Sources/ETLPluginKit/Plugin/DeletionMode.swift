/// What an upsert does with rows whose key the source no longer has
/// (`enum etl_deletion_mode`, since ABI 1.1).
///
/// With anything but ``keep``, the host passes the keys present at the
/// source to ``TableWriter/writePresentKeys(batch:)`` before commit, and
/// the writer removes or flags every other row at commit:
///
/// ```swift
/// // At commit, for .remove:
/// //   DELETE FROM t WHERE key NOT IN (present keys ∪ keys written in this load)
/// // for .flag:
/// //   UPDATE t SET _etl_deleted_at = now WHERE _etl_deleted_at IS NULL AND key NOT IN (...)
/// //   UPDATE t SET _etl_deleted_at = NULL WHERE key IN (...)
/// ```
public enum DeletionMode: Int32, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Keep rows that disappeared from the source (the ABI 1.0 behaviour).
    case keep = 0
    /// Delete them in the commit's transaction.
    case remove = 1
    /// Keep them and set ``flagColumn`` to the commit's time.
    case flag = 2

    /// The column that ``flag`` sets: a nullable UTC timestamp that the
    /// host includes in the request's schema and always sends as NULL.
    public static let flagColumn = "_etl_deleted_at"

    /// `"keep"`, `"remove"` or `"flag"`.
    public var description: String {
        switch self {
        case .keep: "keep"
        case .remove: "remove"
        case .flag: "flag"
        }
    }
}

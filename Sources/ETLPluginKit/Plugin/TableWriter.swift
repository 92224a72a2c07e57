/// Writes the batches of one table between begin() and commit/rollback.
///
/// The kit calls ``write(batch:)`` zero or more times, then exactly one of
/// ``commit(_:)`` (after a failed commit, the host calls ``rollback()``) or
/// ``rollback()``, never concurrently.
///
/// ```swift
/// final class MemoryWriter: TableWriter {
///     var pending: [ImportedBatch] = []
///     func write(batch: ImportedBatch) throws { pending.append(batch) }
///     func commit(_ request: CommitRequest) throws {
///         // store `pending`, request.stateJSON under request.stateKey,
///         // request.runJSON and request.schemaJSON, all or nothing
///     }
///     func rollback() { pending = [] }
/// }
/// ```
public protocol TableWriter: AnyObject {
    /// Writes one batch, already validated against the request's schema.
    /// The writer may keep the batch; it is released when the last
    /// reference goes.
    func write(batch: ImportedBatch) throws

    /// Makes everything written since begin() visible, together with what
    /// `request` carries (the extractor state under its key, the run record
    /// and the table's resolved schema), in one transaction. On failure
    /// nothing may be visible, and the host then calls ``rollback()``.
    func commit(_ request: CommitRequest) throws

    /// Discards everything written since begin(); the live table is exactly
    /// as before. Must not fail.
    func rollback()

    /// Records keys present at the source, for a request whose
    /// ``TableRequest/deletions`` is not ``DeletionMode/keep``: a batch of
    /// ``TableRequest/keySchema``. Nothing is deleted or flagged before
    /// ``commit(_:)``; ``rollback()`` forgets the keys. Since ABI 1.1; the
    /// default throws ``PluginError/Code/unsupported`` (declare
    /// ``PluginCapabilities/deletions`` only when you implement it).
    func writePresentKeys(batch: ImportedBatch) throws
}

extension TableWriter {
    /// Throws ``PluginError/Code/unsupported``.
    public func writePresentKeys(batch: ImportedBatch) throws {
        throw PluginError(.unsupported, "this warehouse cannot detect deleted rows")
    }
}

/// Writes the batches of one table between begin() and commit/rollback.
///
/// The kit calls ``write(batch:)`` zero or more times, then exactly one of
/// ``commit(stateKey:stateJSON:runJSON:)`` (after a failed commit, the
/// host calls ``rollback()``) or ``rollback()``, never concurrently.
public protocol TableWriter: AnyObject {
    /// Writes one batch, already validated against the request's schema.
    /// The writer may keep the batch; it is released when the last
    /// reference goes.
    func write(batch: ImportedBatch) throws

    /// Makes everything written since begin() visible, together with the
    /// extractor state (`stateJSON` under `stateKey`, when both are given)
    /// and the run record, in one transaction. On failure nothing may be
    /// visible.
    func commit(stateKey: String?, stateJSON: String?, runJSON: String?) throws

    /// Discards everything written since begin(); the live table is exactly
    /// as before. Must not fail.
    func rollback()
}

import Foundation

/// Keeps a run's ``RunRecord`` and writes it to the state folder
/// (``RunStore``) when the run starts, after each stream and when it ends,
/// so a run is recorded even when the process dies under it. Thread-safe:
/// parallel streams report through one recorder.
final class RunRecorder: @unchecked Sendable {
    // @unchecked: `record` is guarded by `lock`; the rest is immutable after init.
    private let lock = NSLock()
    private var record: RunRecord
    private let store: RunStore?
    private let log: RunLog
    private let clock: any RunClock
    private let started: Date

    /// A recorder of `record` (status `running`) into `store` (nil: kept in
    /// memory only); `log` gives the retries and takes save failures.
    init(_ record: RunRecord, store: RunStore?, log: RunLog, clock: any RunClock) {
        self.record = record
        self.store = store
        self.log = log
        self.clock = clock
        started = clock.now()
    }

    /// The record as it stands.
    var current: RunRecord { lock.withLock { record } }

    /// Writes the record as it stands.
    func save() throws {
        guard let store else { return }
        try store.save(current)
    }

    /// Adds a stream's report (and the retries so far) and saves; a save
    /// failure is left for the run's end to report.
    func streamEnded(_ report: StreamReport) {
        lock.withLock { record.streams.append(report); record.retries = log.retries }
        try? save()
    }

    /// Notes that a stream's snapshot is complete (the run keeps one).
    func snapshotKept() {
        lock.withLock { record.snapshot = true }
    }

    /// Ends the record with `status` and `error` (and the error's fields),
    /// its end time, duration and retries, and saves it (a failure to save
    /// is logged).
    func finish(status: RunRecord.Status, error: String?, errorDetail: ErrorDetail? = nil) {
        lock.withLock {
            record.status = status
            record.error = error
            record.errorDetail = errorDetail
            record.finishedAt = clock.timestamp()
            record.durationSeconds = clock.secondsSince(started)
            record.retries = log.retries
        }
        do { try save() } catch {
            log.write(.error, plugin: nil, stream: nil, "the run record could not be saved: \(error)")
        }
    }
}

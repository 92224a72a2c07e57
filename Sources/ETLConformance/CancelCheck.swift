import CETLPlugin
import ETLHost
import ETLPluginKit
import Foundation

/// `cancel`: cancel() from another thread ends a read within
/// `--cancel-within`, and a stream cancelled before its first get_next
/// delivers no batch (which does not depend on how long the read takes).
extension ExtractorChecks {
    // MARK: cancel

    /// `cancel`: a read stops within the bound after cancel() is called
    /// from another thread, with ECANCELED or the end of the stream.
    static func cancel(_ environment: WorkerEnvironment) throws {
        let recorder = environment.recorder
        let bound = environment.options.cancelWithin
        var memory = MemoryMap()
        let names: [String]
        do {
            let catalogInstance = try environment.openInstance("for the catalog")
            defer { catalogInstance.close() }
            names = try streams(environment, catalogInstance, memory: &memory)
        }
        var details: [String] = []
        if try environment.plugin().raw.cancel == nil {
            recorder.note("the plugin has no cancel(); only the host's is_cancelled flag was set")
        }
        for name in names.prefix(5) {
            // Cancellation is final for an instance: one instance per stream.
            let instance = try environment.openInstance("to read '\(name)' and cancel it")
            recorder.phase("read of stream '\(name)'")
            guard case .success(let stream) = RawStream.read(instance, stream: name) else {
                recorder.fail("read of stream '\(name)' failed (see the arrow check)")
                instance.close()
                continue
            }
            if let problem = stream.structureProblem {
                recorder.fail(problem)
                instance.close()
                continue
            }
            var cSchema = ArrowSchema()
            recorder.phase("get_schema of stream '\(name)'")
            if stream.getSchema(&cSchema) == 0, let release = cSchema.release { release(&cSchema) }
            let reader = CancelledReader(stream: stream)
            recorder.phase("read of stream '\(name)' on a second thread (to be cancelled)")
            reader.start()
            // Cancel mid-read: once the first batch is in, or after a second
            // without one (a get_next blocked on its source must stop too).
            if !reader.waitForFirstBatch(seconds: min(bound, 1)) {
                recorder.note("stream '\(name)' delivered no batch within \(format(min(bound, 1))) s: cancel() was "
                    + "called while get_next was still working on the first")
            }
            recorder.phase("cancel() while stream '\(name)' is being read",
                           crashHint: "cancel() must be safe to call from another thread during a read")
            let started = DispatchTime.now()
            reader.markCancelled()
            instance.cancel()
            let cancelSeconds = seconds(since: started)
            if cancelSeconds > 1 {
                recorder.fail("cancel() took \(format(cancelSeconds)) s to return; it must not block")
            }
            recorder.phase("waiting up to \(format(bound)) s for stream '\(name)' to end after cancel()")
            guard let ending = reader.wait(seconds: bound) else {
                let after = reader.batchesSoFar
                recorder.fail("stream '\(name)' did not end within \(format(bound)) s of cancel(): "
                    + (after == 0 ? "get_next has not returned since" : "\(after) more batch(es) were delivered after it")
                    + "; get_next must return ECANCELED (or end the stream) soon after cancel()")
                recorder.abandon = true  // the reader is still inside the plugin
                return
            }
            switch ending.status {
            case 0 where ending.seconds < 0:
                details.append("'\(name)' ended before cancel() was called")
                recorder.note("stream '\(name)' ended (after \(ending.batches) batch(es)) before cancel() was called: "
                    + "cancelling it mid-read was not tested")
            case _ where ending.seconds < 0:
                details.append("'\(name)' failed before cancel() was called")
                recorder.note("stream '\(name)' failed with \(Errno.name(ending.status)) before cancel() was called "
                    + "(see the arrow check)")
            case 0:
                details.append("'\(name)' ended \(format(ending.seconds)) s after cancel() (end of stream)")
            case ECANCELED:
                details.append("'\(name)' stopped \(format(ending.seconds)) s after cancel() with ECANCELED")
            default:
                recorder.fail("after cancel(), get_next of stream '\(name)' failed with \(Errno.name(ending.status))"
                    + "\(ending.message.map { ": \($0)" } ?? ""); expected ECANCELED or the end of the stream")
            }
            recorder.phase("release of the cancelled stream '\(name)'")
            stream.release()
            recorder.phase("close of the cancelled instance")
            instance.close()
        }
        // However soon a read ends, cancel() before its first batch must stop it.
        for name in names.prefix(5) {
            try cancelBeforeFirstBatch(environment, stream: name, details: &details)
        }
        if names.count > 5 { recorder.note("only the first 5 streams were cancelled") }
        recorder.passDetail = details.joined(separator: "; ")
    }

    /// The part of `cancel` that does not depend on how long a read takes:
    /// a stream opened, then cancelled before its first get_next, must not
    /// deliver a batch: get_next returns ECANCELED (or ends the stream).
    private static func cancelBeforeFirstBatch(_ environment: WorkerEnvironment, stream name: String,
                                               details: inout [String]) throws {
        let recorder = environment.recorder
        let instance = try environment.openInstance("to read '\(name)' and cancel it before its first batch")
        defer { instance.close() }
        recorder.phase("read of stream '\(name)' (to be cancelled before its first batch)")
        guard case .success(let stream) = RawStream.read(instance, stream: name), stream.structureProblem == nil else {
            recorder.note("stream '\(name)' could not be read (see the arrow check)")
            return
        }
        defer { stream.release() }
        var cSchema = ArrowSchema()
        recorder.phase("get_schema of stream '\(name)'")
        if stream.getSchema(&cSchema) == 0, let release = cSchema.release { release(&cSchema) }
        recorder.phase("cancel() before the first get_next of stream '\(name)'",
                       crashHint: "cancel() must be safe to call at any time after open")
        instance.cancel()
        recorder.phase("get_next of stream '\(name)' after cancel()")
        var array = ArrowArray()
        let status = stream.getNext(&array)
        if status == 0, let release = array.release {
            let rows = array.length
            release(&array)
            recorder.fail("stream '\(name)': cancel() was called before the first get_next, which then delivered a "
                + "batch of \(rows) row\(rows == 1 ? "" : "s"); after cancel(), get_next must return ECANCELED (or end "
                + "the stream), however soon the read would finish")
        } else if status == 0 {
            details.append("'\(name)' cancelled before its first batch: end of stream")
        } else if status == ECANCELED {
            details.append("'\(name)' cancelled before its first batch: ECANCELED")
        } else {
            recorder.fail("stream '\(name)': after cancel() before the first get_next, get_next failed with "
                + "\(Errno.name(status))\(stream.lastError.map { ": \($0)" } ?? ""); expected ECANCELED or the end of the stream")
        }
    }
}

/// Reads a stream to its end on a thread of its own, so that the main
/// thread can cancel the instance mid-read and wait a bounded time for
/// the end.
final class CancelledReader: @unchecked Sendable {
    // @unchecked: the counters and `ending` are guarded by `lock`; `stream` is read only by the reading thread.
    /// How the stream ended.
    struct Ending {
        /// get_next's status: 0 (the end of the stream) or an errno.
        var status: Int32
        /// get_last_error's message after a failure.
        var message: String?
        /// Seconds from cancel() to the end; negative when the stream ended
        /// before cancel() was called.
        var seconds: Double
        /// Batches delivered in all.
        var batches: Int
    }

    private let stream: RawStream
    private let lock = NSLock()
    private var ending: Ending?
    private var delivered = 0
    private var sinceCancel = 0
    private var cancelledAt: DispatchTime?
    private let firstEvent = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)

    init(stream: RawStream) { self.stream = stream }

    /// Starts reading.
    func start() {
        let thread = Thread { [self] in
            while true {
                var array = ArrowArray()
                let status = stream.getNext(&array)
                if status != 0 || array.release == nil {
                    let message = status == 0 ? nil : stream.lastError
                    lock.withLock {
                        let since = cancelledAt.map { Double(DispatchTime.now().uptimeNanoseconds - $0.uptimeNanoseconds) / 1e9 } ?? -1
                        ending = Ending(status: status, message: message, seconds: since, batches: delivered)
                    }
                    firstEvent.signal()
                    done.signal()
                    return
                }
                array.release(&array)
                let first = lock.withLock {
                    delivered += 1
                    if cancelledAt != nil { sinceCancel += 1 }
                    return delivered == 1
                }
                if first { firstEvent.signal() }
            }
        }
        thread.start()
    }

    /// Waits at most `seconds` for the first batch (or the end); whether
    /// it came.
    func waitForFirstBatch(seconds: Double) -> Bool {
        firstEvent.wait(timeout: .now() + seconds) == .success
    }

    /// Notes the moment cancel() is called.
    func markCancelled() {
        lock.withLock { cancelledAt = .now() }
    }

    /// Batches delivered since cancel().
    var batchesSoFar: Int { lock.withLock { sinceCancel } }

    /// Waits for the end of the stream at most `seconds` from now (just
    /// after cancel() returned); `nil` when it did not come.
    func wait(seconds: Double) -> Ending? {
        guard done.wait(timeout: .now() + seconds) == .success else { return nil }
        return lock.withLock { ending }
    }
}

import Foundation

/// Runs a sync's streams on its workers and each stream's attempts: one
/// stream at a time on one worker, or as many at once as there are
/// workers, each taking the next stream when it is done
/// (``StreamJobBoard``); a stream whose failure is transient is run again
/// after the ``RetryPolicy``'s wait, read off an injectable clock.
struct StreamScheduler {
    /// When and how often a transient failure is retried.
    var retry: RetryPolicy
    /// Where retry waits happen.
    var clock: any RunClock
    /// Stops the waits, and the attempts not yet started.
    var cancellation: Cancellation
    /// Takes each retry (`log.hostRetry`).
    var log: RunLog

    /// Runs streams `0..<count` on `workers` and returns their reports in
    /// stream order.
    func run<Worker: Sendable>(_ count: Int, on workers: [Worker], _ body: @Sendable (Int, Worker) -> StreamReport) -> [StreamReport] {
        guard workers.count > 1 else {
            guard let worker = workers.first else { return [] }
            return (0 ..< count).map { body($0, worker) }
        }
        let board = StreamJobBoard(count: count)
        DispatchQueue.concurrentPerform(iterations: workers.count) { slot in
            while let index = board.take() {
                board.finish(index, body(index, workers[slot]))
            }
        }
        return board.reports.compactMap { $0 }
    }

    /// How a stream's attempts ended: its report (or last error), and how
    /// many attempts it took.
    struct Outcome {
        /// The report of the attempt that returned, or the error of the last one.
        var result: Result<StreamReport, any Error>
        /// Attempts made, the first included.
        var attempts: Int
    }

    /// Runs `attempt` for `stream` until it returns, fails for good (a
    /// permanent failure, the last attempt, or a cancellation), waiting
    /// between attempts. Errors after a cancellation become the
    /// cancellation (``Cancellation/attributing(_:)``).
    func attempts(stream: String, _ attempt: () throws -> StreamReport) -> Outcome {
        var number = 1
        while true {
            do {
                try cancellation.check("starting stream '\(stream)'")
                return Outcome(result: .success(try attempt()), attempts: number)
            } catch {
                let error = cancellation.attributing(error)
                if RetryPolicy.isTransient(error), number < retry.maxAttempts, !cancellation.isCancelled {
                    let wait = retry.delay(afterAttempt: number, honouring: error)
                    log.hostRetry(stream: stream, attempt: number, of: retry.maxAttempts, reason: "\(error)", wait: wait)
                    clock.wait(wait) { cancellation.isCancelled }
                    number += 1
                    continue
                }
                return Outcome(result: .failure(error), attempts: number)
            }
        }
    }
}

extension Cancellation {
    /// `error` as the run should see it: after a cancellation, a plugin's
    /// failure (e.g. its "cancelled" answer) is the run's cancellation.
    func attributing(_ error: any Error) -> any Error {
        guard isCancelled else { return error }
        if let hostError = error as? HostError, hostError.kind == .cancelled { return error }
        return HostError(.cancelled, "cancelled (\(reason)): \(error)")
    }
}

@testable import ETLHost
import Foundation
import Testing

/// ``StreamScheduler`` retries transient failures after the policy's wait
/// (read off a fake clock: no real sleep), fails permanent ones at once,
/// stops at a cancellation, and runs streams on every worker.
@Suite struct StreamSchedulerTests {
    private let log = RunLog(runID: "r", path: nil, echo: false)

    private func scheduler(attempts: Int, clock: FakeClock, cancellation: Cancellation = Cancellation()) -> StreamScheduler {
        StreamScheduler(retry: RetryPolicy(maxAttempts: attempts, baseDelay: 1, maxDelay: 30), clock: clock,
                        cancellation: cancellation, log: log)
    }

    private func report(_ stream: String, rows: Int = 0) -> StreamReport {
        StreamReport(stream: stream, table: stream, status: .succeeded, rowsRead: rows, rowsWritten: rows, rowsRejected: 0,
                     newColumns: [], widenedColumns: [], seconds: 0, error: nil, committed: true)
    }

    private static let busy = HostError(.operationFailed, "database is locked", pluginStatus: 5, retryable: true)

    @Test func aTransientFailureIsRetriedAfterTheJitteredBackoff() throws {
        let clock = FakeClock()
        var calls = 0
        let outcome = scheduler(attempts: 3, clock: clock).attempts(stream: "orders") {
            calls += 1
            if calls < 3 { throw Self.busy }
            return report("orders", rows: 3)
        }
        #expect(try outcome.result.get() == report("orders", rows: 3))
        #expect(outcome.attempts == 3)
        #expect(clock.waits.count == 2)
        #expect((0.5 ... 1.0).contains(clock.waits[0]), "\(clock.waits)")
        #expect((1.0 ... 2.0).contains(clock.waits[1]), "\(clock.waits)")
        #expect(log.retries.map(\.attempt) == [1, 2])
        #expect(log.retries.map(\.stream) == ["orders", "orders"])
        #expect(log.retries.map(\.reason) == ["database is locked", "database is locked"])
        #expect(log.retries.map(\.by) == ["host", "host"])
    }

    @Test func theLastAttemptsErrorIsTheOutcome() {
        let clock = FakeClock()
        var calls = 0
        let outcome = scheduler(attempts: 2, clock: clock).attempts(stream: "orders") {
            calls += 1
            throw Self.busy
        }
        #expect(calls == 2)
        #expect(outcome.attempts == 2)
        #expect(clock.waits.count == 1)
        guard case .failure(let error) = outcome.result else { Issue.record("no failure"); return }
        #expect("\(error)" == "database is locked")
    }

    @Test func aPluginsRetryAfterIsHonoured() {
        let clock = FakeClock()
        var calls = 0
        let limited = HostError(.operationFailed, "rate limited", pluginStatus: 5, retryable: true, retryAfterSeconds: 20)
        let outcome = scheduler(attempts: 2, clock: clock).attempts(stream: "s") {
            calls += 1
            if calls == 1 { throw limited }
            return report("s")
        }
        #expect(outcome.attempts == 2)
        #expect(clock.waits == [20])
        #expect(log.retries.map(\.waitSeconds) == [20])
    }

    @Test func aPermanentFailureIsNotRetried() {
        let clock = FakeClock()
        var calls = 0
        let outcome = scheduler(attempts: 5, clock: clock).attempts(stream: "s") {
            calls += 1
            throw HostError(.badData, "row 3: not a number")
        }
        #expect(calls == 1)
        #expect(outcome.attempts == 1)
        #expect(clock.waits == [])
        #expect(log.retries.isEmpty)
    }

    @Test func afterACancellationNothingIsRetriedAndTheErrorIsTheCancellation() {
        let clock = FakeClock()
        let cancellation = Cancellation()
        var calls = 0
        let outcome = scheduler(attempts: 5, clock: clock, cancellation: cancellation).attempts(stream: "s") {
            calls += 1
            cancellation.cancel(reason: "received SIGINT")
            throw Self.busy
        }
        #expect(calls == 1)
        #expect(clock.waits == [])
        guard case .failure(let error) = outcome.result else { Issue.record("no failure"); return }
        #expect((error as? HostError)?.kind == .cancelled)
        #expect("\(error)" == "cancelled (received SIGINT): database is locked")
    }

    @Test func aStreamIsNotStartedOnceCancelled() {
        let cancellation = Cancellation()
        cancellation.cancel(reason: "received SIGTERM")
        var calls = 0
        let outcome = scheduler(attempts: 3, clock: FakeClock(), cancellation: cancellation).attempts(stream: "s") {
            calls += 1
            return report("s")
        }
        #expect(calls == 0)
        guard case .failure(let error) = outcome.result else { Issue.record("no failure"); return }
        #expect("\(error)" == "cancelled (received SIGTERM) while starting stream 's'")
    }

    @Test func streamsRunOnEveryWorkerAndReportInStreamOrder() {
        let names = (0 ..< 12).map { "s\($0)" }
        let used = NSLock()
        nonisolated(unsafe) var workersUsed = Set<Int>()
        let reports = scheduler(attempts: 1, clock: FakeClock()).run(names.count, on: [0, 1, 2]) { index, worker in
            used.withLock { _ = workersUsed.insert(worker) }
            return report(names[index], rows: index)
        }
        #expect(reports.map(\.stream) == names)
        #expect(reports.map(\.rowsWritten) == Array(0 ..< 12))
        #expect(!workersUsed.isEmpty && workersUsed.isSubset(of: [0, 1, 2]))
    }

    @Test func oneWorkerRunsStreamsOneAfterAnother() {
        nonisolated(unsafe) var order: [Int] = []
        let reports = scheduler(attempts: 1, clock: FakeClock()).run(4, on: ["only"]) { index, worker in
            order.append(index)
            #expect(worker == "only")
            return report("s\(index)")
        }
        #expect(order == [0, 1, 2, 3])
        #expect(reports.count == 4)
    }
}

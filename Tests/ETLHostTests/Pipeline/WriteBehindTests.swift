@testable import ETLHost
import Foundation
import Testing

/// ``WriteBehind``: a consumer on a thread of its own, a bounded queue,
/// the consumer's error at the next submit or at finish, and a close that
/// stops and waits for the thread.
@Suite struct WriteBehindTests {
    /// What the consumer saw, and on which threads.
    private final class Log: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [Int] = []
        private var threads: Set<UInt> = []
        func record(_ item: Int) {
            lock.withLock {
                items.append(item)
                threads.insert(UInt(pthread_self()))
            }
        }

        var seen: (items: [Int], threads: Set<UInt>) { lock.withLock { (items, threads) } }
    }

    @Test("every item is consumed in order on one other thread, and finish waits for the last")
    func consumesInOrderBehind() throws {
        let log = Log()
        let behind = WriteBehind<Int>(depth: 1) { log.record($0) }
        for item in 1 ... 500 { try behind.submit(item) }
        try behind.finish()
        let seen = log.seen
        #expect(seen.items == Array(1 ... 500))
        #expect(seen.threads.count == 1)
        #expect(!seen.threads.contains(UInt(pthread_self())))
    }

    @Test("the consumer's error is thrown by a later submit or by finish, with its message; later items are not consumed")
    func errorReachesTheProducer() throws {
        let log = Log()
        let behind = WriteBehind<Int>(depth: 1) { item in
            if item == 3 { throw HostError(.io, "cannot write item 3") }
            log.record(item)
        }
        var thrown: (any Error)?
        for item in 1 ... 100 {
            do { try behind.submit(item) } catch {
                thrown = error
                break
            }
        }
        do { try behind.finish() } catch { thrown = thrown ?? error }
        #expect(thrown as? HostError == HostError(.io, "cannot write item 3"))
        #expect(log.seen.items == [1, 2])
        #expect(throws: HostError.self) { try behind.finish() }
    }

    @Test("the error of the last item is thrown by finish")
    func errorOfTheLastItem() throws {
        let behind = WriteBehind<Int>(depth: 2) { item in
            if item == 2 { throw HostError(.io, "disk full") }
        }
        try behind.submit(1)
        do {
            try behind.submit(2)
            try behind.finish()
            Issue.record("no error")
        } catch {
            #expect("\(error)" == "disk full")
        }
    }

    /// Records the thread that releases it.
    private final class Tracked {
        let log: Log
        let number: Int
        init(_ number: Int, _ log: Log) {
            self.number = number
            self.log = log
        }

        deinit { log.record(number) }
    }

    @Test("consumed items are released on the submitting thread, never on the consumer's")
    func releasedOnTheSubmittingThread() throws {
        let released = Log()
        let consumed = Log()
        let behind = WriteBehind<Tracked>(depth: 1) { consumed.record($0.number) }
        for number in 1 ... 300 { try behind.submit(Tracked(number, released)) }
        try behind.finish()
        #expect(consumed.seen.items == Array(1 ... 300))
        #expect(released.seen.items.sorted() == Array(1 ... 300))
        #expect(released.seen.threads == [UInt(pthread_self())])
    }
}

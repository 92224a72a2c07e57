@testable import ETLHost
import Foundation
import Testing

/// ``ReadAhead``: a producer on a thread of its own, a bounded queue, the
/// producer's error after the items made before it, and a close that stops
/// and waits for the thread.
@Suite struct ReadAheadTests {
    /// Counts live items, and the most alive at once.
    private final class Census: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var alive = 0
        private(set) var most = 0
        private(set) var made = 0
        private(set) var producerThreads: Set<UInt> = []

        func born() {
            lock.withLock {
                alive += 1
                made += 1
                most = max(most, alive)
                producerThreads.insert(UInt(pthread_self()))
            }
        }

        func died() { lock.withLock { alive -= 1 } }
        var snapshot: (alive: Int, most: Int, made: Int) { lock.withLock { (alive, most, made) } }
    }

    private final class Item {
        let number: Int
        let census: Census
        init(_ number: Int, _ census: Census) {
            self.number = number
            self.census = census
            census.born()
        }

        deinit { census.died() }
    }

    /// A producer of `count` items, throwing `failure` instead of item `failAt`.
    private func producer(count: Int, census: Census, failAt: Int? = nil) -> () throws -> Item? {
        var next = 1
        return {
            guard next <= count else { return nil }
            defer { next += 1 }
            if next == failAt { throw HostError(.badData, "item \(next) is bad") }
            return Item(next, census)
        }
    }

    @Test("items come out in order, made on another thread, with at most the held, the waiting and the one in the making alive")
    func orderAndBound() throws {
        let census = Census()
        let ahead = ReadAhead(depth: 1, produce: producer(count: 200, census: census))
        defer { ahead.close() }
        var numbers: [Int] = []
        while let item = try ahead.next() {
            numbers.append(item.number)
            // Some work on the item while the producer runs ahead.
            var sum = 0
            for value in 0 ..< 20_000 { sum &+= value &* item.number }
            #expect(sum != 1)
        }
        #expect(numbers == Array(1 ... 200))
        #expect(census.snapshot.most <= 3)
        #expect(census.producerThreads == [census.producerThreads.first!])
        #expect(!census.producerThreads.contains(UInt(pthread_self())))
    }

    @Test("the producer's error comes after the items made before it, with its message, and again on the next call")
    func errorAfterEarlierItems() throws {
        let census = Census()
        let ahead = ReadAhead(depth: 2, produce: producer(count: 10, census: census, failAt: 4))
        defer { ahead.close() }
        #expect(try ahead.next()?.number == 1)
        #expect(try ahead.next()?.number == 2)
        #expect(try ahead.next()?.number == 3)
        #expect(throws: HostError.self) { try ahead.next() }
        do {
            _ = try ahead.next()
            Issue.record("no error")
        } catch {
            #expect("\(error)" == "item 4 is bad")
        }
        // The producer is not called after its error.
        #expect(census.snapshot.made == 3)
    }

    @Test("close stops the producer, releases the waiting items and waits for its thread")
    func closeStopsTheProducer() throws {
        let census = Census()
        let ahead = ReadAhead(depth: 1, produce: producer(count: 1_000_000, census: census))
        let first = try #require(try ahead.next())
        #expect(first.number == 1)
        ahead.close()
        // Only the item the caller holds is alive: the waiting one and the
        // one in the making were dropped, and the thread makes no more.
        let after = census.snapshot
        #expect(after.alive == 1)
        #expect(after.made <= 3)
        #expect(try ahead.next() == nil)
        #expect(census.snapshot.made == after.made)
        ahead.close()
    }

    @Test("a producer with no items ends at once")
    func emptyProducer() throws {
        let ahead = ReadAhead<Int>(depth: 1) { nil }
        #expect(try ahead.next() == nil)
        #expect(try ahead.next() == nil)
        ahead.close()
    }
}

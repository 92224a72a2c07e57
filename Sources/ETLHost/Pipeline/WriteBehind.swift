import Foundation

/// Runs a consumer of items on a thread of its own, behind its producer,
/// with at most ``depth`` items waiting between them: the producer's work
/// on the next item overlaps the consumer's work on the previous one, and
/// memory stays bounded.
///
/// Items are consumed in the order they were submitted, and released on
/// the submitting thread (the consumer hands each back after use, and
/// ``submit(_:)``, ``finish()`` and ``close()`` drop them): a plugin's
/// batch is released by the thread that reads its stream. The first error
/// the consumer throws is thrown by the next ``submit(_:)`` or by
/// ``finish()``; the items after it are dropped unconsumed. ``close()``
/// stops the consumer (it finishes the item in hand) and waits for its
/// thread.
///
/// ```swift
/// let behind = WriteBehind<ImportedBatch>(depth: 1) { try spool.append($0) }
/// defer { behind.close() }
/// while let batch = try reader.next() { try behind.submit(batch) }
/// try behind.finish()
/// ```
final class WriteBehind<Item>: @unchecked Sendable {
    /// Items that may wait for the consumer.
    let depth: Int
    private let consume: (Item) throws -> Void
    private let condition = NSCondition()
    // Guarded by `condition`:
    private var waiting: [Item] = []
    /// Consumed items, to be released by the submitting thread.
    private var done: [Item] = []
    private var busy = false
    private var failure: (any Error)?
    private var closed = false
    private var running = false

    /// Starts `consume` on a new thread.
    ///
    /// - Parameter depth: items that may wait (at least 1).
    init(depth: Int = 1, consume: @escaping (Item) throws -> Void) {
        self.depth = max(1, depth)
        self.consume = consume
        running = true
        let thread = Thread { [self] in run() }
        thread.name = "etl-host write-behind"
        thread.stackSize = 8 << 20
        thread.start()
    }

    deinit { close() }

    /// Hands `item` to the consumer, waiting while ``depth`` items wait.
    ///
    /// - Throws: the consumer's error, once it threw one (`item` is dropped).
    func submit(_ item: Item) throws {
        condition.lock()
        while waiting.count >= depth, failure == nil, !closed { condition.wait() }
        let (failure, consumed) = (failure, done)
        done.removeAll()
        if failure == nil {
            precondition(!closed, "submit after close")
            waiting.append(item)
            condition.broadcast()
        }
        condition.unlock()
        _ = consumed // released here, outside the lock
        if let failure { throw failure }
    }

    /// Waits until every submitted item was consumed, then stops the
    /// consumer's thread.
    ///
    /// - Throws: the consumer's error, if it threw one.
    func finish() throws {
        condition.lock()
        while !waiting.isEmpty || busy, failure == nil { condition.wait() }
        let failure = failure
        condition.unlock()
        close()
        if let failure { throw failure }
    }

    /// Stops the consumer, drops the items still waiting and returns once
    /// its thread has ended. Calling it again does nothing.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        while running { condition.wait() }
        let dropped = (waiting, done)
        waiting.removeAll()
        done.removeAll()
        condition.unlock()
        _ = dropped // released here, outside the lock
    }

    private func run() {
        defer {
            condition.lock()
            running = false
            condition.broadcast()
            condition.unlock()
        }
        while true {
            condition.lock()
            while waiting.isEmpty, !closed { condition.wait() }
            if closed || failure != nil {
                condition.unlock()
                return
            }
            // Held in an optional so that the consumer keeps no reference of its own once `done` has it.
            var item: Item? = waiting.removeFirst()
            busy = true
            condition.broadcast()
            condition.unlock()
            var thrown: (any Error)?
            do { try consume(item!) } catch { thrown = error }
            condition.lock()
            busy = false
            done.append(item!)
            item = nil
            if let thrown {
                failure = thrown
                done += waiting
                waiting.removeAll()
            }
            condition.broadcast()
            condition.unlock()
            if thrown != nil { return }
        }
    }
}

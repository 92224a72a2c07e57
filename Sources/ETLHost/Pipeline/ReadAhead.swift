import Foundation

/// Runs a producer on a thread of its own, ahead of its consumer, with at
/// most ``depth`` finished items waiting between them: the consumer's work
/// on one item overlaps the making of the next, and memory stays bounded
/// (the item the consumer holds, up to `depth` waiting, and the one being
/// made once there is room).
///
/// Items come out in the order they were made. An error the producer
/// throws is handed to the consumer by ``next()`` after the items made
/// before it, exactly as a loop calling the producer would have met it;
/// the producer is not called again. ``close()`` stops the producer (it
/// finishes the item in hand, which is dropped) and waits for its thread:
/// after `close()` returns the producer's state is the caller's again.
///
/// ```swift
/// let ahead = ReadAhead(depth: 1) { try reader.next() }
/// defer { ahead.close() }
/// while let item = try ahead.next() { try use(item) }
/// ```
final class ReadAhead<Item>: @unchecked Sendable {
    /// Finished items that may wait for the consumer.
    let depth: Int
    private let produce: () throws -> Item?
    private let condition = NSCondition()
    // Guarded by `condition`:
    private var waiting: [Item] = []
    private var ended = false
    private var failure: (any Error)?
    private var closed = false
    private var running = false

    /// Starts `produce` on a new thread; it is called until it returns
    /// `nil` or throws, or until ``close()``.
    ///
    /// - Parameter depth: finished items that may wait (at least 1).
    init(depth: Int = 1, produce: @escaping () throws -> Item?) {
        self.depth = max(1, depth)
        self.produce = produce
        running = true
        let thread = Thread { [self] in run() }
        thread.name = "etl-host read-ahead"
        thread.stackSize = 8 << 20
        thread.start()
    }

    deinit { close() }

    /// The next item; `nil` after the last. Throws the producer's error
    /// once the items made before it were taken.
    func next() throws -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while waiting.isEmpty, !ended, !closed { condition.wait() }
        guard !waiting.isEmpty else {
            if let failure { throw failure }
            return nil
        }
        let item = waiting.removeFirst()
        condition.broadcast()
        return item
    }

    /// Stops the producer, drops the items still waiting and returns once
    /// the producer's thread has ended. Calling it again does nothing.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        while running { condition.wait() }
        let dropped = waiting
        waiting.removeAll()
        condition.unlock()
        _ = dropped // released outside the lock
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
            while waiting.count >= depth, !closed { condition.wait() }
            let stop = closed
            condition.unlock()
            if stop { return }
            let item: Item?
            do {
                item = try produce()
            } catch {
                condition.lock()
                failure = error
                ended = true
                condition.broadcast()
                condition.unlock()
                return
            }
            condition.lock()
            if let item, !closed { waiting.append(item) } else { ended = true }
            condition.broadcast()
            condition.unlock()
            if item == nil { return }
        }
    }
}

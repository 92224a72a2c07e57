import Foundation

/// A query run over and over on its own thread (not the test's task pool,
/// which blocking test bodies can fill) and its own connection, until
/// stopped; any error ends it and is thrown by ``stop()``. Tests of
/// `replace` use it as a concurrent reader that must never see an empty
/// or missing table.
///
/// ```swift
/// let reader = QueryLoop(postgresURL: url, sql: "SELECT count(*)::text FROM t")
/// #expect(reader.waitForResult("3"))
/// let seen = try reader.stop()
/// ```
public final class QueryLoop: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [String] = []
    private var failure: (any Error)?
    private var stopped = false
    private let done = DispatchSemaphore(value: 0)
    /// Broadcast after each result (and when the loop ends), for ``waitForResult(_:timeout:)``.
    private let arrived = NSCondition()

    /// Starts the loop: on the new thread, `open` runs once (it opens the
    /// connection) and returns the query, which then runs until ``stop()``;
    /// each of its results is recorded as text.
    public init(open: @escaping @Sendable () throws -> () throws -> String) {
        let thread = Thread { [self] in
            defer {
                arrived.lock()
                lock.withLock { stopped = true }
                arrived.broadcast()
                arrived.unlock()
                done.signal()
            }
            do {
                let query = try open()
                while !lock.withLock({ stopped }) {
                    let value = try query()
                    arrived.lock()
                    lock.withLock { results.append(value) }
                    arrived.broadcast()
                    arrived.unlock()
                }
            } catch {
                lock.withLock { failure = error }
            }
        }
        thread.start()
    }

    /// Runs `sql` on a new connection to the PostgreSQL server at `url`;
    /// each result is the first value of the first row (`"NULL"` for none).
    public convenience init(postgresURL url: String, sql: String) {
        self.init {
            let db = try PostgresInspector(url: url)
            return { (try db.rows(sql).first?.first ?? nil) ?? "NULL" }
        }
    }

    /// Blocks until the loop got `value` as a result (true), or it ended or `timeout` passed (false).
    public func waitForResult(_ value: String, timeout: TimeInterval = 60) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        arrived.lock()
        defer { arrived.unlock() }
        while true {
            let (seen, ended) = lock.withLock { (results.contains(value), stopped) }
            if seen { return true }
            if ended || !arrived.wait(until: deadline) { return false }
        }
    }

    /// Stops the loop and returns every result, or throws its error.
    public func stop() throws -> [String] {
        lock.withLock { stopped = true }
        done.wait()
        return try lock.withLock {
            if let failure { throw failure }
            return results
        }
    }
}

@testable import ETLHost
import Foundation

/// A ``RunClock`` the test moves: `wait` only records the wait and moves
/// the time on (no real sleep).
final class FakeClock: RunClock, @unchecked Sendable {
    private let lock = NSLock()
    private var time: Date
    private var recorded: [Double] = []

    init(_ start: Date = Date(timeIntervalSince1970: 1_796_000_000)) { time = start }

    /// Every wait asked for, in order.
    var waits: [Double] { lock.withLock { recorded } }

    func now() -> Date { lock.withLock { time } }

    func wait(_ seconds: Double, unless interrupted: () -> Bool) {
        lock.withLock {
            recorded.append(seconds)
            time = time.addingTimeInterval(seconds)
        }
    }

    /// Moves the time on by `seconds`.
    func advance(_ seconds: Double) { lock.withLock { time = time.addingTimeInterval(seconds) } }
}

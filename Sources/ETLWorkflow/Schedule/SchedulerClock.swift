import Foundation

/// Where the scheduler reads the time and waits for the next fire, so
/// tests can run it on a clock they move themselves. (``EngineClock``
/// waits by blocking a thread; the scheduler is an actor and waits
/// without holding one.)
public protocol SchedulerClock: Sendable {
    /// The current time.
    func now() -> Date
    /// Returns at `deadline` or later, or early when the task is cancelled.
    func sleep(until deadline: Date) async
}

/// The wall clock.
public struct SystemSchedulerClock: SchedulerClock {
    /// The wall clock.
    public init() {}

    /// `Date()`.
    public func now() -> Date { Date() }

    /// `Task.sleep` until `deadline`.
    public func sleep(until deadline: Date) async {
        let seconds = deadline.timeIntervalSinceNow
        guard seconds > 0 else { return }
        try? await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
    }
}

/// A clock that moves only when told (for tests): ``sleep(until:)`` returns
/// once ``advance(to:)`` has passed the deadline.
///
/// ```swift
/// let clock = ManualSchedulerClock(now: start)
/// clock.advance(by: 60)   // wakes every sleeper whose deadline passed
/// ```
public final class ManualSchedulerClock: SchedulerClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    private var sleepers: [(id: UUID, deadline: Date, continuation: CheckedContinuation<Void, Never>)] = []

    /// A clock reading `now`.
    public init(now: Date) { current = now }

    /// The time it reads.
    public func now() -> Date { lock.withLock { current } }

    /// Waits until the clock is moved to `deadline` or past it (or the task is cancelled).
    public func sleep(until deadline: Date) async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = lock.withLock {
                    if current >= deadline || Task.isCancelled { return true }
                    sleepers.append((id, deadline, continuation))
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let cancelled = lock.withLock {
                let found = sleepers.filter { $0.id == id }
                sleepers.removeAll { $0.id == id }
                return found.map(\.continuation)
            }
            cancelled.forEach { $0.resume() }
        }
    }

    /// Moves the clock to `date` (never backwards) and wakes the sleepers it passed.
    public func advance(to date: Date) {
        let woken: [CheckedContinuation<Void, Never>] = lock.withLock {
            current = max(current, date)
            let due = sleepers.filter { $0.deadline <= current }
            sleepers.removeAll { $0.deadline <= current }
            return due.map(\.continuation)
        }
        woken.forEach { $0.resume() }
    }

    /// Moves the clock by `seconds`.
    public func advance(by seconds: Double) { advance(to: now().addingTimeInterval(seconds)) }

    /// Wakes every sleeper without moving the clock (they see the same time).
    public func wakeAll() {
        let woken = lock.withLock {
            let all = sleepers.map(\.continuation)
            sleepers = []
            return all
        }
        woken.forEach { $0.resume() }
    }
}

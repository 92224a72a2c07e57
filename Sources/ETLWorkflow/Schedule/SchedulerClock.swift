import Foundation
import Synchronization

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
public final class ManualSchedulerClock: SchedulerClock {
    private struct State {
        var current: Date
        var sleepers: [(id: UUID, deadline: Date, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state: Mutex<State>

    /// A clock reading `now`.
    public init(now: Date) { state = Mutex(State(current: now)) }

    /// The time it reads.
    public func now() -> Date { state.withLock { $0.current } }

    /// Waits until the clock is moved to `deadline` or past it (or the task is cancelled).
    public func sleep(until deadline: Date) async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.current >= deadline || Task.isCancelled { return true }
                    state.sleepers.append((id, deadline, continuation))
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let cancelled = state.withLock { state in
                let found = state.sleepers.filter { $0.id == id }.map(\.continuation)
                state.sleepers.removeAll { $0.id == id }
                return found
            }
            cancelled.forEach { $0.resume() }
        }
    }

    /// Moves the clock to `date` (never backwards) and wakes the sleepers it passed.
    public func advance(to date: Date) {
        let woken = state.withLock { state in
            state.current = max(state.current, date)
            let now = state.current
            let due = state.sleepers.filter { $0.deadline <= now }.map(\.continuation)
            state.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        woken.forEach { $0.resume() }
    }

    /// Moves the clock by `seconds`.
    public func advance(by seconds: Double) { advance(to: now().addingTimeInterval(seconds)) }
}

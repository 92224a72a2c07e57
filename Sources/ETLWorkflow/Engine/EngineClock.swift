import ETLHost
import Foundation

/// Where the engine reads the time and waits between attempts, so tests
/// can run the scheduler on a clock they move themselves.
public protocol EngineClock: Sendable {
    /// The current time.
    func now() -> Date
    /// Waits `seconds` (the delay before a retry), returning early when
    /// `cancellation` is raised.
    func wait(seconds: Double, cancellation: Cancellation)
}

/// The wall clock.
public struct SystemClock: EngineClock {
    /// The wall clock.
    public init() {}

    /// `Date()`.
    public func now() -> Date { Date() }

    /// Sleeps in short slices until `seconds` passed or the run is cancelled.
    public func wait(seconds: Double, cancellation: Cancellation) {
        let end = Date().addingTimeInterval(seconds)
        while !cancellation.isCancelled, Date() < end {
            Thread.sleep(forTimeInterval: min(0.05, max(0, end.timeIntervalSinceNow)))
        }
    }
}

/// ISO 8601 UTC with milliseconds, as run records write times.
enum RecordTime {
    static func text(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}

extension RecordTime {
    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}

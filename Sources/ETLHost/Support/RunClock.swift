import Foundation

/// Where a run reads the time and waits: the system clock in a real run,
/// a clock the test moves by hand in unit tests (no real sleeps).
///
/// ```swift
/// let clock: any RunClock = SystemClock()
/// clock.timestamp()                       // "2026-12-06T12:20:34.123Z"
/// clock.wait(2) { cancellation.isCancelled }
/// ```
public protocol RunClock: Sendable {
    /// The current instant.
    func now() -> Date
    /// Waits `seconds`, returning early as soon as `interrupted()` is true.
    func wait(_ seconds: Double, unless interrupted: () -> Bool)
}

extension RunClock {
    /// The current instant as ``Timestamp/iso8601(_:)`` writes it.
    public func timestamp() -> String { Timestamp.iso8601(now()) }

    /// Seconds since `start`, rounded to the millisecond (as run records
    /// and stream reports hold durations).
    public func secondsSince(_ start: Date) -> Double {
        (now().timeIntervalSince(start) * 1000).rounded() / 1000
    }
}

/// The machine's clock; waits in steps of at most 50 ms so an interruption
/// is seen quickly.
public struct SystemClock: RunClock {
    /// The system clock.
    public init() {}

    /// `Date()`.
    public func now() -> Date { Date() }

    /// Sleeps until `seconds` passed or `interrupted()` is true.
    public func wait(_ seconds: Double, unless interrupted: () -> Bool) {
        let end = Date().addingTimeInterval(seconds)
        while !interrupted(), Date() < end {
            Thread.sleep(forTimeInterval: min(0.05, max(0, end.timeIntervalSinceNow)))
        }
    }
}

/// The one spelling of instants in run records, logs and probe records:
/// ISO 8601, UTC, with milliseconds, e.g. `2026-12-06T12:20:34.123Z`.
public enum Timestamp {
    /// `date` as ISO 8601 UTC with milliseconds.
    public static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    /// The current time, ISO 8601 UTC with milliseconds.
    public static func now() -> String { iso8601(Date()) }

    /// The instant `text` spells (ISO 8601, with or without fractional
    /// seconds), or nil when it is not one.
    public static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}

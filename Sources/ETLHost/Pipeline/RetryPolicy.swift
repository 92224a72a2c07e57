import Foundation

/// The host's policy for transient failures: a stream whose failure is
/// retryable (network, HTTP 429 and 5xx after the plugin's own retries,
/// `SQLITE_BUSY`, PostgreSQL serialization failures and deadlocks, a
/// stream error `EAGAIN`) is rolled back and run again from the start,
/// up to ``maxAttempts`` times in all, waiting an exponentially growing,
/// jittered delay between attempts. Permanent failures (bad data, bad
/// config, refused credentials) fail at once.
///
/// ```swift
/// let policy = RetryPolicy(maxAttempts: 3, baseDelay: 1, maxDelay: 30)
/// policy.delay(afterAttempt: 1)   // 0.5 ... 1.0 s
/// policy.delay(afterAttempt: 2)   // 1.0 ... 2.0 s
/// ```
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first one included (1: never retry).
    public var maxAttempts: Int
    /// The delay after the first failure, before jitter, in seconds.
    public var baseDelay: Double
    /// The longest delay, before jitter.
    public var maxDelay: Double

    /// A policy; the default tries 3 times, waiting about 1 s then 2 s.
    public init(maxAttempts: Int = 3, baseDelay: Double = 1, maxDelay: Double = 30) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = max(0, baseDelay)
        self.maxDelay = max(0, maxDelay)
    }

    /// The wait after failed attempt `attempt` (1-based): the capped
    /// exponential step times a random factor in 0.5...1 (jitter, so that
    /// many clients do not retry in step).
    public func delay(afterAttempt attempt: Int) -> Double {
        let step = min(maxDelay, baseDelay * pow(2, Double(max(0, attempt - 1))))
        return step * Double.random(in: 0.5...1.0)
    }

    /// The longest retry-after the host honours, in seconds.
    public static let maxRetryAfter: Double = 300

    /// The wait after failed attempt `attempt` whose failure was `error`:
    /// ``delay(afterAttempt:)``, but at least the retry-after the plugin
    /// asked for (`etl_error_detail.retry_after_seconds`, capped at
    /// ``maxRetryAfter``).
    ///
    /// ```swift
    /// // a plugin error that says "retry after 20 s"
    /// policy.delay(afterAttempt: 1, honouring: error)   // 20 s
    /// ```
    public func delay(afterAttempt attempt: Int, honouring error: any Error) -> Double {
        let asked = (error as? HostError)?.retryAfterSeconds.map { min($0, Self.maxRetryAfter) } ?? 0
        return max(delay(afterAttempt: attempt), asked)
    }

    /// Whether `error` is worth another attempt.
    public static func isTransient(_ error: any Error) -> Bool {
        guard let error = error as? HostError else { return false }
        switch error.kind {
        case .operationFailed: return error.retryable
        default: return false
        }
    }
}

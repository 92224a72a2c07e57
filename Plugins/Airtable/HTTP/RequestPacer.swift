import ETLPluginKit
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Seconds on the monotonic clock (never jumps with the wall clock).
enum MonotonicClock {
    static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// Sleeps `seconds` in slices of at most 50 ms, giving up early (and
    /// throwing ``PluginError/Code/cancelled``) once `host` is cancelled.
    static func sleep(_ seconds: Double, host: HostContext, while what: String) throws(PluginError) {
        let end = now() + seconds
        while true {
            try host.checkCancelled(what)
            let left = end - now()
            if left <= 0 { return }
            let slice = min(left, 0.05)
            var spec = timespec(tv_sec: Int(slice), tv_nsec: Int((slice - Double(Int(slice))) * 1e9))
            _ = nanosleep(&spec, nil)
        }
    }
}

/// Paces the requests to one Airtable base: at most ``limit`` request
/// starts in any window of ``window`` seconds (a sliding window over the
/// last `limit` start times, on the monotonic clock), and none at all
/// during a penalty after a 429.
///
/// Pacers are shared per base within the process (``shared(apiURL:base:limit:)``),
/// so two instances reading the same base share its budget, as Airtable
/// counts it.
final class RequestPacer: Sendable {
    /// Requests allowed per window.
    let limit: Int
    /// The window: one second plus a small margin for the time a request
    /// takes to reach the server (so that the server, counting arrivals,
    /// never sees `limit + 1` in one second).
    let window: Double

    private struct State {
        /// Start times of the last `limit` requests, oldest at `next`.
        var starts: [Double]
        var next = 0
        /// No request may start before this time (a 429 penalty).
        var penaltyUntil = 0.0
    }

    private let state: Mutex<State>

    init(limit: Int, window: Double = 1.04) {
        self.limit = max(1, limit)
        self.window = window
        state = Mutex(State(starts: Array(repeating: -Double.infinity, count: max(1, limit))))
    }

    private static let registry = Mutex<[String: RequestPacer]>([:])

    /// The process-wide pacer of `base` at `apiURL`.
    static func shared(apiURL: String, base: String, limit: Int) -> RequestPacer {
        registry.withLock { pacers in
            let key = "\(apiURL)|\(base)|\(limit)"
            if let pacer = pacers[key] { return pacer }
            let pacer = RequestPacer(limit: limit)
            pacers[key] = pacer
            return pacer
        }
    }

    /// Waits until a request may start, then counts it as started.
    ///
    /// - Returns: the seconds spent waiting because of a penalty (for logs).
    @discardableResult
    func acquire(host: HostContext, what: String) throws(PluginError) -> Double {
        var penaltyWait = 0.0
        while true {
            let now = MonotonicClock.now()
            let (wait, isPenalty): (Double, Bool) = state.withLock { state in
                if now < state.penaltyUntil { return (state.penaltyUntil - now, true) }
                let oldest = state.starts[state.next]
                if now - oldest >= window {
                    state.starts[state.next] = now
                    state.next = (state.next + 1) % state.starts.count
                    return (0, false)
                }
                return (oldest + window - now, false)
            }
            if wait <= 0 { return penaltyWait }
            if isPenalty { penaltyWait += wait }
            try MonotonicClock.sleep(wait, host: host, while: what)
        }
    }

    /// Sends nothing more for `seconds` from now (after a 429).
    func penalize(seconds: Double) {
        let until = MonotonicClock.now() + seconds
        state.withLock { $0.penaltyUntil = max($0.penaltyUntil, until) }
    }

    /// Seconds left in the current penalty, 0 if none.
    var penaltyRemaining: Double {
        let now = MonotonicClock.now()
        return state.withLock { max(0, $0.penaltyUntil - now) }
    }
}

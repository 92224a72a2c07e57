import ETLPluginKit
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Seconds on the monotonic clock (never jumps with the wall clock).
public enum MonotonicClock {
    public static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// Sleeps `seconds` in slices of at most 50 ms, giving up early (and
    /// throwing ``PluginError/Code/cancelled``) once `host` is cancelled.
    public static func sleep(_ seconds: Double, host: HostContext, while what: String) throws(PluginError) {
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

/// Paces the requests to one Airtable base: request starts evenly spaced
/// ``interval`` seconds apart (1.1 / `requests_per_second`: 220 ms at 5
/// per second), and none at all during a penalty after a 429.
///
/// Evenly spaced, because Airtable counts arrivals in any one second: five
/// requests sent back to back and a sixth 1.04 s after the first reached a
/// server 0.98 s apart when a busy machine delayed the first. With even
/// spacing, six consecutive requests span 5 × 220 ms = 1.1 s, so one of
/// them may arrive up to 100 ms late (or another early) before the server
/// could count six in a second.
///
/// A slot is taken for **every request that reaches the wire**: the HTTP
/// client calls ``acquire(host:what:)`` from libcurl's pre-request callback,
/// which also runs before libcurl silently re-sends a request on a new
/// connection after a kept-alive one closed without an answer.
///
/// The state (the next free slot and the penalty) is shared by every
/// instance of the process reading the base, and, through a ``PacingFile``
/// under the host's state folder, by every process of the machine: two
/// syncs of one base at once share its budget, and a run right after
/// another starts where that one's pacing left off.
public final class RequestPacer: Sendable {
    /// Seconds between two request starts.
    public let interval: Double
    /// The file that shares the state between processes; `nil`: this
    /// process only.
    public let file: PacingFile?

    /// What `requests_per_second` + 1 consecutive request starts span:
    /// one second and a 100 ms margin.
    public static let budgetSpan = 1.1

    /// What a reservation gave.
    private enum Reservation {
        /// A 429 penalty holds until this time.
        case penalty(until: Double)
        /// The request may start at this time.
        case slot(Double)
    }

    private let memory = Mutex(PacingState())

    /// A pacer for at most `requestsPerSecond` requests a second, sharing
    /// its state through `file` when given.
    public init(requestsPerSecond: Int, file: PacingFile?) {
        interval = Self.budgetSpan / Double(max(1, requestsPerSecond))
        self.file = file
    }

    /// A pacer whose request starts are at least `interval` seconds apart
    /// (the REST extractor's `requests_per_second`/`requests_per_minute`).
    public init(interval: Double, file: PacingFile?) {
        self.interval = max(0, interval)
        self.file = file
    }

    private static let registry = Mutex<[String: RequestPacer]>([:])

    /// The process-wide pacer of `base` at `apiURL`, sharing its state
    /// through the pacing file in `folder` (see ``filePath(folder:apiURL:base:)``);
    /// when that file cannot be opened, a pacer for this process only and
    /// the reason, for a warning. `writer` is the extractor, named in the file.
    public static func shared(apiURL: String, base: String, requestsPerSecond: Int,
                       folder: String, writer: String) -> (pacer: RequestPacer, fileProblem: PluginError?) {
        registry.withLock { pacers in
            let path = filePath(folder: folder, apiURL: apiURL, base: base)
            let key = "\(path)|\(requestsPerSecond)"
            if let pacer = pacers[key] { return (pacer, nil) }
            var problem: PluginError?
            let file: PacingFile?
            do throws(PluginError) {
                file = try PacingFile(path: path, writer: writer)
            } catch {
                file = nil
                problem = error
            }
            let pacer = RequestPacer(requestsPerSecond: requestsPerSecond, file: file)
            pacers[key] = pacer
            return (pacer, problem)
        }
    }

    /// `<folder>/<base>-<hash of apiURL>.pacing`: one file per base and API
    /// root (the hash keeps two test servers, or Airtable and a proxy,
    /// apart).
    public static func filePath(folder: String, apiURL: String, base: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 // FNV-1a, 64 bits
        for byte in apiURL.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return "\(folder)/\(base)-\(String(repeating: "0", count: 16 - hex.count))\(hex).pacing"
    }

    /// Runs `body` on the shared state: under this process's lock, and the
    /// file's when there is one.
    private func withState<Result: Sendable>(_ body: (inout PacingState) -> Result) throws(PluginError) -> Result {
        try memory.withLock { (state: inout PacingState) throws(PluginError) -> Result in
            guard let file else { return body(&state) }
            return try file.update(body)
        }
    }

    /// Waits for the next free slot, and for any penalty, then counts the
    /// request as started. Call it right before a request goes on the wire.
    ///
    /// - Returns: the seconds spent waiting because of a penalty (for logs).
    /// - Throws: ``PluginError/Code/cancelled`` when the run is cancelled
    ///   while waiting; ``PluginError/Code/io`` when the pacing file fails.
    @discardableResult
    public func acquire(host: HostContext, what: String) throws(PluginError) -> Double {
        var penaltyWait = 0.0
        while true {
            let now = MonotonicClock.now()
            let interval = self.interval
            let reservation = try withState { (state: inout PacingState) -> Reservation in
                Self.repairAfterClockTrouble(&state, now: now)
                if now < state.penaltyUntil { return .penalty(until: state.penaltyUntil) }
                let start = max(now, state.nextStart)
                state.nextStart = start + interval
                return .slot(start)
            }
            switch reservation {
            case .penalty(let until):
                penaltyWait += until - now
                try MonotonicClock.sleep(until - now, host: host, while: what)
            case .slot(let start):
                guard start > now else { return penaltyWait }
                try MonotonicClock.sleep(start - now, host: host, while: what)
                // A penalty that began while this request waited for its
                // slot (another process's 429) holds it too.
                if try penaltyRemaining() <= 0 { return penaltyWait }
            }
        }
    }

    /// Waits until no penalty holds (before a request is handed to libcurl,
    /// so that a 30-second penalty is not waited out inside a transfer's
    /// timeout).
    ///
    /// - Returns: the seconds waited.
    public func waitOutPenalty(host: HostContext, what: String) throws(PluginError) -> Double {
        var waited = 0.0
        while true {
            let remaining = try penaltyRemaining()
            if remaining <= 0 { return waited }
            waited += remaining
            try MonotonicClock.sleep(remaining, host: host, while: what)
        }
    }

    /// Sends nothing more for `seconds` from now (after a 429).
    public func penalize(seconds: Double) throws(PluginError) {
        let until = MonotonicClock.now() + seconds
        try withState { $0.penaltyUntil = max($0.penaltyUntil, until) }
    }

    /// Seconds left in the current penalty, 0 if none.
    public func penaltyRemaining() throws(PluginError) -> Double {
        let now = MonotonicClock.now()
        return try withState { (state: inout PacingState) -> Double in
            Self.repairAfterClockTrouble(&state, now: now)
            return max(0, state.penaltyUntil - now)
        }
    }

    /// Forgets times no run of this boot can have set: a slot more than a
    /// minute ahead, a penalty more than an hour and a minute ahead (the
    /// longest `rate_limit_wait_seconds` is an hour).
    private static func repairAfterClockTrouble(_ state: inout PacingState, now: Double) {
        if state.nextStart > now + 60 { state.nextStart = now }
        if state.penaltyUntil > now + 3_660 { state.penaltyUntil = now }
    }
}

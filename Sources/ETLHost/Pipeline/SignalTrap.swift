import Foundation

/// SIGINT and SIGTERM, received on a thread of their own: the first one
/// cancels the run (plugins are asked to stop, the open transaction rolls
/// back, streams that already committed stay committed), a second one
/// ends the process at once with 130.
///
/// Both signals are blocked in every thread and taken with `sigwait`, so
/// this works too when a parent (a test runner, a shell job) started
/// etl-host with them blocked. Install before any other thread starts.
///
/// ```swift
/// let cancellation = Cancellation()
/// SignalTrap.install(cancellation) { message in print(message) }
/// ```
public enum SignalTrap {
    private static let condition = NSCondition()
    nonisolated(unsafe) private static var handled = 0

    /// Blocks SIGINT and SIGTERM and starts the thread that waits for them;
    /// `log` receives the line announcing the cancellation.
    public static func install(_ cancellation: Cancellation, log: @escaping @Sendable (String) -> Void) {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &set, nil)
        let waited = set
        Thread.detachNewThread {
            var signals = waited
            var received = 0
            while true {
                var signal: Int32 = 0
                guard sigwait(&signals, &signal) == 0 else { continue }
                received += 1
                let name = signal == SIGINT ? "SIGINT" : "SIGTERM"
                if received > 1 {
                    FileHandle.standardError.write(Data("etl-host: \(name) again: stopping now\n".utf8))
                    _exit(ExitStatus.cancelled.rawValue)
                }
                log("received \(name): cancelling the run (the stream being loaded is rolled back; streams already committed stay); send it again to stop at once")
                cancellation.cancel(reason: "received \(name)")
                condition.withLock {
                    handled += 1
                    condition.broadcast()
                }
            }
        }
    }

    /// Unblocks SIGINT and SIGTERM in the calling thread: for a child
    /// process (a plugin probe) that etl-host started while it held them
    /// blocked, so a Ctrl-C or a stop reaches the child too instead of
    /// waiting for it to finish.
    public static func unblockInChild() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// How many signals were handled so far (the run cancelled for each).
    static var handledCount: Int { condition.withLock { handled } }

    /// Waits until more than `count` signals were handled, or `timeout`
    /// seconds passed; true when one was. Lets a crash point that sends a
    /// signal continue only once the run is cancelled, without guessing a
    /// delay.
    @discardableResult
    static func waitUntilHandled(moreThan count: Int, timeout: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        return condition.withLock {
            while handled <= count {
                if !condition.wait(until: deadline) { return handled > count }
            }
            return true
        }
    }
}

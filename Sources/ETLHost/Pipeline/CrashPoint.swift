import Foundation

/// Named moments of a run where the crash tests stop the process: with
/// `ETL_CRASH_AT=<name>[:<n>][:<signal>]` in the environment, the host
/// acts the n-th time (default 1) it reaches `<name>`. Without the
/// variable this is one comparison.
///
/// - `KILL` (the default) sends itself SIGKILL there, exactly as an
///   out-of-memory killer or a power cut would stop it.
/// - `INT` or `TERM` sends itself SIGINT or SIGTERM and waits until the
///   signal was handled (the run is cancelled) before going on, so the
///   signal lands at that exact moment with no timing involved.
///
/// `ETL_CRASH_AT=committed:1:INT` is a Ctrl-C just after the first stream's
/// commit returned.
///
/// The points, in run order: `run-recorded`, `catalog`, `batch-read`,
/// `spooled`, `begun`, `batch-written`, `keys-written`, `snapshot-written`
/// (the snapshot, encoded alongside, is complete), `committing` (the last
/// moment before the commit; the host checks for a cancellation after it),
/// `committed` (the commit returned), `run-finished`, `snapshots-pruned`.
/// A pipeline's `sql` step (ETLWorkflow's SQLMaterializer) has its own:
/// `sql-written` (every row written, not committed), `sql-committed`.
///
/// With `ETL_CRASH_COMMAND` also set, a `kill` target runs that command at
/// the point instead of dying (see ``strike(_:)``): the tests restart a
/// database server at a known moment of a run that way.
package enum CrashPoint {
    /// What the host does to itself at the target point.
    enum Action: Equatable {
        /// SIGKILL: the process dies at once.
        case kill
        /// SIGINT or SIGTERM (the number), handled like one from outside.
        case signal(Int32)

        init?(_ text: Substring) {
            switch text.uppercased() {
            case "KILL", "SIGKILL": self = .kill
            case "INT", "SIGINT": self = .signal(SIGINT)
            case "TERM", "SIGTERM": self = .signal(SIGTERM)
            default: return nil
            }
        }
    }

    /// A parsed `ETL_CRASH_AT`.
    struct Target: Equatable {
        var name: String
        var count: Int
        var action: Action

        /// A target from its parts.
        init(name: String, count: Int, action: Action) {
            self.name = name
            self.count = count
            self.action = action
        }

        /// `name`, `name:n`, `name:signal` or `name:n:signal`; nil when empty.
        init?(_ text: String) {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard let first = parts.first, !first.isEmpty else { return nil }
            name = String(first)
            count = 1
            action = .kill
            for part in parts.dropFirst() {
                if let number = Int(part) { count = number } else if let action = Action(part) { self.action = action }
            }
        }
    }

    private static let target: Target? = ProcessInfo.processInfo.environment["ETL_CRASH_AT"].flatMap(Target.init)
    nonisolated(unsafe) private static var counts: [String: Int] = [:]
    private static let lock = NSLock()

    /// Acts if `name` is the target and this is its n-th time.
    package static func reach(_ name: String) {
        guard let target, target.name == name else { return }
        let count = lock.withLock { counts[name, default: 0] += 1; return counts[name]! }
        guard count == target.count else { return }
        switch target.action {
        case .kill:
            strike(name)
        case .signal(let number):
            let before = SignalTrap.handledCount
            kill(getpid(), number)
            SignalTrap.waitUntilHandled(moreThan: before)
        }
    }
}

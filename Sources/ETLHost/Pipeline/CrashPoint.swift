import Foundation

/// Named moments of a run where the crash tests kill the process: with
/// `ETL_CRASH_AT=<name>` (or `<name>:<n>` for the n-th time it is reached)
/// in the environment, the host sends itself SIGKILL there, exactly as an
/// out-of-memory killer or a power cut would stop it. Without the variable
/// this is one comparison.
///
/// The points, in run order: `run-recorded`, `catalog`, `batch-read`,
/// `spooled`, `begun`, `batch-written`, `keys-written`, `snapshot-written`
/// (the snapshot, encoded alongside, is complete), `committing`,
/// `committed`, `run-finished`, `snapshots-pruned`.
///
/// With `ETL_CRASH_COMMAND` also set, the host runs that command at the
/// point instead of dying (see ``strike(_:)``): the tests restart a
/// database server at a known moment of a run that way.
enum CrashPoint {
    private static let target: (name: String, count: Int)? = {
        guard let text = ProcessInfo.processInfo.environment["ETL_CRASH_AT"], !text.isEmpty else { return nil }
        let parts = text.split(separator: ":", maxSplits: 1)
        return (String(parts[0]), parts.count > 1 ? Int(parts[1]) ?? 1 : 1)
    }()
    nonisolated(unsafe) private static var counts: [String: Int] = [:]
    private static let lock = NSLock()

    /// Kills the process if `name` is the target and this is its n-th time.
    static func reach(_ name: String) {
        guard let target, target.name == name else { return }
        let count = lock.withLock { counts[name, default: 0] += 1; return counts[name]! }
        if count == target.count { strike(name) }
    }
}

import Foundation

/// The scheduler's own log, `<state>/serve/scheduler.log`: one line per
/// event (`2026-12-06T02:00:00.000Z schedule shop/0: ...`), UTC. It never
/// holds a secret: alerts name the webhook's host only.
public enum SchedulerLog {
    private static let lock = NSLock()

    /// Appends `message` stamped `time` to the log at `path` (creating its folder).
    public static func append(_ message: String, at time: Date, to path: String) {
        lock.withLock {
            let line = "\(RecordTime.text(time)) \(message)\n"
            try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { return }
            _ = line.withCString { write(descriptor, $0, strlen($0)) }
            close(descriptor)
        }
    }
}

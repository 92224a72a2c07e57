import Foundation

/// The scheduler's own log, `<state>/serve/scheduler.log`: one line per
/// event (`2026-12-06T02:00:00.000Z schedule shop/0: ...`), UTC. It never
/// holds a secret: alerts name the webhook's host only.
///
/// The log is rotated so a serve process that runs for months does not
/// fill the disk: when a line would take the file past ``rotationBytes``,
/// the file becomes `scheduler.log.1` (replacing the one before) and a new
/// file starts. At most twice the limit is kept.
public enum SchedulerLog {
    private static let lock = NSLock()

    /// The size past which the log is rotated: 10 MiB.
    public static let rotationBytes = 10 << 20

    /// Appends `message` stamped `time` to the log at `path` (creating its
    /// folder), first rotating the file when the line would take it past
    /// `rotateAt` bytes.
    public static func append(_ message: String, at time: Date, to path: String, rotateAt: Int = rotationBytes) {
        lock.withLock {
            let line = Array("\(RecordTime.text(time)) \(message)\n".utf8)
            try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            var status = stat()
            if stat(path, &status) == 0, status.st_size > 0, Int(status.st_size) + line.count > rotateAt {
                _ = rename(path, path + ".1")
            }
            let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { return }
            _ = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            close(descriptor)
        }
    }
}

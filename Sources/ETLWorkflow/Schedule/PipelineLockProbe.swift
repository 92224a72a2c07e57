import Foundation

/// Whether another process holds a pipeline's lock (see ``PipelineLock``),
/// without taking it: a shared `flock` attempt that fails means a run holds it.
enum PipelineLockProbe {
    /// The process holding `pipeline`'s lock and the run it wrote, or nil when the lock is free.
    static func holder(pipeline: String, stateDirectory: String) -> (pid: pid_t, runID: String?)? {
        let path = PipelineLock.path(pipeline: pipeline, stateDirectory: stateDirectory)
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        if flock(descriptor, LOCK_SH | LOCK_NB) == 0 {
            flock(descriptor, LOCK_UN)
            return nil
        }
        // `pid N, run ID` (written by the holder just after it took the lock).
        let text = FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).components(separatedBy: ", run ")
        let pid = parts.first.flatMap { $0.hasPrefix("pid ") ? pid_t($0.dropFirst(4)) : nil } ?? 0
        return (pid, parts.count > 1 ? parts[1] : nil)
    }
}

import ETLHost
import Foundation

/// The lock that keeps two runs of one pipeline from overlapping: an
/// exclusive `flock` on `<state>/locks/<pipeline>.lock`. The kernel
/// releases it when the process ends, however it ends (a killed run never
/// leaves a stale lock). The holder writes its pid and run id into the file
/// for the message of the run that finds it busy.
public final class PipelineLock: Sendable {
    /// The lock file.
    public let path: String
    private let descriptor: Int32

    /// Why the lock was not taken.
    public enum Busy: Error, Equatable {
        /// Another process holds it; `holder` is what it wrote (`pid N, run ID`), when anything.
        case heldBy(path: String, holder: String?)
    }

    /// The lock file of `pipeline` in `stateDirectory`.
    public static func path(pipeline: String, stateDirectory: String) -> String {
        ((stateDirectory as NSString).appendingPathComponent("locks") as NSString).appendingPathComponent("\(pipeline).lock")
    }

    /// Takes the lock. With `wait`, blocks until it is free (calling
    /// `waiting` once with what holds it, before the first wait; giving up
    /// with a `.cancelled` error when `cancellation` is raised); without it,
    /// throws ``Busy`` at once.
    public init(pipeline: String, runID: String, stateDirectory: String, wait: Bool, cancellation: Cancellation,
                waiting: (String?) -> Void = { _ in }) throws {
        path = Self.path(pipeline: pipeline, stateDirectory: stateDirectory)
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw HostError(.io, "cannot create the lock folder '\(folder)': \(error.localizedDescription); set ETL_STATE_DIR to a writable folder")
        }
        descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw HostError(.io, "cannot open the lock file '\(path)': \(String(cString: strerror(errno)))")
        }
        var announced = false
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let holder = Self.holder(path)
            guard wait else {
                close(descriptor)
                throw Busy.heldBy(path: path, holder: holder)
            }
            if !announced {
                waiting(holder)
                announced = true
            }
            if cancellation.isCancelled {
                close(descriptor)
                throw HostError(.cancelled, "cancelled (\(cancellation.reason)) while waiting for the lock \(path)")
            }
            usleep(20_000)
        }
        let text = "pid \(getpid()), run \(runID)\n"
        ftruncate(descriptor, 0)
        _ = text.withCString { pwrite(descriptor, $0, strlen($0), 0) }
    }

    deinit { close(descriptor) }

    /// Releases the lock (also done when the process ends).
    public func release() {
        ftruncate(descriptor, 0)
        flock(descriptor, LOCK_UN)
    }

    private static func holder(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}

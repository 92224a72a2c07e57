import Foundation

/// The per-run folders that hold spool files, under the state folder:
/// `<state>/spool/<pid>-<random>`. A run removes its own folder when it
/// ends; a run that was killed cannot, so the next run (of any pipeline)
/// removes the folders whose run is gone.
///
/// A run holds an exclusive `flock` on `.lock` in its folder for as long as
/// its process lives (the kernel drops it when the process dies, however it
/// dies), so a folder whose lock can be taken is stale, even when its pid
/// was reused by another process (a container started again gets the same
/// small pids). Folders without a lock file are judged by their pid.
public enum SpoolDirectory {
    /// The lock file in each run's folder.
    static let lockName = ".lock"

    /// A folder for this process's run: created, locked, then given its
    /// name (so no other run ever sees it unlocked). When the state folder
    /// cannot be written, the path is returned uncreated and the run's
    /// own error names the problem.
    public static func forThisRun(stateDirectory: String = HostEnvironment.stateDirectory()) -> String {
        let root = (stateDirectory as NSString).appendingPathComponent("spool")
        let name = "\(getpid())-\(UInt32.random(in: 0 ... .max))"
        let path = (root as NSString).appendingPathComponent(name)
        let staging = (root as NSString).appendingPathComponent("." + name)
        try? FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        guard mkdir(staging, 0o755) == 0 else { return path }
        let descriptor = open((staging as NSString).appendingPathComponent(lockName), O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        // The descriptor stays open (and the lock held) until the process ends.
        guard descriptor >= 0, flock(descriptor, LOCK_EX | LOCK_NB) == 0, rename(staging, path) == 0 else {
            if descriptor >= 0 { close(descriptor) }
            try? FileManager.default.removeItem(atPath: staging)
            return path
        }
        return path
    }

    /// Removes the spool folders left by runs that are gone; returns the
    /// paths removed.
    @discardableResult
    public static func removeStale(stateDirectory: String = HostEnvironment.stateDirectory()) -> [String] {
        let root = (stateDirectory as NSString).appendingPathComponent("spool")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        var removed: [String] = []
        for name in names {
            let path = (root as NSString).appendingPathComponent(name)
            // A staging folder (".<pid>-<n>") is never locked yet: its pid decides.
            let stale = name.hasPrefix(".") ? processIsGone(String(name.dropFirst())) : isStale(path, name: name)
            guard stale else { continue }
            if (try? FileManager.default.removeItem(atPath: path)) != nil { removed.append(path) }
        }
        return removed
    }

    /// Whether the run of folder `path` is gone: its lock can be taken,
    /// or (no lock file) its process no longer exists.
    private static func isStale(_ path: String, name: String) -> Bool {
        let descriptor = open((path as NSString).appendingPathComponent(lockName), O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else { return processIsGone(name) }
        defer { close(descriptor) }  // releases the lock taken just below
        return flock(descriptor, LOCK_EX | LOCK_NB) == 0
    }

    /// Whether the process named by `<pid>-...` no longer exists (this
    /// process counts as gone: a folder with its pid is from an earlier one).
    private static func processIsGone(_ name: String) -> Bool {
        guard let pid = name.split(separator: "-").first.flatMap({ Int32($0) }), pid > 0 else { return false }
        if pid == getpid() { return true }
        return !(kill(pid, 0) == 0 || errno == EPERM)
    }
}

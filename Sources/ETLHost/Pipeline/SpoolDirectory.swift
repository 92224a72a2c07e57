import Foundation

/// The per-run folders that hold spool files, under the state folder:
/// `<state>/spool/<pid>-<random>`. A run removes its own folder when it
/// ends; a run that was killed cannot, so the next one removes the folders
/// of processes that no longer exist.
public enum SpoolDirectory {
    /// A new folder path for this process's run (not created yet).
    public static func forThisRun(stateDirectory: String = HostEnvironment.stateDirectory()) -> String {
        (stateDirectory as NSString).appendingPathComponent("spool/\(getpid())-\(UInt32.random(in: 0 ... .max))")
    }

    /// Removes the spool folders left by processes that are gone; returns
    /// the paths removed.
    @discardableResult
    public static func removeStale(stateDirectory: String = HostEnvironment.stateDirectory()) -> [String] {
        let root = (stateDirectory as NSString).appendingPathComponent("spool")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        var removed: [String] = []
        for name in names {
            guard let pid = name.split(separator: "-").first.flatMap({ Int32($0) }), pid > 0 else { continue }
            if kill(pid, 0) == 0 || errno == EPERM { continue }  // still running
            let path = (root as NSString).appendingPathComponent(name)
            if (try? FileManager.default.removeItem(atPath: path)) != nil { removed.append(path) }
        }
        return removed
    }
}

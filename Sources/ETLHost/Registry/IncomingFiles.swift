import Foundation

/// The temporary copies `plugins install` makes in a registry's `plugins/`
/// folder: `.incoming-<pid>-<random>.so` (and, while it is being written,
/// `.incoming-<pid>-<random>.so.tmp-<pid>-<random>`). An install that was
/// killed leaves them behind; the next install or `plugins list` removes
/// those whose process is gone, never those of an install still running.
///
/// ```swift
/// IncomingFiles.removeStale(in: registry.pluginsDirectory)
/// ```
public enum IncomingFiles {
    /// The prefix of every temporary copy.
    static let prefix = ".incoming-"

    /// A new temporary copy's path in `directory`, owned by this process.
    static func newPath(in directory: String) -> String {
        (directory as NSString).appendingPathComponent("\(prefix)\(getpid())-\(UInt32.random(in: 0 ... .max)).so")
    }

    /// Removes the temporary copies in `directory` whose owning process no
    /// longer exists; returns the paths removed.
    @discardableResult
    public static func removeStale(in directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var removed: [String] = []
        for name in names.sorted() where name.hasPrefix(prefix) {
            guard let pid = name.dropFirst(prefix.count).split(separator: "-").first.flatMap({ Int32($0) }), pid > 0
            else { continue }
            if kill(pid, 0) == 0 || errno == EPERM { continue }  // its install is still running
            let path = (directory as NSString).appendingPathComponent(name)
            if unlink(path) == 0 { removed.append(path) }
        }
        return removed
    }
}

import Foundation

/// Facts about the running process that the host's defaults derive from.
public enum HostEnvironment {
    /// The version of etl-host itself.
    public static let version = "0.1.0"

    /// Absolute path of the running executable (`/proc/self/exe`).
    public static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
    }

    /// The folder of the running executable; `@host/` library paths resolve here.
    public static var executableDirectory: String {
        (executablePath as NSString).deletingLastPathComponent
    }

    /// `path` made absolute against the current directory and standardized.
    public static func absolutePath(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path
            : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
        return (absolute as NSString).standardizingPath
    }
}

extension HostEnvironment {
    /// The host's state folder (run history, spools, snapshots):
    /// `$ETL_STATE_DIR`, else `$XDG_STATE_HOME/etl-host`, else
    /// `~/.local/state/etl-host`.
    public static func stateDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit = environment["ETL_STATE_DIR"], !explicit.isEmpty { return absolutePath(explicit) }
        let base = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) as NSString).appendingPathComponent(".local/state")
        return (base as NSString).appendingPathComponent("etl-host")
    }
}

extension HostEnvironment {
    /// Makes sure the state folder (and its `runs` and `spool` folders)
    /// exists and can be written, before a run starts.
    ///
    /// - Throws: `.io` with one line naming the folder, why (the system's
    ///   reason: read-only file system, permission denied, ...) and the fix.
    @discardableResult
    public static func prepareStateDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        let folder = stateDirectory(environment: environment)
        for sub in ["", "runs", "spool"] {
            let path = sub.isEmpty ? folder : (folder as NSString).appendingPathComponent(sub)
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) {
                guard isFolder.boolValue else { throw stateFolderError(folder, path: path, reason: "it is a file, not a folder") }
                guard access(path, W_OK | X_OK) == 0 else { throw stateFolderError(folder, path: path, reason: errnoDescription()) }
                continue
            }
            guard mkdirAll(path) else { throw stateFolderError(folder, path: path, reason: errnoDescription()) }
        }
        return folder
    }

    /// `mkdir -p`, keeping `errno` of the call that failed.
    private static func mkdirAll(_ path: String) -> Bool {
        if mkdir(path, 0o755) == 0 || errno == EEXIST { return access(path, W_OK | X_OK) == 0 }
        guard errno == ENOENT else { return false }
        let parent = (path as NSString).deletingLastPathComponent
        guard parent != path, !parent.isEmpty, mkdirAll(parent) else { return false }
        return mkdir(path, 0o755) == 0 || errno == EEXIST
    }

    private static func stateFolderError(_ folder: String, path: String, reason: String) -> HostError {
        let what = path == folder ? "" : " ('\(path)')"
        return HostError(.io, "the state folder '\(folder)' cannot be written\(what): \(reason.lowercased()); set ETL_STATE_DIR to a writable folder (it holds the run history, logs, spool files and snapshots) or fix its permissions")
    }
}

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

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

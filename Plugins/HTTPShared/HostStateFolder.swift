#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The host's state folder as a plugin finds it, the way the host does
/// (`HostEnvironment.stateDirectory`): `$ETL_STATE_DIR`, else
/// `$XDG_STATE_HOME/etl-host`, else `$HOME/.local/state/etl-host`. The
/// HTTP extractors keep their pacing files under it, so that every
/// `etl-host` process of the machine shares them.
///
/// ```swift
/// HostStateFolder.path()                                  // ~/.local/state/etl-host
/// HostStateFolder.path { $0 == "ETL_STATE_DIR" ? "/srv/etl" : nil }   // /srv/etl
/// ```
public enum HostStateFolder {
    /// The folder, with `environment` looking up variables (the process
    /// environment by default).
    public static func path(environment: (String) -> String? = processEnvironment) -> String {
        if let explicit = environment("ETL_STATE_DIR"), !explicit.isEmpty { return explicit }
        if let xdg = environment("XDG_STATE_HOME"), !xdg.isEmpty { return xdg + "/etl-host" }
        var home = environment("HOME") ?? ""
        if home.isEmpty, let entry = getpwuid(getuid()), let directory = entry.pointee.pw_dir {
            home = String(cString: directory)
        }
        return (home.isEmpty ? "." : home) + "/.local/state/etl-host"
    }

    /// The value of the process's environment variable `name`.
    public static func processEnvironment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}

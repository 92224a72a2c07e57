import Foundation

/// Where the host looks for registry files, in order; for each plugin name
/// the first registry that lists it wins.
///
/// 1. `--registry FILE` (``explicit``)
/// 2. `$ETL_REGISTRY_PATH` (one file, or several separated by `:`)
/// 3. the project's `registry.json` in the current folder
/// 4. the bundled `registry.json` of this etl-host build: at
///    `<prefix>/share/etl-host/bundled/registry.json` next to an installed
///    binary, or found by walking up from the executable's folder (a source
///    checkout); see ``HostLayout``
/// 5. the user registry `$XDG_DATA_HOME/etl-host/registry.json`
///    (default `~/.local/share/etl-host/registry.json`)
/// 6. the system registry `/etc/etl-host/registry.json`
///
/// `plugins install` and `plugins remove` change the first of: the explicit
/// file, the first `$ETL_REGISTRY_PATH` file, the user registry.
public struct RegistrySearchPath: Sendable {
    /// Why a registry file is on the search path.
    public enum Scope: String, Sendable, Codable {
        case explicit, environment, project, bundled, user, system
    }

    /// One registry file on the search path.
    public struct Location: Sendable, Equatable {
        /// Why it is searched.
        public var scope: Scope
        /// Absolute path of the file (it may not exist).
        public var path: String

        /// A location of `scope` at `path`.
        public init(scope: Scope, path: String) {
            self.scope = scope
            self.path = path
        }
    }

    /// The registries to search, most important first, without duplicates.
    public let locations: [Location]
    /// The registry that install and remove change.
    public let writableLocation: Location
    /// Folder used to resolve `@host/` library paths.
    public let hostDirectory: String

    /// Builds the search path from the command line, the environment and the
    /// current and executable folders. Every argument has a process default;
    /// tests pass their own.
    public init(
        explicit: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: String = FileManager.default.currentDirectoryPath,
        hostDirectory: String = HostEnvironment.executableDirectory
    ) {
        self.hostDirectory = hostDirectory
        var candidates: [Location] = []
        if let explicit { candidates.append(Location(scope: .explicit, path: HostEnvironment.absolutePath(explicit))) }
        let fromEnvironment = (environment["ETL_REGISTRY_PATH"] ?? "").split(separator: ":").map(String.init)
        candidates += fromEnvironment.map { Location(scope: .environment, path: HostEnvironment.absolutePath($0)) }
        candidates.append(Location(scope: .project, path: (currentDirectory as NSString).appendingPathComponent("registry.json")))
        if let bundled = Self.bundledRegistry(near: hostDirectory) {
            candidates.append(Location(scope: .bundled, path: bundled))
        }
        let user = Self.userRegistryPath(environment: environment)
        candidates.append(Location(scope: .user, path: user))
        candidates.append(Location(scope: .system, path: "/etc/etl-host/registry.json"))

        var seen = Set<String>()
        locations = candidates.filter { location in
            let canonical = (location.path as NSString).resolvingSymlinksInPath
            return seen.insert(canonical).inserted
        }
        writableLocation = candidates.first { $0.scope == .explicit || $0.scope == .environment }
            ?? Location(scope: .user, path: user)
    }

    /// The user registry path for an environment.
    public static func userRegistryPath(environment: [String: String]) -> String {
        let dataHome = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) as NSString).appendingPathComponent(".local/share")
        return (dataHome as NSString).appendingPathComponent("etl-host/registry.json")
    }

    /// The registry that ships with the etl-host binary in `hostDirectory`
    /// (see ``HostLayout/bundledRegistry``).
    static func bundledRegistry(near hostDirectory: String) -> String? {
        HostLayout(executableDirectory: hostDirectory).bundledRegistry
    }
}

import ETLHost
import Foundation

/// Where a Swift program finds its plugins. The program is not `etl-host`,
/// so the bundled registry (`registry.json`, whose `@host/` libraries are
/// the plugins built with etl-host) is looked up next to an etl-host
/// build, found in this order:
///
/// 1. `etlHostDirectory`, when given: the folder holding the `etl-host`
///    binary (an install's `bin/`, or a checkout's `.build/debug`);
/// 2. `$ETL_HOST_DIR`, when set;
/// 3. the folder of the `etl-host` found on `$PATH` (symlinks resolved);
/// 4. the program's own folder (a program built in the etl-host package).
///
/// The rest of the search path is `etl-host`'s: `registryFile` first (as
/// `--registry`), then `$ETL_REGISTRY_PATH`, the current folder's
/// `registry.json`, the bundled registry, the user and system registries
/// (see ``ETLHost/RegistrySearchPath``).
///
/// ```swift
/// let registry = try WorkflowPlugins.registry()                       // the installed etl-host's
/// let mine = try WorkflowPlugins.registry(registryFile: "plugins/registry.json")
/// ```
public enum WorkflowPlugins {
    /// The registry a program uses (see the type's description).
    public static func registry(registryFile: String? = nil, etlHostDirectory: String? = nil,
                                environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PluginRegistry {
        let host = etlHostDirectory ?? hostDirectory(environment: environment) ?? HostEnvironment.executableDirectory
        return try PluginRegistry(searchPath: RegistrySearchPath(explicit: registryFile, environment: environment,
                                                                 hostDirectory: HostEnvironment.absolutePath(host)))
    }

    /// The folder of the etl-host this environment names: `$ETL_HOST_DIR`,
    /// else the folder of `etl-host` on `$PATH`; nil when neither.
    public static func hostDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let folder = environment["ETL_HOST_DIR"], !folder.isEmpty { return folder }
        for folder in (environment["PATH"] ?? "").split(separator: ":").map(String.init) where !folder.isEmpty {
            let candidate = (folder as NSString).appendingPathComponent("etl-host")
            guard FileManager.default.isExecutableFile(atPath: candidate) else { continue }
            return ((candidate as NSString).resolvingSymlinksInPath as NSString).deletingLastPathComponent
        }
        return nil
    }
}

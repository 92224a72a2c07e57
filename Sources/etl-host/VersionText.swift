import ETLHost
import ETLPluginKit
import Foundation

/// What `etl-host --version` prints: the version, then where this binary
/// looks for plugins, so a user who copied or linked it can see at once
/// whether it still finds the ones it shipped with.
///
/// ```text
/// etl-host 0.1.0 (plugin ABI 1.4, swift-6.3.1)
/// executable: /home/ada/.local/bin/etl-host
/// bundled plugins: /home/ada/.local/lib/etl-host/plugins
/// registries, in lookup order (for each plugin the first that lists it wins):
///   1. project  /home/ada/shop/registry.json                       not found
///   2. bundled  /home/ada/.local/share/etl-host/bundled/registry.json  found
///   ...
/// ```
enum VersionText {
    /// The first line: version, plugin ABI and toolchain.
    static var headline: String {
        "etl-host \(HostEnvironment.version) (plugin ABI \(HostABI.string(HostABI.current)), \(ETLToolchain.current))"
    }

    /// The whole text for the running process (without a final newline).
    static var current: String {
        describe(searchPath: RegistrySearchPath(), executablePath: HostEnvironment.executablePath)
    }

    /// The text for `searchPath`, as seen by the binary at `executablePath`.
    static func describe(searchPath: RegistrySearchPath, executablePath: String) -> String {
        let layout = HostLayout(executableDirectory: searchPath.hostDirectory)
        var lines = [headline, "executable: \(executablePath)"]
        if let hint = layout.missingBundledRegistryHint {
            lines.append("bundled plugins: none; \(hint)")
        } else {
            lines.append("bundled plugins: \(layout.pluginsDirectory)")
        }
        lines.append("registries, in lookup order (for each plugin the first that lists it wins):")
        let scopeWidth = searchPath.locations.map(\.scope.rawValue.count).max() ?? 0
        let pathWidth = searchPath.locations.map(\.path.count).max() ?? 0
        for (index, location) in searchPath.locations.enumerated() {
            let found = FileManager.default.fileExists(atPath: location.path) ? "found" : "not found"
            let scope = location.scope.rawValue.padding(toLength: scopeWidth, withPad: " ", startingAt: 0)
            let path = location.path.padding(toLength: pathWidth, withPad: " ", startingAt: 0)
            lines.append("  \(index + 1). \(scope)  \(path)  \(found)")
        }
        lines.append("plugins install writes to: \(searchPath.writableLocation.path)")
        return lines.joined(separator: "\n")
    }
}

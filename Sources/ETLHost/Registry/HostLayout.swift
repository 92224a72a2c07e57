import Foundation

/// Where an etl-host finds the files that ship with it (its bundled registry
/// and the plugins that registry's `@host/` entries name), judged from the
/// folder of its executable (the real one: `/proc/self/exe` resolves
/// symbolic links, so a link in `~/bin` to an installed binary works).
///
/// Two layouts are known:
///
/// - **installed** (`scripts/install --prefix PREFIX`):
///   `PREFIX/bin/etl-host`, `PREFIX/lib/etl-host/plugins/libetl_*.so`,
///   `PREFIX/share/etl-host/bundled/registry.json`. The registry lives in a
///   `bundled/` folder of its own because with the default prefix
///   (`~/.local`) `share/etl-host/registry.json` is the *user* registry,
///   which `plugins install` writes and `scripts/uninstall` must not delete;
/// - **build tree** (`swift build`): `<checkout>/.build/<triple>/<config>/`
///   holds etl-host and the plugins, `<checkout>/registry.json` (next to
///   `Package.swift`) is the bundled registry.
///
/// ```swift
/// let layout = HostLayout(executableDirectory: "/opt/etl/bin")
/// layout.installedRegistryPath   // "/opt/etl/share/etl-host/bundled/registry.json"
/// layout.pluginsDirectory        // "/opt/etl/lib/etl-host/plugins" when it exists, else "/opt/etl/bin"
/// ```
public struct HostLayout: Sendable, Equatable {
    /// The folder of the etl-host executable.
    public let executableDirectory: String

    /// How many folders above the executable's a build tree's
    /// `registry.json` + `Package.swift` are looked for.
    static let buildTreeDepth = 5

    /// The layout around an executable in `executableDirectory`.
    public init(executableDirectory: String) {
        self.executableDirectory = executableDirectory
    }

    /// `PREFIX/share/etl-host/bundled/registry.json` of an installed etl-host.
    public var installedRegistryPath: String {
        standardized("../share/etl-host/bundled/registry.json")
    }

    /// `PREFIX/lib/etl-host/plugins` of an installed etl-host.
    public var installedPluginsDirectory: String {
        standardized("../lib/etl-host/plugins")
    }

    /// The folder `@host/` library paths resolve in: the installed plugins
    /// folder when it exists, else the executable's own folder (a build tree).
    public var pluginsDirectory: String {
        var isFolder: ObjCBool = false
        let installed = installedPluginsDirectory
        if FileManager.default.fileExists(atPath: installed, isDirectory: &isFolder), isFolder.boolValue { return installed }
        return executableDirectory
    }

    /// The bundled registry of this etl-host: the installed one, else the
    /// `registry.json` next to a `Package.swift` in the executable's folder
    /// or one of the folders above it; nil when neither exists.
    public var bundledRegistry: String? {
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: installedRegistryPath) { return installedRegistryPath }
        var folder = executableDirectory
        for _ in 0 ..< Self.buildTreeDepth {
            let candidate = (folder as NSString).appendingPathComponent("registry.json")
            let manifest = (folder as NSString).appendingPathComponent("Package.swift")
            if fileManager.fileExists(atPath: candidate), fileManager.fileExists(atPath: manifest) { return candidate }
            let parent = (folder as NSString).deletingLastPathComponent
            if parent == folder { break }
            folder = parent
        }
        return nil
    }

    /// Where it looked and how to fix it, for a host that has no bundled
    /// registry (a binary copied away from its plugins); nil when it has one.
    public var missingBundledRegistryHint: String? {
        guard bundledRegistry == nil else { return nil }
        return "this etl-host (in \(executableDirectory)) has no bundled plugins: it looked for "
            + "\(installedRegistryPath) (an installed etl-host) and for a registry.json beside a Package.swift "
            + "in \(executableDirectory) and the \(Self.buildTreeDepth - 1) folders above it (a build tree); "
            + "install etl-host with its plugins (scripts/install --prefix DIR), link to the installed binary "
            + "instead of copying it (ln -s PREFIX/bin/etl-host ~/bin/), or pass --registry FILE"
    }

    private func standardized(_ relative: String) -> String {
        ((executableDirectory as NSString).appendingPathComponent(relative) as NSString).standardizingPath
    }
}

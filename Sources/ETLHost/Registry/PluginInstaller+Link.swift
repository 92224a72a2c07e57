import Foundation

/// Where an installed plugin came from, as its registry entry records it.
///
/// ```swift
/// let origin = InstallOrigin(source: "https://example.org/plugins/csvdir-0.2.0.so",
///                            index: "https://example.org/plugins/index.json")
/// ```
public struct InstallOrigin: Sendable, Equatable {
    /// The file path or download URL the library came from.
    public var source: String
    /// The plugin index that listed it, for an index install.
    public var index: String?

    /// An origin at `source`, listed by `index` when it came from one.
    public init(source: String, index: String? = nil) {
        self.source = source
        self.index = index
    }
}

/// `plugins install --link`: the developer loop.
///
/// ```swift
/// let result = try installer.link(libraryAt: ".build/debug/libmy_extractor.so")
/// // rebuild: the next `etl-host sync my_extractor ...` loads the new build
/// ```
///
/// A linked entry points at the library where it is (no copy) and pins no
/// sha256 (`"link": true`). Every load hashes the file again; content never
/// seen on this machine is probed in a child process first (the
/// ``ProbeCache`` keys probes by path and sha256), so a rebuild is used at
/// once and a rebuild that crashes in init is refused, not loaded.
extension PluginInstaller {
    /// Registers the library at `path` in place under its own name or
    /// `name`, after probing it in a child process.
    ///
    /// - Throws: what a local install throws for the file (missing, not a
    ///   shared library, refused by the probe); nothing is registered then.
    public func link(libraryAt path: String, name: String? = nil, entrySymbol: String = "etl_plugin_init") throws -> Result {
        let library = HostEnvironment.absolutePath(path)
        var status = stat()
        guard stat(library, &status) == 0 else {
            throw HostError(.notAPlugin, "cannot link '\(library)': no such file")
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw HostError(.invalidArgument, "cannot link '\(library)': it is \(LibraryFile.kindDescription(status.st_mode)); --link takes the library file itself (a .so)")
        }
        if let name, !LoadedPlugin.isValidName(name) {
            throw HostError(.invalidArgument, "invalid plugin name '\(name)': use 1-64 characters of a-z, 0-9, '-' and '_'")
        }
        try PluginLoader.checkIsSharedLibrary(library)
        let sha256 = try LibraryFile.sha256(ofLibraryAt: library)
        let descriptor = try PluginProbe.describe(libraryAt: library, entrySymbol: entrySymbol, executable: probeExecutable)
        let pluginName = name ?? descriptor.name
        var entry = RegistryEntry(
            name: pluginName, kind: descriptor.kind, version: descriptor.version, abi: descriptor.abi,
            entry: entrySymbol, library: library, sha256: nil, language: descriptor.language,
            toolchain: descriptor.toolchain, capabilities: descriptor.capabilities, description: descriptor.description
        )
        entry.source = library
        entry.link = true
        let replaced = try registry.update { document in document.upsert(entry) }
        if let replaced { removeLibraryIfOwned(replaced, keeping: library) }
        _ = try? probeCache.remember(library: library, sha256: sha256, outcome: .ok)
        return Result(entry: entry, replaced: replaced, libraryPath: library)
    }
}

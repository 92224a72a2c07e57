import Foundation

/// Installs plugin libraries into a registry and removes them.
///
/// ```swift
/// let installer = PluginInstaller(registry: RegistryFile(path: userRegistry))
/// let result = try installer.install(from: "./libmy_extractor.so")
/// print(result.entry.name, result.entry.sha256!)
/// ```
///
/// Install copies the library into the registry's `plugins/` folder, hashes
/// the copy, probes the copy in a child process (``PluginProbe``), and only
/// then registers it under the registry lock. A refused plugin leaves the
/// registry file byte-for-byte unchanged. The probe's success is remembered
/// in the ``ProbeCache`` for the installed copy, so it is not probed again
/// before its first load; temporary copies left by killed installs are
/// removed first (``IncomingFiles``).
public struct PluginInstaller: Sendable {
    /// The outcome of an install.
    public struct Result: Sendable {
        /// The entry now in the registry.
        public var entry: RegistryEntry
        /// The entry it replaced, if the name was already installed there.
        public var replaced: RegistryEntry?
        /// Absolute path of the installed copy.
        public var libraryPath: String
    }

    /// The registry to change.
    public var registry: RegistryFile
    /// The etl-host executable that runs the probe child.
    public var probeExecutable: String
    /// Where the probe of an installed copy is remembered.
    public var probeCache: ProbeCache

    /// An installer for `registry`, probing with `probeExecutable`.
    public init(registry: RegistryFile, probeExecutable: String = HostEnvironment.executablePath,
                probeCache: ProbeCache = ProbeCache()) {
        self.registry = registry
        self.probeExecutable = probeExecutable
        self.probeCache = probeCache
    }

    /// Installs the plugin library at `source` (a file, or a folder holding
    /// exactly one `.so`), under its own name or `name`.
    ///
    /// - Parameters:
    ///   - origin: what the entry records as its `source` and `index`
    ///     (default: the library's absolute path, no index).
    ///   - expecting: a check of the probed descriptor before anything is
    ///     registered (an index install: the name, kind and version the
    ///     index promised); what it throws refuses the install.
    public func install(from source: String, name: String? = nil, entrySymbol: String = "etl_plugin_init",
                        origin: InstallOrigin? = nil,
                        expecting: ((PluginDescriptor) throws -> Void)? = nil) throws -> Result {
        let library = try Self.libraryFile(in: HostEnvironment.absolutePath(source))
        if let name, !LoadedPlugin.isValidName(name) {
            throw HostError(.invalidArgument, "invalid plugin name '\(name)': use 1-64 characters of a-z, 0-9, '-' and '_'")
        }
        try PluginLoader.checkIsSharedLibrary(library)

        let directory = registry.pluginsDirectory
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw HostError(.io, "cannot create the plugin folder '\(directory)': \(error.localizedDescription)")
        }
        IncomingFiles.removeStale(in: directory)
        let incoming = IncomingFiles.newPath(in: directory)
        try AtomicFile.copy(from: library, to: incoming)
        var keepIncoming = false
        defer { if !keepIncoming { unlink(incoming) } }

        let sha256 = try LibraryFile.sha256(ofLibraryAt: incoming)
        let descriptor: PluginDescriptor
        do {
            descriptor = try PluginProbe.describe(libraryAt: incoming, entrySymbol: entrySymbol, executable: probeExecutable)
        } catch let error as HostError {
            // Name the file the user gave, not the temporary copy that was probed.
            throw HostError(error.kind, error.message.replacingOccurrences(of: incoming, with: library), plugin: library)
        }
        try expecting?(descriptor)
        let pluginName = name ?? descriptor.name
        let finalPath = (directory as NSString).appendingPathComponent("\(pluginName)-\(sha256.prefix(16)).so")

        var entry = RegistryEntry(
            name: pluginName, kind: descriptor.kind, version: descriptor.version, abi: descriptor.abi,
            entry: entrySymbol, library: registry.recordedLibraryPath(finalPath), sha256: sha256,
            language: descriptor.language, toolchain: descriptor.toolchain, capabilities: descriptor.capabilities,
            description: descriptor.description
        )
        entry.source = origin?.source ?? library
        entry.index = origin?.index
        let replaced: RegistryEntry? = try registry.update { document in
            guard rename(incoming, finalPath) == 0 else {
                throw HostError(.io, "cannot move the plugin into '\(finalPath)': \(errnoDescription())")
            }
            keepIncoming = true
            return document.upsert(entry)
        }
        if let replaced { removeLibraryIfOwned(replaced, keeping: finalPath) }
        // Probed above (as the temporary copy, the same bytes): not again before its first load.
        _ = try? probeCache.remember(library: finalPath, sha256: sha256, outcome: .ok)
        return Result(entry: entry, replaced: replaced, libraryPath: finalPath)
    }

    /// Removes the plugin called `name` (of `kind`, when given) from the
    /// registry and deletes its installed copy. A name this registry lists
    /// as both an extractor and a warehouse needs `kind`.
    ///
    /// - Throws: `.invalidArgument` when `kind` is nil and the registry lists
    ///   the name with both kinds; `.registry` when this registry does not
    ///   list it (naming the registry that does, if any, and the kind it has
    ///   here when only `kind` is missing).
    @discardableResult
    public func remove(named name: String, kind: PluginKind? = nil, searchPath: RegistrySearchPath? = nil) throws -> RegistryEntry {
        let removed: Swift.Result<RegistryEntry, HostError>? = try registry.update { document in
            let named = document.plugins.indices.filter { document.plugins[$0].name == name }
            if kind == nil, named.count > 1 {
                return .failure(HostError(.invalidArgument, "plugin '\(name)' is both an extractor and a warehouse in \(registry.path); say which to remove with --kind extractor or --kind warehouse"))
            }
            guard let index = named.first(where: { kind == nil || document.plugins[$0].kind == kind }) else {
                if let kind, let other = named.first.map({ document.plugins[$0].kind }) {
                    return .failure(HostError(.registry, "plugin '\(name)' is only \(other == .extractor ? "an" : "a") \(other.rawValue) in \(registry.path), not \(kind == .extractor ? "an" : "a") \(kind.rawValue); pass --kind \(other.rawValue) to remove it"))
                }
                return nil
            }
            return .success(document.plugins.remove(at: index))
        }
        guard let removed else {
            if let searchPath, let visible = try? PluginRegistry(searchPath: searchPath),
               let elsewhere = visible.plugins.first(where: { $0.entry.name == name && (kind == nil || $0.entry.kind == kind) }) {
                throw HostError(.registry, "plugin '\(name)' is defined in \(elsewhere.registry.path) (\(elsewhere.scope.rawValue) registry), not in \(registry.path), which is the registry this command changes; pass --registry \(elsewhere.registry.path) to remove it there")
            }
            throw HostError(.registry, "no plugin named '\(name)'\(kind.map { " of kind \($0.rawValue)" } ?? "") in \(registry.path)")
        }
        let entry = try removed.get()
        removeLibraryIfOwned(entry, keeping: nil)
        return entry
    }

    /// Deletes an entry's library if it is a copy this installer made.
    func removeLibraryIfOwned(_ entry: RegistryEntry, keeping: String?) {
        let path = registry.resolveLibraryPath(entry.library)
        guard path != keeping, (path as NSString).deletingLastPathComponent == registry.pluginsDirectory else { return }
        unlink(path)
    }

    /// The library to install from `path`: the file itself, or the only
    /// `.so` file in a folder.
    static func libraryFile(in path: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw HostError(.notAPlugin, "cannot install '\(path)': no such file")
        }
        guard isDirectory.boolValue else { return path }
        let libraries = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [])
            .filter { $0.hasSuffix(".so") }.sorted()
        guard libraries.count == 1 else {
            throw HostError(.invalidArgument, libraries.isEmpty
                ? "cannot install '\(path)': the folder holds no .so file"
                : "cannot install '\(path)': the folder holds several libraries (\(libraries.joined(separator: ", "))); name the file to install")
        }
        return (path as NSString).appendingPathComponent(libraries[0])
    }
}

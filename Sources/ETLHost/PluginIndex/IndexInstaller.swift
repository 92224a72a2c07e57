import Foundation

/// Installs plugins by name from plugin indexes: `plugins install
/// NAME[@VERSION]`, `plugins upgrade [NAME]`, `plugins outdated`.
///
/// A download goes through every check of a local install and one more:
/// its sha256 must be the one the index lists, before anything else looks
/// at it. Then ``PluginInstaller`` copies, hashes, probes it in a child
/// process and registers it pinned, after checking that the library is
/// what the index said (name, kind, version). A refused download leaves
/// the registry byte for byte as it was.
///
/// ```swift
/// let installer = IndexInstaller(catalog: try PluginIndexCatalog(sources: PluginIndexSources()),
///                                installer: PluginInstaller(registry: RegistryFile(path: userRegistry)))
/// let result = try installer.install(name: "csvdir", version: nil, kind: nil)
/// ```
public struct IndexInstaller: Sendable {
    /// The plugins the indexes offer.
    public var catalog: PluginIndexCatalog
    /// The registry installs go into, and how.
    public var installer: PluginInstaller

    /// An installer from `catalog` into `installer`'s registry.
    public init(catalog: PluginIndexCatalog, installer: PluginInstaller) {
        self.catalog = catalog
        self.installer = installer
    }

    /// One plugin of the registry compared with its index.
    public struct Comparison: Sendable {
        /// The registry entry.
        public var entry: RegistryEntry
        /// The newest build that fits this host, if the index lists one.
        public var newest: PluginIndexDocument.Build?
        /// The index that lists the plugin, if any.
        public var index: String?

        /// Whether the index has a newer fitting version.
        public var isOutdated: Bool {
            guard let newest else { return false }
            return PluginVersion(entry.version) < PluginVersion(newest.version)
        }
    }

    /// Downloads, verifies and installs `name` (`version`, or the newest
    /// that fits this host).
    ///
    /// - Throws: the catalog's errors (unknown name or version, no build
    ///   that fits); `.checksumMismatch` when the download's sha256 is not
    ///   the index's; `.pluginFailed` when the library is not the plugin
    ///   the index promised; every error of a local install.
    public func install(name: String, version: String?, kind: PluginKind?) throws -> PluginInstaller.Result {
        try install(try catalog.choose(name: name, version: version, kind: kind))
    }

    /// Installs the chosen build (see ``install(name:version:kind:)``).
    public func install(_ choice: PluginIndexCatalog.Choice) throws -> PluginInstaller.Result {
        let plugin = choice.listing.plugin
        let build = choice.build
        let url = choice.downloadURL
        if IndexURL.isHTTP(choice.listing.index), !IndexURL.isHTTP(url) {
            throw HostError(.invalidArgument, "plugin '\(plugin.name)' \(build.version): the plugin index \(choice.listing.index) is on the network but points at the local file \(url); refused, nothing was installed")
        }
        let data = try IndexDownload.fetch(url)
        let directory = installer.registry.pluginsDirectory
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw HostError(.io, "cannot create the plugin folder '\(directory)': \(error.localizedDescription)")
        }
        IncomingFiles.removeStale(in: directory)
        let download = IncomingFiles.newPath(in: directory)
        try AtomicFile.write(data, to: download)
        defer { unlink(download) }
        let actual = try LibraryFile.sha256(ofLibraryAt: download)
        guard actual == build.sha256.lowercased() else {
            throw HostError(.checksumMismatch, "plugin '\(plugin.name)' \(build.version): the download \(url) has sha256 \(actual), but the plugin index \(choice.listing.index) pins \(build.sha256.lowercased()); refused, nothing was installed")
        }
        do {
            return try installer.install(
                from: download, name: plugin.name, origin: InstallOrigin(source: url, index: choice.listing.index),
                expecting: { descriptor in
                    var differences: [String] = []
                    if descriptor.name != plugin.name { differences.append("name '\(descriptor.name)' (index: '\(plugin.name)')") }
                    if descriptor.kind != plugin.kind { differences.append("kind \(descriptor.kind.rawValue) (index: \(plugin.kind.rawValue))") }
                    if descriptor.version != build.version { differences.append("version \(descriptor.version) (index: \(build.version))") }
                    guard differences.isEmpty else {
                        throw HostError(.pluginFailed, "plugin '\(plugin.name)' \(build.version): the library \(url) declares \(differences.joined(separator: ", ")), which is not what the plugin index \(choice.listing.index) lists; refused, nothing was installed")
                    }
                })
        } catch let error as HostError {
            // Name the download, not the temporary file it was written to.
            throw HostError(error.kind, error.message.replacingOccurrences(of: download, with: url), plugin: plugin.name)
        }
    }

    /// The registry's plugins that came from an index, each with the
    /// newest build its index offers now (`plugins outdated`; only
    /// `isOutdated` ones are printed). Plugins installed from a file or
    /// linked are not compared: a same-named plugin in an index may be
    /// another plugin.
    public func comparisons(named name: String? = nil) throws -> [Comparison] {
        let entries = try installer.registry.read().plugins.filter { $0.index != nil && !$0.link }
        if let name, !entries.contains(where: { $0.name == name }) {
            throw HostError(.registry, "no plugin named '\(name)' was installed from a plugin index into \(installer.registry.path); `etl-host plugins install \(name)` installs it")
        }
        return entries.filter { name == nil || $0.name == name }.map { entry in
            let listing = catalog.listings.first { $0.plugin.name == entry.name && $0.plugin.kind == entry.kind }
            return Comparison(entry: entry, newest: listing?.newestFitting(catalog.host), index: listing?.index)
        }
    }

    /// One line of `plugins upgrade`.
    public struct Upgrade: Sendable {
        /// The plugin's name and kind.
        public var name: String, kind: PluginKind
        /// The version before.
        public var from: String
        /// The version after; nil when it stayed (no newer fitting build).
        public var to: String?
        /// Whether a configured index lists the plugin at all.
        public var listed: Bool
    }

    /// Installs the newest fitting build of every plugin that came from an
    /// index (or of `name` only) where it is newer than the installed one.
    public func upgrade(named name: String? = nil) throws -> [Upgrade] {
        try comparisons(named: name).map { comparison in
            let entry = comparison.entry
            guard comparison.isOutdated, let newest = comparison.newest,
                  let listing = catalog.listings.first(where: { $0.plugin.name == entry.name && $0.plugin.kind == entry.kind })
            else { return Upgrade(name: entry.name, kind: entry.kind, from: entry.version, to: nil, listed: comparison.index != nil) }
            let result = try install(PluginIndexCatalog.Choice(listing: listing, build: newest))
            return Upgrade(name: entry.name, kind: entry.kind, from: entry.version, to: result.entry.version, listed: true)
        }
    }
}

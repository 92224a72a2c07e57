import ETLPluginKit
import Foundation

/// The plugins of every configured index, read once: what `plugins search`
/// lists and what `install NAME[@VERSION]`, `upgrade` and `outdated` choose
/// from.
///
/// For each name and kind the first index listing it wins (see
/// ``PluginIndexSources``). A build fits this host when its ABI major is
/// the host's, its platform is ``HostPlatform/current`` and, for a Swift
/// plugin, its toolchain is the host's.
///
/// ```swift
/// let catalog = try PluginIndexCatalog(sources: PluginIndexSources())
/// let choice = try catalog.choose(name: "csvdir", version: nil, kind: nil)
/// print(choice.build.version, choice.downloadURL)
/// ```
public struct PluginIndexCatalog: Sendable {
    /// One plugin as an index lists it.
    public struct Listing: Sendable {
        /// The plugin and its builds.
        public var plugin: PluginIndexDocument.Plugin
        /// The index (URL or path) that lists it.
        public var index: String

        /// The newest build that fits this host, if any.
        public func newestFitting(_ host: HostTarget) -> PluginIndexDocument.Build? {
            plugin.versions.filter { host.misfit($0) == nil }.max { PluginVersion($0.version) < PluginVersion($1.version) }
        }

        /// The newest build of any platform, ABI or toolchain.
        public var newest: PluginIndexDocument.Build? {
            plugin.versions.max { PluginVersion($0.version) < PluginVersion($1.version) }
        }
    }

    /// A build chosen for installation.
    public struct Choice: Sendable {
        /// The plugin it belongs to.
        public var listing: Listing
        /// The build.
        public var build: PluginIndexDocument.Build
        /// Where to download it (its `url` resolved against the index).
        public var downloadURL: String { IndexURL.resolve(build.url, againstIndex: listing.index) }
    }

    /// What a build must match to run in this host.
    public struct HostTarget: Sendable {
        /// The host's ABI (`major << 16 | minor`).
        public var abi: UInt32
        /// The host's Swift toolchain.
        public var toolchain: String
        /// The host's platform.
        public var platform: String

        /// This etl-host.
        public static let current = HostTarget(abi: HostABI.current, toolchain: ETLToolchain.current, platform: HostPlatform.current)

        /// A host of these parts (tests use another platform or ABI).
        public init(abi: UInt32, toolchain: String, platform: String) {
            self.abi = abi
            self.toolchain = toolchain
            self.platform = platform
        }

        /// Why `build` cannot run here (`ABI 2.0, this etl-host speaks 1.3`),
        /// or nil when it fits.
        public func misfit(_ build: PluginIndexDocument.Build) -> String? {
            guard let abi = HostABI.parse(build.abi), abi >> 16 == self.abi >> 16 else {
                return "built for ABI \(build.abi); this etl-host speaks ABI \(HostABI.string(self.abi))"
            }
            guard build.platform == platform else {
                return "built for \(build.platform); this etl-host runs on \(platform)"
            }
            if build.language == "swift", build.toolchain != toolchain {
                return "built with \(build.toolchain ?? "an unnamed toolchain"); this etl-host was built with \(toolchain)"
            }
            return nil
        }
    }

    /// The indexes read.
    public let sources: PluginIndexSources
    /// Every plugin visible, in index order, then file order.
    public let listings: [Listing]
    /// The host builds must fit.
    public let host: HostTarget

    /// Fetches and reads every index of `sources`.
    ///
    /// - Throws: `.invalidArgument` when no index is configured (naming the
    ///   ways to configure one); `.io` or `.registry` for an index that
    ///   cannot be fetched or read, naming it (one bad index fails the
    ///   command: nothing is skipped silently).
    public init(sources: PluginIndexSources, host: HostTarget = .current) throws {
        guard !sources.locations.isEmpty else {
            throw HostError(.invalidArgument, "no plugin index is configured: pass --index URL, set ETL_PLUGIN_INDEX, or list indexes as {\"indexes\": [\"URL\"]} in ./\(PluginIndexSources.fileName) or \(sources.configurationFiles.last ?? "~/.config/etl-host/\(PluginIndexSources.fileName)") (docs/PLUGIN_INDEX.md)")
        }
        self.sources = sources
        self.host = host
        var listings: [Listing] = []
        var names = Set<String>()
        for location in sources.locations {
            let data: Data
            do { data = try IndexDownload.fetch(location.reference) } catch let error as HostError {
                let via = location.configuration.map { " (listed in \($0))" } ?? ""
                throw HostError(error.kind, "plugin index \(location.reference)\(via): \(error.message)")
            }
            let document = try PluginIndexDocument.decode(data, origin: location.reference)
            for plugin in document.plugins where names.insert("\(plugin.kind.rawValue)/\(plugin.name)").inserted {
                listings.append(Listing(plugin: plugin, index: location.reference))
            }
        }
        self.listings = listings
    }

    /// The indexes read, as a phrase for messages.
    public var indexesDescription: String {
        sources.locations.map(\.reference).joined(separator: ", ")
    }

    /// Plugins whose name or description contains `word` (any case); all
    /// of them for an empty word.
    public func search(_ word: String) -> [Listing] {
        let needle = word.lowercased()
        guard !needle.isEmpty else { return listings }
        return listings.filter { $0.plugin.name.lowercased().contains(needle) || $0.plugin.description.lowercased().contains(needle) }
    }

    /// The listing of `name` (of `kind` when given).
    ///
    /// - Throws: `.registry` when no index lists it (naming the indexes
    ///   read); `.invalidArgument` when `kind` is nil and the name is both
    ///   an extractor and a warehouse.
    public func listing(named name: String, kind: PluginKind?) throws -> Listing {
        let named = listings.filter { $0.plugin.name == name && (kind == nil || $0.plugin.kind == kind) }
        if named.count > 1 {
            throw HostError(.invalidArgument, "plugin '\(name)' is both an extractor and a warehouse in the plugin indexes; say which with --kind extractor or --kind warehouse")
        }
        guard let listing = named.first else {
            let what = kind.map { "no \($0.rawValue) named '\(name)'" } ?? "no plugin named '\(name)'"
            throw HostError(.registry, "\(what) in the plugin indexes \(indexesDescription); `etl-host plugins search WORD` lists what they have")
        }
        return listing
    }

    /// The build to install for `name`: `version` exactly, or the newest
    /// that fits this host.
    ///
    /// - Throws: `.registry` when the plugin or that version is not
    ///   listed; `.abiMismatch` when no build of it (of that version) fits
    ///   this host, naming each build's reason.
    public func choose(name: String, version: String?, kind: PluginKind?) throws -> Choice {
        let listing = try listing(named: name, kind: kind)
        var builds = listing.plugin.versions
        if let version {
            builds = builds.filter { PluginVersion($0.version) == PluginVersion(version) }
            guard !builds.isEmpty else {
                let listed = Set(listing.plugin.versions.map(\.version)).sorted { PluginVersion($0) < PluginVersion($1) }
                throw HostError(.registry, "plugin '\(name)' has no version \(version) in the plugin index \(listing.index); it lists \(listed.isEmpty ? "none" : listed.joined(separator: ", "))")
            }
        }
        if let build = builds.filter({ host.misfit($0) == nil }).max(by: { PluginVersion($0.version) < PluginVersion($1.version) }) {
            return Choice(listing: listing, build: build)
        }
        let reasons = builds.map { "\($0.version) for \($0.platform): \(host.misfit($0) ?? "fits")" }
        let what = version.map { "\(name) \($0)" } ?? name
        throw HostError(.abiMismatch, "plugin '\(what)' in the plugin index \(listing.index) has no build this etl-host can load (\(reasons.isEmpty ? "no builds listed" : reasons.joined(separator: "; "))); refused, nothing was installed")
    }
}

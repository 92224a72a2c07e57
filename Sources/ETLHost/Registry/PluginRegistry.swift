import ETLPluginKit
import Foundation

/// The plugins visible to this host: every registry file on the search path,
/// merged so that for each name the first registry listing it wins.
///
/// ```swift
/// let registry = try PluginRegistry(searchPath: RegistrySearchPath())
/// for plugin in registry.plugins { print(plugin.entry.name, registry.status(of: plugin)) }
/// let csv = try registry.load(named: "csv", kind: .extractor)
/// ```
public struct PluginRegistry: Sendable {
    /// A registry entry together with the file that defines it.
    public struct Plugin: Sendable, Equatable {
        /// The entry as written.
        public var entry: RegistryEntry
        /// The registry file that defines it.
        public var registry: RegistryFile
        /// Why that registry is searched.
        public var scope: RegistrySearchPath.Scope
        /// The library's absolute path.
        public var libraryPath: String { registry.resolveLibraryPath(entry.library) }

        public static func == (lhs: Plugin, rhs: Plugin) -> Bool {
            lhs.entry == rhs.entry && lhs.registry.path == rhs.registry.path
        }
    }

    /// Whether a plugin can be loaded, judged without running it.
    public enum Status: String, Sendable, Codable {
        /// The library exists and matches its entry.
        case ok
        /// The library file does not exist.
        case missing
        /// The library's sha256 differs from the pinned one.
        case checksumMismatch = "checksum-mismatch"
        /// The entry's ABI major differs from the host's.
        case abiMismatch = "abi-mismatch"
        /// A Swift plugin built with another toolchain than the host.
        case toolchainMismatch = "toolchain-mismatch"
    }

    /// The search path the registry was read from.
    public let searchPath: RegistrySearchPath
    /// Visible plugins, in search order, then file order.
    public let plugins: [Plugin]
    /// Entries hidden by an earlier registry listing the same name.
    public let shadowed: [Plugin]

    /// Reads every existing registry file on `searchPath`.
    public init(searchPath: RegistrySearchPath) throws {
        self.searchPath = searchPath
        var visible: [Plugin] = []
        var hidden: [Plugin] = []
        var names = Set<String>()
        for location in searchPath.locations {
            let file = RegistryFile(path: location.path, hostDirectory: searchPath.hostDirectory)
            guard file.exists else { continue }
            for entry in try file.read().plugins {
                let plugin = Plugin(entry: entry, registry: file, scope: location.scope)
                if names.insert(entry.name).inserted { visible.append(plugin) } else { hidden.append(plugin) }
            }
        }
        plugins = visible
        shadowed = hidden
    }

    /// The visible plugin called `name`.
    ///
    /// - Throws: `.registry` naming the registries searched and the plugins
    ///   available when there is none.
    public func plugin(named name: String) throws -> Plugin {
        if let plugin = plugins.first(where: { $0.entry.name == name }) { return plugin }
        let available = plugins.map(\.entry.name).sorted()
        throw HostError(.registry, "no plugin named '\(name)' in \(searchedDescription); available: \(available.isEmpty ? "none" : available.joined(separator: ", ")) (install one with `etl-host plugins install PATH`)")
    }

    /// The registries that exist, as a phrase for messages.
    public var searchedDescription: String {
        let existing = searchPath.locations.filter { FileManager.default.fileExists(atPath: $0.path) }.map(\.path)
        return existing.isEmpty ? "any registry (none exists yet)" : existing.joined(separator: ", ")
    }

    /// Checks a plugin without loading it: file present, checksum, ABI,
    /// toolchain.
    public func status(of plugin: Plugin, hostABI: UInt32 = HostABI.current, hostToolchain: String = ETLToolchain.current) -> Status {
        check(plugin, hostABI: hostABI, hostToolchain: hostToolchain).status
    }

    /// Verifies a plugin's entry against its library (see ``status(of:hostABI:hostToolchain:)``),
    /// then loads it with `loader` and checks that it is what the entry says.
    ///
    /// - Throws: `.checksumMismatch` when the library changed since it was
    ///   installed; any ``PluginLoader`` error; `.invalidArgument` when it is
    ///   not of `kind`.
    public func load(named name: String, kind: PluginKind? = nil, loader: PluginLoader = PluginLoader()) throws -> LoadedPlugin {
        let plugin = try self.plugin(named: name)
        try verify(plugin, hostABI: loader.hostABI, hostToolchain: loader.hostToolchain)
        let loaded = try loader.load(libraryAt: plugin.libraryPath, entrySymbol: plugin.entry.entry)
        guard loaded.descriptor.kind == plugin.entry.kind else {
            throw HostError(.pluginFailed, "plugin '\(name)': the registry \(plugin.registry.path) says it is \(plugin.entry.kind == .extractor ? "an extractor" : "a warehouse"), but its library \(plugin.libraryPath) says \(loaded.descriptor.kind == .extractor ? "an extractor" : "a warehouse"); reinstall it")
        }
        if let kind { try loaded.require(kind: kind) }
        return loaded
    }

    /// Throws the reason a plugin cannot be loaded, judged without loading it.
    public func verify(_ plugin: Plugin, hostABI: UInt32 = HostABI.current, hostToolchain: String = ETLToolchain.current) throws {
        if let problem = check(plugin, hostABI: hostABI, hostToolchain: hostToolchain).problem { throw problem }
    }

    private func check(_ plugin: Plugin, hostABI: UInt32, hostToolchain: String) -> (status: Status, problem: HostError?) {
        let entry = plugin.entry
        let path = plugin.libraryPath
        guard FileManager.default.fileExists(atPath: path) else {
            return (.missing, HostError(.registry, "plugin '\(entry.name)': its library '\(path)' does not exist (registry \(plugin.registry.path)); reinstall it, or build the bundled plugins with `swift build`"))
        }
        if let pinned = entry.sha256 {
            let actual: String
            do { actual = try SHA256.hexDigest(ofFileAt: path) } catch { return (.missing, error as? HostError) }
            guard actual == pinned.lowercased() else {
                return (.checksumMismatch, HostError(.checksumMismatch, "plugin '\(entry.name)': refusing to load '\(path)': its sha256 is \(actual) but the registry \(plugin.registry.path) pins \(pinned); the library changed after it was installed. If you trust the new file, run `etl-host plugins install \(path) --name \(entry.name)`"))
            }
        }
        guard let abi = HostABI.parse(entry.abi), abi >> 16 == hostABI >> 16 else {
            return (.abiMismatch, HostError(.abiMismatch, "plugin '\(entry.name)': the registry says it was built for ABI \(entry.abi); this etl-host speaks ABI \(HostABI.string(hostABI)) and needs the same major version"))
        }
        if entry.language == "swift", let toolchain = entry.toolchain, toolchain != hostToolchain {
            return (.toolchainMismatch, HostError(.abiMismatch, "plugin '\(entry.name)': built with \(toolchain); this etl-host was built with \(hostToolchain): rebuild it with the same toolchain"))
        }
        return (.ok, nil)
    }
}

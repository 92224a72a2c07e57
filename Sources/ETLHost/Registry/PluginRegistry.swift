import ETLPluginKit
import Foundation

/// The plugins visible to this host: every registry file on the search path,
/// merged so that for each name and kind the first registry listing it wins.
///
/// A plugin is known by its name and its kind: one name may be both an
/// extractor and a warehouse (`postgres` reads and loads PostgreSQL), and
/// a lookup that gives the kind (`sync` does, for each side) picks the
/// right one. A lookup without a kind is refused when the name is both.
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
        /// Whether the library is part of this etl-host build: `@host/NAME`,
        /// a file directly in the executable's folder (no `/`, so no `..`
        /// out of it). Trusted without a sha256 or a probe.
        public var isHostBuilt: Bool {
            let name = entry.library.dropFirst("@host/".count)
            return entry.library.hasPrefix("@host/") && !name.isEmpty && !name.contains("/")
        }

        public static func == (lhs: Plugin, rhs: Plugin) -> Bool {
            lhs.entry == rhs.entry && lhs.registry.path == rhs.registry.path
        }
    }

    /// Whether a plugin can be loaded, judged without running it.
    public enum Status: String, Sendable, Codable {
        /// The library exists and matches its entry; unless it is `@host/`,
        /// a child process probed it on this machine.
        case ok
        /// The library matches its entry but was never probed here; it is
        /// probed in a child process before its first load.
        case notProbed = "not-probed"
        /// A probe child crashed on the library or refused it: refused.
        case probeFailed = "probe-failed"
        /// Not `@host/` and no sha256 pins it: refused.
        case unpinned
        /// The library path is a FIFO, a device, a folder...: refused.
        case notARegularFile = "not-a-file"
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
    /// Entries hidden by an earlier registry listing the same name and kind.
    public let shadowed: [Plugin]
    /// Where probe results are remembered.
    public let probeCache: ProbeCache
    /// A last sentence for a "no plugin named NAME" error, from a layer
    /// above the registry (the CLI sets one that points to the plugin
    /// indexes: `PluginIndexSources.notFoundHint`); nil for none.
    public var missingPluginAdvice: (@Sendable (_ name: String) -> String?)?

    /// Reads every existing registry file on `searchPath`.
    public init(searchPath: RegistrySearchPath, probeCache: ProbeCache = ProbeCache()) throws {
        self.searchPath = searchPath
        self.probeCache = probeCache
        var visible: [Plugin] = []
        var hidden: [Plugin] = []
        var names = Set<String>()
        for location in searchPath.locations {
            let file = RegistryFile(path: location.path, hostDirectory: searchPath.hostDirectory)
            guard file.exists else { continue }
            for entry in try file.read().plugins {
                let plugin = Plugin(entry: entry, registry: file, scope: location.scope)
                if names.insert("\(entry.kind.rawValue)/\(entry.name)").inserted { visible.append(plugin) } else { hidden.append(plugin) }
            }
        }
        plugins = visible
        shadowed = hidden
    }

    /// The visible plugin called `name`, of `kind` when given.
    ///
    /// - Throws: `.registry` naming the registries searched and the plugins
    ///   available when there is none; `.invalidArgument` when `kind` is
    ///   nil and the name is both an extractor and a warehouse.
    public func plugin(named name: String, kind: PluginKind? = nil) throws -> Plugin {
        let named = plugins.filter { $0.entry.name == name }
        if let kind, let plugin = named.first(where: { $0.entry.kind == kind }) { return plugin }
        if kind == nil, named.count > 1 {
            throw HostError(.invalidArgument, "plugin '\(name)' is both an extractor and a warehouse; say which with --kind extractor or --kind warehouse")
        }
        // Without a kind, or when only the other kind exists: that one (the
        // caller's kind check then names the mismatch).
        if let plugin = named.first { return plugin }
        let available = Array(Set(plugins.map(\.entry.name))).sorted()
        throw HostError(.registry, "no plugin named '\(name)' in \(searchedDescription); available: \(available.isEmpty ? "none" : available.joined(separator: ", ")) (install one with `etl-host plugins install PATH`)\(notFoundHints(name: name, kind: kind))")
    }

    /// The registries that exist, as a phrase for messages.
    public var searchedDescription: String {
        let existing = searchPath.locations.filter { FileManager.default.fileExists(atPath: $0.path) }.map(\.path)
        return existing.isEmpty ? "any registry (none exists yet)" : existing.joined(separator: ", ")
    }

    /// Checks a plugin without loading it: file present, checksum, ABI,
    /// toolchain, probe.
    public func status(of plugin: Plugin, hostABI: UInt32 = HostABI.current, hostToolchain: String = ETLToolchain.current) -> Status {
        verdict(on: plugin, hostABI: hostABI, hostToolchain: hostToolchain).status
    }

    /// Verifies a plugin's entry against its library (see ``verdict(on:hostABI:hostToolchain:)``),
    /// probes it in a child process if it is not `@host/` and was never
    /// probed on this machine, then loads it with `loader` and checks that
    /// it is what the entry says.
    ///
    /// - Throws: `.checksumMismatch` when the library changed since it was
    ///   installed or is not pinned; `.notAPlugin` when it is not a regular
    ///   file; `.pluginFailed` when the probe crashed; any ``PluginLoader``
    ///   error; `.invalidArgument` when it is not of `kind`.
    public func load(named name: String, kind: PluginKind? = nil, loader: PluginLoader = PluginLoader(),
                     probeExecutable: String = HostEnvironment.executablePath) throws -> LoadedPlugin {
        let plugin = try self.plugin(named: name, kind: kind)
        let verdict = verdict(on: plugin, hostABI: loader.hostABI, hostToolchain: loader.hostToolchain)
        if let problem = verdict.problem { throw problem }
        if verdict.status == .notProbed, let sha256 = verdict.sha256 {
            try probe(plugin, sha256: sha256, executable: probeExecutable)
        }
        let loaded = try loader.load(libraryAt: plugin.libraryPath, entrySymbol: plugin.entry.entry)
        guard loaded.descriptor.kind == plugin.entry.kind else {
            throw HostError(.pluginFailed, "plugin '\(name)': the registry \(plugin.registry.path) says it is \(plugin.entry.kind == .extractor ? "an extractor" : "a warehouse"), but its library \(plugin.libraryPath) says \(loaded.descriptor.kind == .extractor ? "an extractor" : "a warehouse"); reinstall it")
        }
        if let kind { try loaded.require(kind: kind) }
        return loaded
    }

    /// Throws the reason a plugin cannot be loaded, judged without loading it.
    public func verify(_ plugin: Plugin, hostABI: UInt32 = HostABI.current, hostToolchain: String = ETLToolchain.current) throws {
        if let problem = verdict(on: plugin, hostABI: hostABI, hostToolchain: hostToolchain).problem { throw problem }
    }

    /// The entries of later registries that `plugin` hides (same name and kind).
    public func entriesShadowed(by plugin: Plugin) -> [Plugin] {
        shadowed.filter { $0.entry.name == plugin.entry.name && $0.entry.kind == plugin.entry.kind }
    }

    /// One sentence for each plugin in `names` that hides another
    /// registry's entry of the same name and kind, for a run's log.
    ///
    /// - Parameter kinds: the kind of each name (`sync`: extractor, then
    ///   warehouse), which picks the plugin of a name that is both.
    public func shadowingNotices(for names: [String], kinds: [PluginKind]? = nil) -> [String] {
        var seen = Set<String>()
        let lookups = names.enumerated().map { (name: $0.element, kind: kinds?[$0.offset]) }
        return lookups.filter { seen.insert("\($0.kind?.rawValue ?? "")/\($0.name)").inserted }.compactMap { lookup in
            let name = lookup.name
            guard let plugin = try? self.plugin(named: name, kind: lookup.kind), let hidden = entriesShadowed(by: plugin).first else { return nil }
            return "plugin '\(name)' comes from the \(plugin.scope.rawValue) registry \(plugin.registry.path) (library \(plugin.libraryPath)), "
                + "which shadows the \(hidden.scope.rawValue) '\(name)' of \(hidden.registry.path)"
        }
    }
}

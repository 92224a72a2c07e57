import Foundation

/// One plugin in a registry file.
///
/// ```json
/// {"name": "csv", "kind": "extractor", "version": "0.1.0", "abi": "1.0",
///  "entry": "etl_plugin_init", "library": "@host/libetl_csv.so",
///  "sha256": null, "language": "swift", "toolchain": "swift-6.3.1",
///  "capabilities": ["schema_hints"], "description": "CSV files (RFC 4180)"}
/// ```
///
/// `library` is resolved by ``RegistryFile/resolveLibraryPath(_:)``: an
/// absolute path as is; `@host/NAME` in the folder of the running etl-host
/// executable (plugins built together with the host, so a debug host loads
/// debug plugins); anything else relative to the registry file's folder.
public struct RegistryEntry: Codable, Equatable, Sendable {
    /// Unique name users type: `etl-host sync <name> ...`.
    public var name: String
    /// `extractor` or `warehouse`.
    public var kind: PluginKind
    /// The plugin's own version.
    public var version: String
    /// The plugin's ABI version, "major.minor".
    public var abi: String
    /// The exported entry symbol, normally `etl_plugin_init`.
    public var entry: String
    /// Where the shared library is (see the type's documentation).
    public var library: String
    /// SHA-256 of the library when installed; `nil` for bundled plugins that
    /// are built from source together with the host.
    public var sha256: String?
    /// Implementation language: c, swift, rust, ...
    public var language: String
    /// Compiler toolchain for languages without a stable ABI (Swift).
    public var toolchain: String?
    /// Capability names, see ``PluginCapabilities``.
    public var capabilities: [String]
    /// One line saying what the plugin does.
    public var description: String
    /// Where it was installed from: the absolute path of the file given to
    /// `plugins install`, or the download URL of an index install; nil for
    /// bundled and hand-written entries. Written only when set.
    public var source: String? = nil
    /// The plugin index an index install came from (its URL or path);
    /// `plugins upgrade` and `outdated` look at these entries only.
    public var index: String? = nil
    /// `plugins install --link`: the library is used where it is, unpinned,
    /// hashed again at every load and probed once per new content
    /// (`plugins list` shows it as `dev`). Written only when true.
    public var link: Bool = false

    /// Creates an entry.
    public init(
        name: String, kind: PluginKind, version: String, abi: String, entry: String = "etl_plugin_init",
        library: String, sha256: String?, language: String, toolchain: String?, capabilities: [String],
        description: String
    ) {
        self.name = name
        self.kind = kind
        self.version = version
        self.abi = abi
        self.entry = entry
        self.library = library
        self.sha256 = sha256
        self.language = language
        self.toolchain = toolchain
        self.capabilities = capabilities
        self.description = description
    }

    private enum CodingKeys: String, CodingKey {
        case name, kind, version, abi, entry, library, sha256, language, toolchain, capabilities, description
        case source, index, link
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        kind = try container.decode(PluginKind.self, forKey: .kind)
        version = try container.decode(String.self, forKey: .version)
        abi = try container.decode(String.self, forKey: .abi)
        entry = try container.decodeIfPresent(String.self, forKey: .entry) ?? "etl_plugin_init"
        library = try container.decode(String.self, forKey: .library)
        sha256 = try container.decodeIfPresent(String.self, forKey: .sha256)
        language = try container.decodeIfPresent(String.self, forKey: .language) ?? "c"
        toolchain = try container.decodeIfPresent(String.self, forKey: .toolchain)
        capabilities = try container.decodeIfPresent([String].self, forKey: .capabilities) ?? []
        description = try container.decodeIfPresent(String.self, forKey: .description) ?? ""
        source = try container.decodeIfPresent(String.self, forKey: .source)
        index = try container.decodeIfPresent(String.self, forKey: .index)
        link = try container.decodeIfPresent(Bool.self, forKey: .link) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(kind, forKey: .kind)
        try container.encode(version, forKey: .version)
        try container.encode(abi, forKey: .abi)
        try container.encode(entry, forKey: .entry)
        try container.encode(library, forKey: .library)
        try container.encode(sha256, forKey: .sha256)  // explicit null: "not pinned"
        try container.encode(language, forKey: .language)
        try container.encode(toolchain, forKey: .toolchain)
        try container.encode(capabilities, forKey: .capabilities)
        try container.encode(description, forKey: .description)
        try container.encodeIfPresent(source, forKey: .source)
        try container.encodeIfPresent(index, forKey: .index)
        if link { try container.encode(link, forKey: .link) }
    }
}

/// The registry document: `{"registry_version": 1, "plugins": [...]}`.
public struct RegistryDocument: Codable, Equatable, Sendable {
    /// The format version this host writes and reads.
    public static let currentVersion = 1

    /// Format version of the file.
    public var registryVersion: Int
    /// The entries, in file order.
    public var plugins: [RegistryEntry]

    /// An empty registry of the current version.
    public init(plugins: [RegistryEntry] = []) {
        registryVersion = Self.currentVersion
        self.plugins = plugins
    }

    /// Puts `entry` in place of the entry of the same name and kind (keeping
    /// its position), or appends it; returns the entry it replaced.
    @discardableResult
    public mutating func upsert(_ entry: RegistryEntry) -> RegistryEntry? {
        guard let previous = plugins.firstIndex(where: { $0.name == entry.name && $0.kind == entry.kind }) else {
            plugins.append(entry)
            return nil
        }
        let old = plugins[previous]
        plugins[previous] = entry
        return old
    }

    private enum CodingKeys: String, CodingKey {
        case registryVersion = "registry_version"
        case plugins
    }
}

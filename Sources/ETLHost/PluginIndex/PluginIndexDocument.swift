import Foundation

/// A plugin index: the JSON file `plugins search`, `install NAME`,
/// `upgrade` and `outdated` read (docs/PLUGIN_INDEX.md).
///
/// ```json
/// {"index_version": 1,
///  "plugins": [
///   {"name": "csvdir", "kind": "warehouse", "description": "CSV files in a folder",
///    "versions": [
///     {"version": "0.2.0", "abi": "1.3", "language": "c", "toolchain": null,
///      "platform": "linux-x86_64", "url": "csvdir-warehouse-0.2.0-linux-x86_64.so",
///      "sha256": "9f2c..."}]}]}
/// ```
///
/// A version may be listed once per platform (and, for Swift plugins, per
/// toolchain); `url` is absolute or relative to the index's own URL.
public struct PluginIndexDocument: Codable, Equatable, Sendable {
    /// The format version this host reads and writes.
    public static let currentVersion = 1

    /// One plugin: a name and kind, and its builds.
    public struct Plugin: Codable, Equatable, Sendable {
        /// The name users type (`etl-host plugins install csvdir`).
        public var name: String
        /// `extractor` or `warehouse`; one name may be listed once per kind.
        public var kind: PluginKind
        /// One line saying what it does (what `plugins search` matches).
        public var description: String
        /// Its builds, in any order.
        public var versions: [Build]

        /// A plugin with `versions`.
        public init(name: String, kind: PluginKind, description: String, versions: [Build]) {
            self.name = name
            self.kind = kind
            self.description = description
            self.versions = versions
        }
    }

    /// One downloadable library: a version of a plugin for one platform.
    public struct Build: Codable, Equatable, Sendable {
        /// The plugin's own version (what its descriptor declares).
        public var version: String
        /// The ABI it was built for, "major.minor".
        public var abi: String
        /// Implementation language: c, swift, rust, ...
        public var language: String
        /// The compiler toolchain of a Swift plugin (`swift-6.3.1`), which
        /// must be the host's; nil for languages with a stable C ABI.
        public var toolchain: String?
        /// Operating system and CPU, as ``HostPlatform/current`` spells it
        /// (`linux-x86_64`, `linux-aarch64`).
        public var platform: String
        /// Where the library is: absolute (`https://`, `file://`) or
        /// relative to the index file.
        public var url: String
        /// SHA-256 of the library file, lowercase hex.
        public var sha256: String

        /// A build.
        public init(version: String, abi: String, language: String, toolchain: String?, platform: String, url: String, sha256: String) {
            self.version = version
            self.abi = abi
            self.language = language
            self.toolchain = toolchain
            self.platform = platform
            self.url = url
            self.sha256 = sha256
        }

        private enum CodingKeys: String, CodingKey {
            case version, abi, language, toolchain, platform, url, sha256
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            version = try container.decode(String.self, forKey: .version)
            abi = try container.decode(String.self, forKey: .abi)
            language = try container.decodeIfPresent(String.self, forKey: .language) ?? "c"
            toolchain = try container.decodeIfPresent(String.self, forKey: .toolchain)
            platform = try container.decode(String.self, forKey: .platform)
            url = try container.decode(String.self, forKey: .url)
            sha256 = try container.decode(String.self, forKey: .sha256)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(version, forKey: .version)
            try container.encode(abi, forKey: .abi)
            try container.encode(language, forKey: .language)
            try container.encode(toolchain, forKey: .toolchain)  // explicit null: a stable C ABI
            try container.encode(platform, forKey: .platform)
            try container.encode(url, forKey: .url)
            try container.encode(sha256, forKey: .sha256)
        }
    }

    /// Format version of the file.
    public var indexVersion: Int
    /// The plugins, in file order.
    public var plugins: [Plugin]

    /// An index of the current version.
    public init(plugins: [Plugin] = []) {
        indexVersion = Self.currentVersion
        self.plugins = plugins
    }

    private enum CodingKeys: String, CodingKey {
        case indexVersion = "index_version"
        case plugins
    }

    /// Reads an index from `data`; `origin` (its URL or path) names it in
    /// errors, with the place: `plugins[1].versions[0] is missing the
    /// required key 'sha256'`.
    ///
    /// - Throws: `.registry` for JSON that is not an index, another
    ///   `index_version`, a name listed twice for one kind, a sha256 that is
    ///   not 64 hex digits, or an invalid plugin name.
    public static func decode(_ data: Data, origin: String) throws -> PluginIndexDocument {
        let document: PluginIndexDocument
        do {
            document = try JSONDecoder().decode(PluginIndexDocument.self, from: data)
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            throw HostError(.registry, "plugin index '\(origin)': \(place(context.codingPath)): \(context.debugDescription) (kind is 'extractor' or 'warehouse')")
        } catch let DecodingError.dataCorrupted(context) {
            throw HostError(.registry, "plugin index '\(origin)' is not valid JSON: \(context.underlyingError.map { "\($0.localizedDescription)" } ?? context.debugDescription)")
        } catch let DecodingError.keyNotFound(key, context) {
            throw HostError(.registry, "plugin index '\(origin)': \(place(context.codingPath)) is missing the required key '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(_, context) {
            throw HostError(.registry, "plugin index '\(origin)': \(place(context.codingPath)): \(context.debugDescription)")
        } catch let DecodingError.valueNotFound(_, context) {
            throw HostError(.registry, "plugin index '\(origin)': \(place(context.codingPath)): \(context.debugDescription)")
        } catch {
            throw HostError(.registry, "plugin index '\(origin)' cannot be read: \(error)")
        }
        guard document.indexVersion == currentVersion else {
            throw HostError(.registry, "plugin index '\(origin)' has index_version \(document.indexVersion); this etl-host reads version \(currentVersion)")
        }
        var seen = Set<String>()
        for (number, plugin) in document.plugins.enumerated() {
            guard LoadedPlugin.isValidName(plugin.name) else {
                throw HostError(.registry, "plugin index '\(origin)': plugins[\(number)].name '\(plugin.name)' is not a plugin name (1-64 characters of a-z, 0-9, '-' and '_')")
            }
            guard seen.insert("\(plugin.kind.rawValue)/\(plugin.name)").inserted else {
                throw HostError(.registry, "plugin index '\(origin)' lists the \(plugin.kind.rawValue) '\(plugin.name)' twice (plugins[\(number)]); list its builds under one entry")
            }
            for (position, build) in plugin.versions.enumerated() where !isSHA256(build.sha256) {
                throw HostError(.registry, "plugin index '\(origin)': plugins[\(number)].versions[\(position)].sha256 is not 64 hexadecimal digits")
            }
        }
        return document
    }

    /// The index as pretty JSON with sorted keys and a final newline.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }

    private static func isSHA256(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) || ($0 >= 0x41 && $0 <= 0x46) }
    }

    private static func place(_ path: [any CodingKey]) -> String {
        if path.isEmpty { return "the top level" }
        return path.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }.joined()
            .replacingOccurrences(of: ".[", with: "[")
            .trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }
}

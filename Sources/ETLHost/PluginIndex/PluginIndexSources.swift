import Foundation

/// Which plugin indexes a command reads, most important first. For each
/// plugin name and kind the first index that lists it wins (a later index
/// can never take over a name: no mixing of builds across indexes).
///
/// 1. `--index URL` (repeatable, in the order given)
/// 2. `$ETL_PLUGIN_INDEX` (one URL or path, or several separated by spaces)
/// 3. the project's `etl-index.json` in the current folder
/// 4. the user's `$XDG_CONFIG_HOME/etl-host/etl-index.json`
///    (default `~/.config/etl-host/etl-index.json`)
///
/// Both files hold `{"indexes": ["https://example.org/index.json",
/// "vendor/plugins/index.json"]}`; a relative path in them resolves
/// against the file's folder. An index is an `http://`, `https://` or
/// `file://` URL, or a path.
///
/// ```swift
/// let sources = try PluginIndexSources(explicit: ["http://127.0.0.1:8000/index.json"])
/// sources.locations.map(\.reference)
/// ```
public struct PluginIndexSources: Sendable {
    /// Why an index is read.
    public enum Scope: String, Sendable, Codable {
        case explicit, environment, project, user
    }

    /// One index on the list.
    public struct Location: Sendable, Equatable {
        /// Why it is read.
        public var scope: Scope
        /// Its URL, or its absolute path.
        public var reference: String
        /// The configuration file that named it (project and user scopes).
        public var configuration: String?
    }

    /// The indexes, most important first, without duplicates.
    public let locations: [Location]
    /// The configuration files looked at (whether they exist or not).
    public let configurationFiles: [String]

    /// The project configuration file's name.
    public static let fileName = "etl-index.json"

    /// Reads the sources from the command line, the environment and the
    /// configuration files. Every argument has a process default.
    ///
    /// - Throws: `.invalidArgument` for a configuration file that is not
    ///   `{"indexes": [strings]}`, naming the file.
    public init(
        explicit: [String] = [],
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: String = FileManager.default.currentDirectoryPath
    ) throws {
        let project = (currentDirectory as NSString).appendingPathComponent(Self.fileName)
        let user = Self.userConfigurationPath(environment: environment)
        configurationFiles = [project, user]
        var candidates: [Location] = explicit.map {
            Location(scope: .explicit, reference: Self.normalized($0, relativeTo: currentDirectory))
        }
        let fromEnvironment = (environment["ETL_PLUGIN_INDEX"] ?? "").split(whereSeparator: \.isWhitespace).map(String.init)
        candidates += fromEnvironment.map { Location(scope: .environment, reference: Self.normalized($0, relativeTo: currentDirectory)) }
        for (scope, file) in [(Scope.project, project), (.user, user)] {
            for reference in try Self.indexes(inConfiguration: file) {
                candidates.append(Location(scope: scope, reference: reference, configuration: file))
            }
        }
        var seen = Set<String>()
        locations = candidates.filter { seen.insert($0.reference).inserted }
    }

    /// The user configuration file for an environment.
    public static func userConfigurationPath(environment: [String: String]) -> String {
        let configHome = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) as NSString).appendingPathComponent(".config")
        return (configHome as NSString).appendingPathComponent("etl-host/\(fileName)")
    }

    /// A URL as it is; a path made absolute against `folder`.
    static func normalized(_ reference: String, relativeTo folder: String) -> String {
        if IndexURL.isURL(reference) { return reference }
        let absolute = reference.hasPrefix("/") ? reference : (folder as NSString).appendingPathComponent(reference)
        return (absolute as NSString).standardizingPath
    }

    /// The indexes a configuration file lists; none when it does not exist.
    static func indexes(inConfiguration path: String) throws -> [String] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HostError(.io, "cannot read the plugin index configuration '\(path)': \(errnoDescription())")
        }
        struct Configuration: Decodable { var indexes: [String] }
        let configuration: Configuration
        do { configuration = try JSONDecoder().decode(Configuration.self, from: data) } catch {
            throw HostError(.invalidArgument, "plugin index configuration '\(path)' must be {\"indexes\": [\"URL or path\", ...]} (a JSON object with an array of strings)")
        }
        let folder = (path as NSString).deletingLastPathComponent
        return try configuration.indexes.enumerated().map { position, reference in
            guard !reference.isEmpty else {
                throw HostError(.invalidArgument, "plugin index configuration '\(path)': indexes[\(position)] is empty; write a URL or a path")
            }
            return normalized(reference, relativeTo: folder)
        }
    }
}

import Foundation

/// The registry files `plugins install` wrote to outside the default search
/// path (with `--registry FILE` or `$ETL_REGISTRY_PATH`), remembered in
/// `<state folder>/registries.json` so that a later lookup that misses a
/// plugin can say where it is and which flag finds it.
///
/// Remembered registries are **not searched**: which plugins a command
/// loads must follow from its flags, environment and folder, never from
/// what some earlier command did (a `--registry` can be a test or a
/// throwaway experiment). They only feed the "not found" message.
///
/// ```swift
/// let remembered = RememberedRegistries()
/// try remembered.remember("/work/plugins/registry.json")
/// remembered.registries(listing: "dirlist", kind: .extractor)   // ["/work/plugins/registry.json"]
/// ```
public struct RememberedRegistries: Sendable {
    /// The file holding the list (a JSON array of absolute paths).
    public let path: String
    /// How many registries are kept (the most recent).
    static let limit = 20

    /// The list of the state folder (see ``HostEnvironment/stateDirectory(environment:)``).
    public init(stateDirectory: String = HostEnvironment.stateDirectory()) {
        path = (stateDirectory as NSString).appendingPathComponent("registries.json")
    }

    /// The remembered registry files, oldest first; an unreadable list is empty.
    public var all: [String] {
        guard let data = FileManager.default.contents(atPath: path),
              let paths = try? JSONDecoder().decode([String].self, from: data) else { return [] }
        return paths
    }

    /// Adds `registry` (made absolute) as the most recent one.
    public func remember(_ registry: String) throws {
        let absolute = HostEnvironment.absolutePath(registry)
        let paths = Array((all.filter { $0 != absolute } + [absolute]).suffix(Self.limit))
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try AtomicFile.write(try JSONEncoder().encode(paths), to: path)
    }

    /// The remembered registries (most recent first) that exist and list a
    /// plugin `name` (of `kind` when given), leaving out `excluded` paths.
    public func registries(listing name: String, kind: PluginKind?, excluding excluded: [String] = []) -> [String] {
        all.reversed().filter { registry in
            guard !excluded.contains(registry),
                  let document = try? RegistryFile(path: registry).read() else { return false }
            return document.plugins.contains { $0.name == name && (kind == nil || $0.kind == kind) }
        }
    }
}

extension PluginRegistry {
    /// The sentences a "no plugin named NAME" error ends with: where a
    /// plugin of that name was installed outside this search path (and
    /// the flag that finds it), a binary separated from its bundled
    /// plugins, and ``missingPluginAdvice`` (`plugins search NAME` when
    /// plugin indexes are configured); empty when none applies.
    func notFoundHints(name: String, kind: PluginKind?) -> String {
        var hints: [String] = []
        let stateDirectory = (probeCache.directory as NSString).deletingLastPathComponent
        let elsewhere = RememberedRegistries(stateDirectory: stateDirectory)
            .registries(listing: name, kind: kind, excluding: searchPath.locations.map(\.path))
        if let registry = elsewhere.first {
            hints.append("'\(name)' was installed into \(registry), which is not on this search path: "
                + "pass --registry \(registry) (or set ETL_REGISTRY_PATH=\(registry))")
        }
        if !searchPath.locations.contains(where: { $0.scope == .bundled }),
           let hint = HostLayout(executableDirectory: searchPath.hostDirectory).missingBundledRegistryHint {
            hints.append(hint)
        }
        if let hint = missingPluginAdvice?(name) { hints.append(hint) }
        return hints.map { "; " + $0 }.joined()
    }
}

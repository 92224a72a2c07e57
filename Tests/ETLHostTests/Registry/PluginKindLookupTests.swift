import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// A plugin is known by its name and its kind: one name may be both an
/// extractor and a warehouse (`postgres`); a lookup with a kind picks that
/// one, a lookup without a kind is refused when the name is both.
@Suite struct PluginKindLookupTests {
    private func entry(_ name: String, _ kind: PluginKind, description: String = "") -> RegistryEntry {
        RegistryEntry(name: name, kind: kind, version: "1", abi: "1.2", library: "@host/lib\(name)_\(kind.rawValue).so", sha256: nil,
                      language: "c", toolchain: nil, capabilities: [], description: description)
    }

    private func registry(_ files: [[RegistryEntry]]) throws -> (PluginRegistry, [String]) {
        let root = try TestSupport.temporaryDirectory("plugkind")
        var paths: [String] = []
        for (index, entries) in files.enumerated() {
            let file = RegistryFile(path: root + "/r\(index).json", hostDirectory: root)
            try file.update { $0.plugins = entries }
            paths.append(file.path)
        }
        let registry = try PluginRegistry(searchPath: RegistrySearchPath(
            environment: ["ETL_REGISTRY_PATH": paths.joined(separator: ":"), "HOME": root], currentDirectory: root,
            hostDirectory: root), probeCache: ProbeCache(stateDirectory: root + "/state"))
        return (registry, paths)
    }

    @Test func aNameThatIsBothKindsIsFoundByKindAndRefusedWithout() throws {
        let (registry, _) = try registry([[entry("postgres", .extractor, description: "reads"),
                                           entry("postgres", .warehouse, description: "loads"),
                                           entry("csv", .extractor)]])
        #expect(registry.plugins.map { "\($0.entry.name) \($0.entry.kind.rawValue)" }
            == ["postgres extractor", "postgres warehouse", "csv extractor"])
        #expect(try registry.plugin(named: "postgres", kind: .extractor).entry.description == "reads")
        #expect(try registry.plugin(named: "postgres", kind: .warehouse).entry.description == "loads")
        #expect(throws: HostError(.invalidArgument, "plugin 'postgres' is both an extractor and a warehouse; say which with --kind extractor or --kind warehouse")) {
            try registry.plugin(named: "postgres")
        }
        // A name of one kind is found without a kind, and with the other kind (the caller's kind check names the mismatch).
        #expect(try registry.plugin(named: "csv").entry.kind == .extractor)
        #expect(try registry.plugin(named: "csv", kind: .warehouse).entry.kind == .extractor)
    }

    @Test func shadowingIsPerNameAndKind() throws {
        let (registry, paths) = try registry([[entry("postgres", .warehouse, description: "mine")],
                                              [entry("postgres", .extractor, description: "bundled reader"),
                                               entry("postgres", .warehouse, description: "bundled")]])
        #expect(try registry.plugin(named: "postgres", kind: .warehouse).entry.description == "mine")
        #expect(try registry.plugin(named: "postgres", kind: .extractor).entry.description == "bundled reader")
        #expect(registry.shadowed.map { "\($0.entry.description) \($0.registry.path)" } == ["bundled \(paths[1])"])
        let warehouse = try registry.plugin(named: "postgres", kind: .warehouse)
        #expect(registry.entriesShadowed(by: warehouse).map(\.entry.description) == ["bundled"])
        #expect(registry.entriesShadowed(by: try registry.plugin(named: "postgres", kind: .extractor)).isEmpty)
        #expect(registry.shadowingNotices(for: ["postgres", "postgres"], kinds: [.extractor, .warehouse]).count == 1)
    }

    @Test func oneRegistryListingANameTwiceForOneKindIsRefused() throws {
        #expect { try self.registry([[entry("postgres", .warehouse), entry("postgres", .warehouse)]]) } throws: { error in
            (error as? HostError)?.message.hasSuffix("lists the warehouse 'postgres' twice") == true
        }
    }
}

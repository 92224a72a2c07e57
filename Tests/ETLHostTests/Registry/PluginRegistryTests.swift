import ETLHost
import ETLTestSupport
import Foundation
import Testing

@Suite struct PluginRegistryTests {
    private func entry(_ name: String, library: String, sha256: String? = nil, abi: String = "1.0",
                       language: String = "c", toolchain: String? = nil, description: String = "") -> RegistryEntry {
        RegistryEntry(name: name, kind: .extractor, version: "1", abi: abi, library: library, sha256: sha256,
                      language: language, toolchain: toolchain, capabilities: [], description: description)
    }

    @Test func pinnedEntriesAreJudgedOnABIToolchainAndTheRememberedProbe() throws {
        let root = try TestSupport.temporaryDirectory("plugtrust")
        let library = root + "/liba.so"
        _ = FileManager.default.createFile(atPath: library, contents: Data("not really a library".utf8))
        let digest = try SHA256.hexDigest(ofFileAt: library)
        let file = RegistryFile(path: root + "/registry.json", hostDirectory: root)
        try file.update { $0.plugins = [
            entry("future", library: library, sha256: digest, abi: "2.0"),
            entry("oldswift", library: library, sha256: digest, language: "swift", toolchain: "swift-5.9.0"),
            entry("probed", library: library, sha256: digest),
            entry("hostbuilt", library: "@host/liba.so"),
            entry("escapes", library: "@host/../\((root as NSString).lastPathComponent)/liba.so"),
        ] }
        let cache = ProbeCache(stateDirectory: root + "/state", toolchain: "swift-6.3.1")
        let registry = try PluginRegistry(searchPath: RegistrySearchPath(explicit: file.path, environment: ["HOME": root],
                                                                         currentDirectory: root, hostDirectory: root),
                                          probeCache: cache)
        func summaries() -> [String] {
            registry.plugins.map { registry.verdict(on: $0, hostToolchain: "swift-6.3.1").summary }
        }
        #expect(summaries() == ["abi-mismatch", "toolchain-mismatch", "not probed yet", "ok", "unpinned: refused"])
        #expect((try registry.plugin(named: "escapes").libraryPath as NSString).standardizingPath == library)
        let record = try cache.remember(library: library, sha256: digest, outcome: .failed, reason: "SIGSEGV", message: "it crashed")
        #expect(summaries() == ["abi-mismatch", "toolchain-mismatch", "probe failed: SIGSEGV", "ok", "unpinned: refused"])
        #expect(throws: HostError(.pluginFailed, "it crashed (remembered from its probe at \(record.probedAt); a changed library is probed again)")) {
            try registry.verify(registry.plugin(named: "probed"), hostToolchain: "swift-6.3.1")
        }
        let good = try cache.remember(library: library, sha256: digest, outcome: .ok)
        #expect(summaries() == ["abi-mismatch", "toolchain-mismatch", "ok (probed \(good.probedOn))", "ok", "unpinned: refused"])
        // Another toolchain or ABI does not see the record.
        #expect(ProbeCache(stateDirectory: root + "/state", toolchain: "swift-6.4").record(library: library, sha256: digest) == nil)
        #expect(ProbeCache(stateDirectory: root + "/state", toolchain: "swift-6.3.1", abi: HostABI.make(major: 2, minor: 0))
            .record(library: library, sha256: digest) == nil)
    }

    @Test func firstRegistryListingANameWinsAndStatusesAreJudgedWithoutLoading() throws {
        let root = try TestSupport.temporaryDirectory("plugreg")
        let library = root + "/liba.so"
        _ = FileManager.default.createFile(atPath: library, contents: Data("not really a library".utf8))
        let digest = try SHA256.hexDigest(ofFileAt: library)

        let first = RegistryFile(path: root + "/first.json")
        try first.update { $0.plugins = [
            entry("same", library: library, description: "from first"),
            entry("pinned", library: library, sha256: digest),
            entry("swapped", library: library, sha256: String(repeating: "0", count: 64)),
            entry("gone", library: root + "/nothing.so"),
            entry("future", library: library, abi: "2.0"),
            entry("oldswift", library: library, language: "swift", toolchain: "swift-5.9.0"),
        ] }
        let second = RegistryFile(path: root + "/second.json")
        try second.update { $0.plugins = [entry("same", library: "liba.so", description: "from second"), entry("only2", library: "liba.so")] }

        let registry = try PluginRegistry(searchPath: RegistrySearchPath(
            environment: ["ETL_REGISTRY_PATH": "\(first.path):\(second.path)", "HOME": root], currentDirectory: root, hostDirectory: root
        ), probeCache: ProbeCache(stateDirectory: root + "/state"))
        #expect(registry.plugins.map(\.entry.name) == ["same", "pinned", "swapped", "gone", "future", "oldswift", "only2"])
        #expect(try registry.plugin(named: "same").entry.description == "from first")
        #expect(registry.shadowed.map(\.registry.path) == [second.path])
        #expect(try registry.plugin(named: "only2").libraryPath == library)

        // Outside @host/, an entry without a sha256 is refused before anything else is judged.
        let statuses = registry.plugins.map { registry.status(of: $0, hostToolchain: "swift-6.3.1").rawValue }
        #expect(statuses == ["unpinned", "not-probed", "checksum-mismatch", "missing", "unpinned", "unpinned", "unpinned"])

        #expect(throws: HostError(.registry, "no plugin named 'nope' in \(first.path), \(second.path); available: future, gone, oldswift, only2, pinned, same, swapped (install one with `etl-host plugins install PATH`); "
            + HostLayout(executableDirectory: root).missingBundledRegistryHint!)) {
            try registry.plugin(named: "nope")
        }
        #expect { try registry.load(named: "swapped") } throws: { error in
            guard let error = error as? HostError, error.kind == .checksumMismatch else { return false }
            return error.message.contains("but the registry \(first.path) pins 0000000000000000000000000000000000000000000000000000000000000000")
        }
    }
}

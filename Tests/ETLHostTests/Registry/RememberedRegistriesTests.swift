import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// The registries `plugins install --registry` wrote to, remembered only to
/// name them when a lookup misses a plugin (RememberedRegistries).
@Suite struct RememberedRegistriesTests {
    private func entry(_ name: String, _ kind: PluginKind) -> RegistryEntry {
        RegistryEntry(name: name, kind: kind, version: "1", abi: "1.3", library: "lib\(name).so", sha256: nil,
                      language: "c", toolchain: nil, capabilities: [], description: "")
    }

    @Test func theMostRecentTwentyAreKeptOnceEach() throws {
        let root = try TestSupport.temporaryDirectory("remembered")
        let remembered = RememberedRegistries(stateDirectory: root + "/state")
        #expect(remembered.all.isEmpty)
        for index in 0 ..< 22 { try remembered.remember(root + "/r\(index).json") }
        try remembered.remember(root + "/r5.json")
        #expect(remembered.all == (2 ..< 22).filter { $0 != 5 }.map { root + "/r\($0).json" } + [root + "/r5.json"])
    }

    @Test func onlyExistingRegistriesListingTheNameAndKindAreNamedNewestFirst() throws {
        let root = try TestSupport.temporaryDirectory("remembered-lookup")
        let remembered = RememberedRegistries(stateDirectory: root + "/state")
        let old = RegistryFile(path: root + "/old.json"), new = RegistryFile(path: root + "/new.json")
        try old.update { $0.plugins = [entry("mine", .extractor)] }
        try new.update { $0.plugins = [entry("mine", .extractor), entry("sink", .warehouse)] }
        for path in [old.path, root + "/gone.json", new.path] { try remembered.remember(path) }

        #expect(remembered.registries(listing: "mine", kind: .extractor) == [new.path, old.path])
        #expect(remembered.registries(listing: "mine", kind: .warehouse).isEmpty)
        #expect(remembered.registries(listing: "sink", kind: nil) == [new.path])
        #expect(remembered.registries(listing: "mine", kind: nil, excluding: [new.path]) == [old.path])
    }
}

import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// The repository's registry.json describes the bundled plugins as they are.
@Suite struct BundledRegistryTests {
    @Test func everyBundledEntryMatchesItsPlugin() throws {
        let file = RegistryFile(path: TestSupport.repositoryRoot + "/registry.json", hostDirectory: TestSupport.productsDirectory)
        let entries = try file.read().plugins
        #expect(!entries.isEmpty)
        for entry in entries {
            #expect(entry.library.hasPrefix("@host/"), "\(entry.name): bundled plugins are built with the host")
            #expect(entry.sha256 == nil, "\(entry.name): bundled plugins are not pinned")
            let descriptor = try PluginProbe.describe(
                libraryAt: file.resolveLibraryPath(entry.library), entrySymbol: entry.entry, executable: TestSupport.hostExecutable
            )
            #expect(descriptor.name == entry.name)
            #expect(descriptor.kind == entry.kind)
            #expect(descriptor.version == entry.version)
            #expect(descriptor.abi == entry.abi)
            #expect(descriptor.language == entry.language)
            #expect(descriptor.capabilities == entry.capabilities)
            #expect(descriptor.description == entry.description)
        }
    }
}

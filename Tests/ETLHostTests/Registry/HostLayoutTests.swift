import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// Where an installed etl-host and a build tree find their bundled registry
/// and the `@host/` plugins (HostLayout, RegistrySearchPath, RegistryFile).
@Suite struct HostLayoutTests {
    @Test func anInstalledHostUsesItsPrefixRegistryAndPluginsFolder() throws {
        let prefix = try TestSupport.temporaryDirectory("layout")
        for folder in ["bin", "lib/etl-host/plugins", "share/etl-host/bundled"] {
            try FileManager.default.createDirectory(atPath: prefix + "/" + folder, withIntermediateDirectories: true)
        }
        _ = FileManager.default.createFile(atPath: prefix + "/share/etl-host/bundled/registry.json", contents: Data())

        let layout = HostLayout(executableDirectory: prefix + "/bin")
        #expect(layout.bundledRegistry == prefix + "/share/etl-host/bundled/registry.json")
        #expect(layout.pluginsDirectory == prefix + "/lib/etl-host/plugins")
        #expect(layout.missingBundledRegistryHint == nil)

        let path = RegistrySearchPath(environment: ["HOME": prefix + "/home"], currentDirectory: prefix + "/work", hostDirectory: prefix + "/bin")
        #expect(path.locations.map(\.scope) == [.project, .bundled, .user, .system])
        #expect(path.locations[1].path == prefix + "/share/etl-host/bundled/registry.json")
        let file = RegistryFile(path: path.locations[1].path, hostDirectory: path.hostDirectory)
        #expect(file.resolveLibraryPath("@host/libetl_csv.so") == prefix + "/lib/etl-host/plugins/libetl_csv.so")
    }

    @Test func theUserRegistryOfTheDefaultPrefixIsNotMistakenForTheBundledOne() throws {
        // ~/.local/bin/etl-host with ~/.local/share/etl-host/registry.json (the user registry) and no install.
        let home = try TestSupport.temporaryDirectory("layout-home")
        try FileManager.default.createDirectory(atPath: home + "/.local/bin", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: home + "/.local/share/etl-host", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: home + "/.local/share/etl-host/registry.json", contents: Data())

        let path = RegistrySearchPath(environment: ["HOME": home], currentDirectory: home, hostDirectory: home + "/.local/bin")
        #expect(path.locations.map(\.scope) == [.project, .user, .system])
        #expect(HostLayout(executableDirectory: home + "/.local/bin").bundledRegistry == nil)
    }

    @Test func aBuildTreeResolvesHostLibrariesNextToTheExecutable() throws {
        let repo = try TestSupport.temporaryDirectory("layout-repo")
        let products = repo + "/.build/x86_64-unknown-linux-gnu/debug"
        try FileManager.default.createDirectory(atPath: products, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: repo + "/registry.json", contents: Data())
        _ = FileManager.default.createFile(atPath: repo + "/Package.swift", contents: Data())

        let layout = HostLayout(executableDirectory: products)
        #expect(layout.bundledRegistry == repo + "/registry.json")
        #expect(layout.pluginsDirectory == products)
        #expect(RegistryFile(path: repo + "/registry.json", hostDirectory: products).resolveLibraryPath("@host/libetl_csv.so") == products + "/libetl_csv.so")
    }

    @Test func aHostWithoutBundledRegistrySaysWhereItLooked() throws {
        let root = try TestSupport.temporaryDirectory("layout-none")
        let layout = HostLayout(executableDirectory: root + "/bin")
        #expect(layout.bundledRegistry == nil)
        #expect(layout.missingBundledRegistryHint == "this etl-host (in \(root)/bin) has no bundled plugins: it looked for "
            + "\(root)/share/etl-host/bundled/registry.json (an installed etl-host) and for a registry.json beside a "
            + "Package.swift in \(root)/bin and the 4 folders above it (a build tree); install etl-host with its plugins "
            + "(scripts/install --prefix DIR), link to the installed binary instead of copying it "
            + "(ln -s PREFIX/bin/etl-host ~/bin/), or pass --registry FILE")
    }
}

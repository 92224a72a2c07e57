import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

/// `scripts/make-plugin-index` publishes this repository's bundled and
/// example plugins as an index that installs: about 30 s (it builds the C
/// and Rust examples and probes every library), hence the slow tier.
@Suite struct SlowTierPluginIndexScriptTests {
    @Test func theRepositoryIndexListsEveryBundledAndExamplePluginAndInstalls() throws {
        let sandbox = try HostSandbox("make-plugin-index")
        let out = sandbox.root + "/index"
        let script = try TestSupport.run(TestSupport.repositoryRoot + "/scripts/make-plugin-index",
                                         ["--out", out, "--bin", TestSupport.productsDirectory, "--no-build"],
                                         environment: sandbox.environment, currentDirectory: sandbox.root)
        #expect(script.status == 0, "\(script.stderr)")
        #expect(script.stdout.hasSuffix("Index: \(out)/index.json\n"))

        let index = try PluginIndexDocument.decode(Data(contentsOf: URL(fileURLWithPath: out + "/index.json")), origin: out)
        let bundled = try JSONDecoder().decode(RegistryDocument.self, from: Data(contentsOf: URL(fileURLWithPath: TestSupport.repositoryRoot + "/registry.json")))
        let listed = Set(index.plugins.map { "\($0.kind.rawValue)/\($0.name)" })
        #expect(listed.isSuperset(of: Set(bundled.plugins.map { "\($0.kind.rawValue)/\($0.name)" })))
        #expect(listed.isSuperset(of: ["extractor/dirlist", "warehouse/csvdir", "extractor/procstats"]))
        // Every build's file is there with the listed sha256 (postgres's two kinds are two files).
        for plugin in index.plugins {
            let build = try #require(plugin.versions.first)
            #expect(plugin.versions.count == 1)
            #expect(build.url == "\(plugin.name)-\(plugin.kind.rawValue)-\(build.version)-\(HostPlatform.current).so")
            #expect(try LibraryFile.sha256(ofLibraryAt: out + "/" + build.url) == build.sha256, "\(plugin.name)")
            #expect(build.toolchain == (build.language == "swift" ? ETLToolchain.current : nil))
        }

        let install = try sandbox.etlHost("plugins", "install", "dirlist", "--index", "file://\(out)/index.json")
        #expect(install.status == 0, "\(install.stderr)")
        #expect(install.stdout.hasPrefix("Installed dirlist 1.0.0 (extractor, c, ABI "))
        let info = try sandbox.etlHost("plugins", "info", "dirlist")
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.stdout.contains("registry:      \(sandbox.userRegistry) (user)"))
    }
}

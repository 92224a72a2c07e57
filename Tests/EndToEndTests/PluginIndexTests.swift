import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// `plugins install NAME`, `search`, `upgrade`, `outdated` and `publish`
/// against plugin indexes served over HTTP on 127.0.0.1 and read through
/// `file://`, through the built binary (docs/PLUGIN_INDEX.md).
@Suite struct PluginIndexTests {
    static let variant = "Tests/Fixtures/CPlugins/variant.c"

    /// A sandbox with an index folder and its own user configuration.
    struct Project {
        let sandbox: HostSandbox
        var root: String { sandbox.root }
        var indexFolder: String { root + "/index" }
        var indexFileURL: String { "file://" + indexFolder + "/index.json" }

        init(_ label: String) throws {
            sandbox = try HostSandbox(label)
        }

        func etlHost(_ arguments: [String], environment: [String: String] = [:]) throws -> TestSupport.ProcessResult {
            var base = sandbox.environment
            base.removeValue(forKey: "ETL_PLUGIN_INDEX")
            base["XDG_CONFIG_HOME"] = root + "/config"
            return try TestSupport.run(TestSupport.hostExecutable, arguments, environment: base.merging(environment) { $1 },
                                       currentDirectory: root)
        }

        /// Builds variant `version` (row 1 labelled `label`) at `name` in the sandbox.
        func build(version: String, label: String, name: String) throws -> String {
            try sandbox.compile([PluginIndexTests.variant], defines: ["VARIANT_VERSION=\"\(version)\"", "VARIANT_LABEL_ONE=\"\(label)\""], name: name)
        }

        /// Publishes variant `version` into the index folder.
        @discardableResult
        func publish(version: String, label: String) throws -> String {
            let library = try build(version: version, label: label, name: "libvariant-\(version).so")
            let result = try etlHost(["plugins", "publish", "--to", indexFolder, library])
            guard result.status == 0 else { throw TestFailure("publish failed: \(result.stderr)") }
            return library
        }

        func registry() throws -> RegistryDocument {
            try JSONDecoder().decode(RegistryDocument.self, from: Data(contentsOf: URL(fileURLWithPath: sandbox.userRegistry)))
        }

        func index() throws -> PluginIndexDocument {
            try PluginIndexDocument.decode(Data(contentsOf: URL(fileURLWithPath: indexFolder + "/index.json")), origin: "test")
        }

        /// The `label` column of the variant's table after a sync into `database`.
        func syncedLabels(_ database: String) throws -> [String?] {
            let sync = try etlHost(["sync", "variant", "sqlite", "-d", "path=\(database)", "--quiet"])
            guard sync.status == 0 else { throw TestFailure("sync failed (\(sync.status)): \(sync.stderr)") }
            return try SQLiteInspector(path: root + "/" + database).rows("SELECT label FROM numbers ORDER BY id").map { $0[0] }
        }
    }

    static func sha256(_ path: String) throws -> String {
        try LibraryFile.sha256(ofLibraryAt: path)
    }

    @Test func publishWritesAnIndexWithRelativeURLsAndTheLibraries() throws {
        let project = try Project("index-publish")
        let library = try project.build(version: "1.0.0", label: "one", name: "libvariant.so")
        let result = try project.etlHost(["plugins", "publish", "--to", "index", library])
        #expect(result.status == 0, "\(result.stderr)")
        let file = "variant-extractor-1.0.0-\(HostPlatform.current).so"
        #expect(result.stdout == "Published variant 1.0.0 (extractor, \(HostPlatform.current)) -> \(file)\nIndex: \(project.indexFolder)/index.json\n")
        let index = try project.index()
        #expect(index.plugins.count == 1)
        #expect(index.plugins.first?.name == "variant")
        #expect(index.plugins.first?.kind == .extractor)
        #expect(index.plugins.first?.description == "Test fixture: three rows of numbers.")
        #expect(index.plugins.first?.versions == [PluginIndexDocument.Build(
            version: "1.0.0", abi: HostABI.string(HostABI.current), language: "c", toolchain: nil,
            platform: HostPlatform.current, url: file, sha256: try Self.sha256(library))])
        #expect(try Self.sha256(project.indexFolder + "/" + file) == (try Self.sha256(library)))
    }

    @Test func installByNameFromAnHTTPIndexPinsProbesAndSyncs() throws {
        let project = try Project("index-install")
        let library = try project.publish(version: "1.0.0", label: "one")
        let server = try IndexServer(folder: project.indexFolder)
        let indexURL = server.url + "/index.json"

        let install = try project.etlHost(["plugins", "install", "variant", "--index", indexURL])
        #expect(install.status == 0, "\(install.stderr)")
        let entry = try #require(try project.registry().plugins.first)
        #expect(install.stdout.hasPrefix("Installed variant 1.0.0 (extractor, c, ABI \(entry.abi)) from the index \(indexURL)\n"))
        #expect(entry.sha256 == (try Self.sha256(library)))
        #expect(entry.index == indexURL)
        #expect(entry.source == server.url + "/variant-extractor-1.0.0-\(HostPlatform.current).so")
        #expect(!entry.link)

        // Probed at install: listed as probed, and no probe is needed before the first load.
        let list = try project.etlHost(["plugins", "list"])
        #expect(list.stdout.split(separator: "\n").contains { $0.hasPrefix("variant ") && $0.contains("ok (probed ") && $0.hasSuffix("user") })
        #expect(try project.syncedLabels("w.db") == ["one", "two", "three"])
    }

    @Test func aTamperedDownloadIsRefusedAndTheRegistryIsUnchanged() throws {
        let project = try Project("index-tampered")
        let published = try project.publish(version: "1.0.0", label: "one")
        let other = try project.build(version: "1.0.0", label: "evil", name: "libother.so")
        // Something else installed first: the registry file exists and must not change.
        let first = try project.etlHost(["plugins", "install", other, "--name", "other"])
        #expect(first.status == 0, "\(first.stderr)")
        let before = try Data(contentsOf: URL(fileURLWithPath: project.sandbox.userRegistry))
        let pluginsBefore = try FileManager.default.contentsOfDirectory(atPath: project.root + "/data/etl-host/plugins").sorted()

        let file = "variant-extractor-1.0.0-\(HostPlatform.current).so"
        try FileManager.default.removeItem(atPath: project.indexFolder + "/" + file)
        try FileManager.default.copyItem(atPath: other, toPath: project.indexFolder + "/" + file)
        let server = try IndexServer(folder: project.indexFolder)
        let install = try project.etlHost(["plugins", "install", "variant", "--index", server.url + "/index.json"])
        #expect(install.status == 2)
        #expect(install.stdout == "")
        #expect(install.stderr == "etl-host: error: plugin 'variant' 1.0.0: the download \(server.url)/\(file) has sha256 \(try Self.sha256(other)), but the plugin index \(server.url)/index.json pins \(try Self.sha256(published)); refused, nothing was installed\n")
        #expect(try Data(contentsOf: URL(fileURLWithPath: project.sandbox.userRegistry)) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: project.root + "/data/etl-host/plugins").sorted() == pluginsBefore)
    }

    @Test func upgradeMovesToTheNewVersionAndOutdatedListsItBeforeNotAfter() throws {
        let project = try Project("index-upgrade")
        try project.publish(version: "1.0.0", label: "one")
        let server = try IndexServer(folder: project.indexFolder)
        let indexURL = server.url + "/index.json"
        #expect(try project.etlHost(["plugins", "install", "variant", "--index", indexURL]).status == 0)
        let upToDate = try project.etlHost(["plugins", "outdated", "--index", indexURL])
        #expect(upToDate.status == 0, "\(upToDate.stderr)")
        #expect(upToDate.stdout == "All 1 plugin installed from an index into \(project.sandbox.userRegistry) are up to date.\n")

        let newer = try project.publish(version: "1.10.0", label: "uno")
        let outdated = try project.etlHost(["plugins", "outdated", "--index", indexURL])
        #expect(outdated.status == 0, "\(outdated.stderr)")
        #expect(outdated.stdout == """
            NAME     KIND       INSTALLED  NEWEST  INDEX
            variant  extractor  1.0.0      1.10.0  \(indexURL)

            """)

        let upgrade = try project.etlHost(["plugins", "upgrade", "--index", indexURL])
        #expect(upgrade.status == 0, "\(upgrade.stderr)")
        #expect(upgrade.stdout == "variant 1.0.0 -> 1.10.0\n")
        #expect(try project.registry().plugins.map(\.version) == ["1.10.0"])
        #expect(try project.registry().plugins.first?.sha256 == (try Self.sha256(newer)))
        #expect(try project.syncedLabels("w.db") == ["uno", "two", "three"])

        let after = try project.etlHost(["plugins", "outdated", "--index", indexURL])
        #expect(after.stdout == "All 1 plugin installed from an index into \(project.sandbox.userRegistry) are up to date.\n")
        let again = try project.etlHost(["plugins", "upgrade", "variant", "--index", indexURL])
        #expect(again.stdout == "variant 1.10.0 is up to date\n")
        let empty = project.root + "/empty.json"
        try PluginIndexDocument().encoded().write(to: URL(fileURLWithPath: empty))
        let unlisted = try project.etlHost(["plugins", "upgrade", "--index", empty])
        #expect(unlisted.stdout == "variant 1.10.0 is in none of the indexes read (\(empty)); left as it is\n")
        let unknown = try project.etlHost(["plugins", "upgrade", "crm", "--index", indexURL])
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "etl-host: error: no plugin named 'crm' was installed from a plugin index into \(project.sandbox.userRegistry); `etl-host plugins install crm` installs it\n")

        // A version can still be chosen: back to 1.0.0.
        let pinned = try project.etlHost(["plugins", "install", "variant@1.0.0", "--index", indexURL])
        #expect(pinned.status == 0, "\(pinned.stderr)")
        #expect(pinned.stdout.hasPrefix("Replaced variant 1.0.0 (extractor, c, ABI "))
        #expect(pinned.stdout.contains(" (was 1.10.0) from the index \(indexURL)\n"))
        #expect(try project.syncedLabels("w2.db") == ["one", "two", "three"])
    }

    @Test func aFileURLIndexFromTheProjectConfigurationWorksAndSearchFindsItsPlugins() throws {
        let project = try Project("index-file")
        let library = try project.publish(version: "1.0.0", label: "one")
        // The project's etl-index.json names the index by a path relative to itself.
        try Data(#"{"indexes": ["index/index.json"]}"#.utf8).write(to: URL(fileURLWithPath: project.root + "/etl-index.json"))

        let search = try project.etlHost(["plugins", "search", "NUMBERS"])
        #expect(search.status == 0, "\(search.stderr)")
        #expect(search.stdout == """
            NAME     KIND       NEWEST  DESCRIPTION
            variant  extractor  1.0.0   Test fixture: three rows of numbers.

            """)
        let json = try project.etlHost(["plugins", "search", "variant", "--json"])
        struct Row: Decodable, Equatable { var name, kind, description, index: String; var newest: String?; var versions: [String] }
        #expect(try JSONDecoder().decode([Row].self, from: Data(json.stdout.utf8)) == [Row(
            name: "variant", kind: "extractor", description: "Test fixture: three rows of numbers.",
            index: project.indexFolder + "/index.json", newest: "1.0.0", versions: ["1.0.0"])])
        let none = try project.etlHost(["plugins", "search", "airtable"])
        #expect(none.stdout == "No plugin matches 'airtable' in \(project.indexFolder)/index.json.\n")

        // ETL_PLUGIN_INDEX (a file:// URL) is read before the project's file.
        let install = try project.etlHost(["plugins", "install", "variant"], environment: ["ETL_PLUGIN_INDEX": project.indexFileURL])
        #expect(install.status == 0, "\(install.stderr)")
        #expect(install.stdout.hasPrefix("Installed variant 1.0.0 (extractor, c, ABI "))
        #expect(try project.registry().plugins.first?.index == project.indexFileURL)
        #expect(try project.registry().plugins.first?.sha256 == (try Self.sha256(library)))
        #expect(try project.syncedLabels("w.db") == ["one", "two", "three"])
    }

    @Test func aBuildForAnotherABIOrPlatformIsRefusedByName() throws {
        let project = try Project("index-misfit")
        let library = try project.build(version: "1.0.0", label: "one", name: "libvariant.so")
        try FileManager.default.createDirectory(atPath: project.indexFolder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: library, toPath: project.indexFolder + "/variant.so")
        let sha = try Self.sha256(library)
        let index = PluginIndexDocument(plugins: [PluginIndexDocument.Plugin(name: "variant", kind: .extractor, description: "test", versions: [
            .init(version: "2.0.0", abi: "2.0", language: "c", toolchain: nil, platform: HostPlatform.current, url: "variant.so", sha256: sha),
            .init(version: "1.0.0", abi: "1.3", language: "c", toolchain: nil, platform: "plan9-mips", url: "variant.so", sha256: sha),
        ])])
        try index.encoded().write(to: URL(fileURLWithPath: project.indexFolder + "/index.json"))
        let install = try project.etlHost(["plugins", "install", "variant", "--index", project.indexFileURL])
        #expect(install.status == 2)
        #expect(install.stderr == "etl-host: error: plugin 'variant' in the plugin index \(project.indexFileURL) has no build this etl-host can load (2.0.0 for \(HostPlatform.current): built for ABI 2.0; this etl-host speaks ABI \(HostABI.string(HostABI.current)); 1.0.0 for plan9-mips: built for plan9-mips; this etl-host runs on \(HostPlatform.current)); refused, nothing was installed\n")
        #expect(!FileManager.default.fileExists(atPath: project.sandbox.userRegistry))

        let missing = try project.etlHost(["plugins", "install", "variant@3.0.0", "--index", project.indexFileURL])
        #expect(missing.status == 1)
        #expect(missing.stderr == "etl-host: error: plugin 'variant' has no version 3.0.0 in the plugin index \(project.indexFileURL); it lists 1.0.0, 2.0.0\n")
    }

    @Test func aNetworkIndexCannotPointAtALocalFile() throws {
        let project = try Project("index-local-url")
        let library = try project.build(version: "1.0.0", label: "one", name: "libvariant.so")
        try FileManager.default.createDirectory(atPath: project.indexFolder, withIntermediateDirectories: true)
        let index = PluginIndexDocument(plugins: [PluginIndexDocument.Plugin(name: "variant", kind: .extractor, description: "test", versions: [
            .init(version: "1.0.0", abi: HostABI.string(HostABI.current), language: "c", toolchain: nil, platform: HostPlatform.current,
                  url: "file://" + library, sha256: try Self.sha256(library)),
        ])])
        try index.encoded().write(to: URL(fileURLWithPath: project.indexFolder + "/index.json"))
        let server = try IndexServer(folder: project.indexFolder)
        let install = try project.etlHost(["plugins", "install", "variant", "--index", server.url + "/index.json"])
        #expect(install.status == 64)
        #expect(install.stderr == "etl-host: error: plugin 'variant' 1.0.0: the plugin index \(server.url)/index.json is on the network but points at the local file file://\(library); refused, nothing was installed\n")
        #expect(!FileManager.default.fileExists(atPath: project.sandbox.userRegistry))
    }

    @Test func withoutAnIndexTheCommandSaysHowToConfigureOne() throws {
        let project = try Project("index-none")
        let search = try project.etlHost(["plugins", "search", "csv"])
        #expect(search.status == 64)
        #expect(search.stderr == "etl-host: error: no plugin index is configured: pass --index URL, set ETL_PLUGIN_INDEX, or list indexes as {\"indexes\": [\"URL\"]} in ./etl-index.json or \(project.root)/config/etl-host/etl-index.json (docs/PLUGIN_INDEX.md)\n")
        let unreachable = try project.etlHost(["plugins", "install", "variant", "--index", "http://127.0.0.1:9/index.json"])
        #expect(unreachable.status == 1)
        #expect(unreachable.stderr.hasPrefix("etl-host: error: plugin index http://127.0.0.1:9/index.json: cannot download 'http://127.0.0.1:9/index.json': "))
    }
}

import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// The developer loop: `plugins install --link` uses a library where it is
/// and picks up a rebuild at once; a pinned copy whose source was rebuilt
/// gets a hint in `plugins list`. Through the built binary.
@Suite struct PluginsLinkTests {
    static let variant = "Tests/Fixtures/CPlugins/variant.c"

    func build(_ sandbox: HostSandbox, version: String, label: String) throws -> String {
        try sandbox.compile([Self.variant], defines: ["VARIANT_VERSION=\"\(version)\"", "VARIANT_LABEL_ONE=\"\(label)\""], name: "libvariant.so")
    }

    func labels(_ sandbox: HostSandbox, _ database: String) throws -> [String?] {
        let sync = try sandbox.etlHost("sync", "variant", "sqlite", "-d", "path=\(database)", "--quiet")
        guard sync.status == 0 else { throw TestFailure("sync failed (\(sync.status)): \(sync.stderr)") }
        return try SQLiteInspector(path: sandbox.root + "/" + database).rows("SELECT label FROM numbers ORDER BY id").map { $0[0] }
    }

    /// The STATUS cell of `variant` in `plugins list`.
    func status(_ sandbox: HostSandbox) throws -> String? {
        let lines = try sandbox.etlHost("plugins", "list").stdout.split(separator: "\n").map(String.init)
        guard let header = lines.first, let start = header.range(of: "STATUS"), let end = header.range(of: "FROM"),
              let line = lines.first(where: { $0.hasPrefix("variant ") })
        else { return nil }
        let from = header.distance(from: header.startIndex, to: start.lowerBound)
        let to = header.distance(from: header.startIndex, to: end.lowerBound)
        return String(Array(line)[from ..< to]).trimmingCharacters(in: .whitespaces)
    }

    @Test func aLinkedLibraryIsUsedInPlaceAndARebuildIsPickedUpAtOnce() throws {
        let sandbox = try HostSandbox("link")
        let library = try build(sandbox, version: "1.0.0", label: "one")
        let link = try sandbox.etlHost("plugins", "install", "--link", "./libvariant.so")
        #expect(link.status == 0, "\(link.stderr)")
        #expect(link.stdout == """
            Installed variant 1.0.0 (extractor, c, ABI \(HostABI.string(HostABI.current)))
              registry: \(sandbox.userRegistry)
              library:  \(library) (linked in place: every load hashes it again)
              sha256:   not pinned (dev)

            """)
        let entry = try #require(try JSONDecoder().decode(RegistryDocument.self, from: Data(contentsOf: URL(fileURLWithPath: sandbox.userRegistry))).plugins.first)
        #expect(entry.link)
        #expect(entry.sha256 == nil)
        #expect(entry.library == library)
        #expect(!FileManager.default.fileExists(atPath: sandbox.root + "/data/etl-host/plugins"))
        #expect(try status(sandbox) == "dev")
        #expect(try labels(sandbox, "w1.db") == ["one", "two", "three"])

        // Rebuilt in place: not probed yet, then probed and loaded by the next sync.
        _ = try build(sandbox, version: "1.1.0", label: "uno")
        #expect(try status(sandbox) == "dev (not probed yet)")
        #expect(try labels(sandbox, "w2.db") == ["uno", "two", "three"])
        #expect(try status(sandbox) == "dev")
        let info = try sandbox.etlHost("plugins", "info", "variant")
        #expect(info.stdout.hasPrefix("variant 1.1.0: "))

        // Removing the link leaves the library where it is.
        let remove = try sandbox.etlHost("plugins", "remove", "variant")
        #expect(remove.status == 0, "\(remove.stderr)")
        #expect(FileManager.default.fileExists(atPath: library))
    }

    @Test func aRebuildThatCrashesInInitIsRefusedNotLoaded() throws {
        let sandbox = try HostSandbox("link-crash")
        _ = try build(sandbox, version: "1.0.0", label: "one")
        #expect(try sandbox.etlHost("plugins", "install", "--link", "./libvariant.so").status == 0)
        _ = try sandbox.compile([Self.variant], defines: ["VARIANT_CRASH_IN_INIT"], name: "libvariant.so")
        let sync = try sandbox.etlHost("sync", "variant", "sqlite", "-d", "path=w.db", "--quiet")
        #expect(sync.status == 2)
        #expect(!sync.signaled)
        #expect(sync.stderr.contains("crashed while initializing in a probe child process (signal 11, SIGSEGV"))
        #expect(try status(sandbox) == "probe failed: SIGSEGV")
    }

    @Test func linkTakesAFileNotAName() throws {
        let sandbox = try HostSandbox("link-name")
        let result = try sandbox.etlHost("plugins", "install", "--link", "variant")
        #expect(result.status == 64)
        #expect(result.stderr == "etl-host: error: --link takes the path of a library file (./variant for one in this folder), not a plugin name\n")
    }

    @Test func aPinnedCopyWhoseSourceWasRebuiltGetsAHint() throws {
        let sandbox = try HostSandbox("link-hint")
        let library = try build(sandbox, version: "1.0.0", label: "one")
        let install = try sandbox.etlHost("plugins", "install", "./libvariant.so")
        #expect(install.status == 0, "\(install.stderr)")
        let entry = try #require(try JSONDecoder().decode(RegistryDocument.self, from: Data(contentsOf: URL(fileURLWithPath: sandbox.userRegistry))).plugins.first)
        #expect(entry.source == library)
        let copy = sandbox.root + "/data/etl-host/" + entry.library
        #expect(!(try sandbox.etlHost("plugins", "list").stdout.contains("hint:")))

        _ = try build(sandbox, version: "1.1.0", label: "uno")
        let list = try sandbox.etlHost("plugins", "list")
        #expect(list.stdout.hasSuffix("""

            hint: 'variant' was installed from \(library), which changed since (the registry still loads its pinned copy \(copy)); run `etl-host plugins install \(library) --name variant` to pin the new build, or `etl-host plugins install --link \(library) --name variant` to use every rebuild in place

            """))
        // The pinned copy is still what runs.
        #expect(try labels(sandbox, "w.db") == ["one", "two", "three"])
        let json = try sandbox.etlHost("plugins", "list", "--json")
        #expect(json.stdout.contains("\"changed_source\" : \"\(library)\""))
    }
}

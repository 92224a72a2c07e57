import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// `etl-host plugins ...`, driven through the built binary.
@Suite struct PluginsCommandTests {
    static let variant = "Tests/Fixtures/CPlugins/variant.c"
    static let dirlist = "Plugins/Examples/C/dirlist/dirlist.c"

    private func registry(_ path: String) throws -> RegistryDocument {
        try JSONDecoder().decode(RegistryDocument.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test func versionNamesTheABIAndToolchain() throws {
        let sandbox = try HostSandbox("version")
        let result = try sandbox.etlHost("--version")
        #expect(result.status == 0)
        // The first line; the search path after it is InstallTests' subject.
        #expect(result.stdout.split(separator: "\n").first == "etl-host 0.1.0 (plugin ABI 1.4, swift-6.3.1)")
    }

    @Test func bundledPluginsAreListedAndLoad() throws {
        let sandbox = try HostSandbox("bundled")
        let result = try sandbox.etlHost("plugins", "list")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == InstallTests.bundledList)   // the same list an installed binary shows

        let info = try sandbox.etlHost("plugins", "info", "csv")
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.stdout.hasPrefix("csv 0.1.0: "))
        #expect(info.stdout.contains("  language:      swift (swift-6.3.1)\n"))
        #expect(info.stdout.contains("\"path\""))
    }

    @Test func installListInfoAndRemoveACPlugin() throws {
        let sandbox = try HostSandbox("install")
        let library = try sandbox.compile([Self.dirlist], name: "libetl_dirlist.so")
        let digest = try SHA256.hexDigest(ofFileAt: library)

        let install = try sandbox.etlHost("plugins", "install", library)
        #expect(install.status == 0, "\(install.stderr)")
        let installedPath = sandbox.root + "/data/etl-host/plugins/dirlist-\(digest.prefix(16)).so"
        #expect(install.stdout == """
            Installed dirlist 1.0.0 (extractor, c, ABI 1.4)
              registry: \(sandbox.userRegistry)
              library:  \(installedPath)
              sha256:   \(digest)

            """)
        let entries = try registry(sandbox.userRegistry).plugins
        #expect(entries.map(\.name) == ["dirlist"])
        #expect(entries.first?.sha256 == digest)
        #expect(entries.first?.library == "plugins/dirlist-\(digest.prefix(16)).so")
        #expect(entries.first?.language == "c")
        #expect(entries.first?.toolchain == nil)
        #expect(sandbox.contents(installedPath) == sandbox.contents(library))

        let list = try sandbox.etlHost("plugins", "list", "--json")
        #expect(list.status == 0)
        let rows = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]] ?? []
        let row = rows.first { $0["name"] as? String == "dirlist" }
        #expect(row?["status"] as? String == "ok")
        #expect(row?["scope"] as? String == "user")
        #expect(row?["sha256"] as? String == digest)

        let info = try sandbox.etlHost("plugins", "info", "dirlist", "--json")
        #expect(info.status == 0, "\(info.stderr)")
        let descriptor = try JSONDecoder().decode(PluginDescriptor.self, from: Data(info.stdout.utf8))
        #expect(descriptor.name == "dirlist")
        #expect(descriptor.kind == .extractor)
        #expect(descriptor.negotiatedABI == "1.4")
        #expect(descriptor.configSchema.contains("\"path\""))

        let remove = try sandbox.etlHost("plugins", "remove", "dirlist")
        #expect(remove.status == 0)
        #expect(remove.stdout == "Removed dirlist 1.0.0 from \(sandbox.userRegistry)\n")
        #expect(try registry(sandbox.userRegistry).plugins.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: installedPath))

        let again = try sandbox.etlHost("plugins", "remove", "dirlist")
        #expect(again.status == 1)
        #expect(again.stderr == "etl-host: error: no plugin named 'dirlist' in \(sandbox.userRegistry)\n")
    }

    @Test func refusedInstallsLeaveTheRegistryByteForByteUnchanged() throws {
        let sandbox = try HostSandbox("refuse")
        let good = try sandbox.compile([Self.variant], name: "libgood.so")
        #expect(try sandbox.etlHost("plugins", "install", good).status == 0)
        let before = try #require(sandbox.contents(sandbox.userRegistry))
        let pluginsFolder = sandbox.root + "/data/etl-host/plugins"
        let pluginsBefore = try FileManager.default.contentsOfDirectory(atPath: pluginsFolder)

        let text = sandbox.root + "/notes.so"
        _ = FileManager.default.createFile(atPath: text, contents: Data("just some text\n".utf8))
        let noEntry = try sandbox.compile(["Tests/Fixtures/CPlugins/no_entry.c"], name: "libnoentry.so")
        let crash = try sandbox.compile([Self.variant], defines: ["VARIANT_CRASH_IN_INIT"], name: "libcrash.so")
        let fails = try sandbox.compile([Self.variant], defines: ["VARIANT_INIT_FAILS"], name: "libfails.so")
        let major2 = try sandbox.compile([Self.variant], defines: ["VARIANT_ABI_MAJOR=2"], name: "libmajor2.so")
        let wrongKind = try sandbox.compile([Self.variant], defines: ["VARIANT_KIND=ETL_KIND_WAREHOUSE"], name: "libwrongkind.so")

        let cases: [(path: String, message: String)] = [
            (sandbox.root + "/absent.so", "etl-host: error: cannot install '\(sandbox.root)/absent.so': no such file\n"),
            (text, "etl-host: error: cannot load plugin '\(text)': not a shared library (no ELF header)\n"),
            (noEntry, "etl-host: error: '\(noEntry)' is a shared library but not an etl-host plugin: it exports no entry symbol 'etl_plugin_init' (declare it with ETL_EXPORT in C or @_cdecl(\"etl_plugin_init\") in Swift)\n"),
            (crash, "etl-host: error: plugin '\(crash)' crashed while initializing (signal 11, SIGSEGV, a segmentation fault); refused, nothing was installed\n"),
            (fails, "etl-host: error: plugin '\(fails)' failed to initialize: ETL_ERR_INVALID_ARGUMENT (2): refusing to start: the test asked me to\n"),
            (major2, "etl-host: error: plugin '\(major2)' was built for ABI 2.4; this etl-host speaks ABI 1.4 and needs the same major version: rebuild the plugin against this etl_plugin.h (the plugin says: built for ABI 2.4, host offers 1.4)\n"),
            (wrongKind, "etl-host: error: plugin '\(wrongKind)' has an invalid descriptor: a warehouse must point 'warehouse' at its operations\n"),
        ]
        for (path, message) in cases {
            let result = try sandbox.etlHost("plugins", "install", path)
            #expect(result.status == 2, "\(path)")
            #expect(result.stderr == message)
            #expect(result.stdout == "")
            #expect(sandbox.contents(sandbox.userRegistry) == before, "registry changed after installing \(path)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: pluginsFolder) == pluginsBefore)
        }
    }

    @Test func racingInstallsBothLand() throws {
        for round in 0 ..< 4 {
            let sandbox = try HostSandbox("race\(round)")
            let first = try sandbox.compile([Self.variant], defines: ["VARIANT_NAME=\"first\""], name: "libfirst.so")
            let second = try sandbox.compile([Self.variant], defines: ["VARIANT_NAME=\"second\""], name: "libsecond.so")
            let processes = [first, second].map { library in
                let process = Process()
                process.executableURL = URL(fileURLWithPath: TestSupport.hostExecutable)
                process.arguments = ["plugins", "install", library]
                process.environment = sandbox.environment
                process.standardOutput = FileHandle.nullDevice
                return process
            }
            for process in processes { try process.run() }
            for process in processes { process.waitUntilExit() }
            #expect(processes.map(\.terminationStatus) == [0, 0])
            #expect(try registry(sandbox.userRegistry).plugins.map(\.name).sorted() == ["first", "second"])
        }
    }

    @Test func aLibrarySwappedAfterInstallIsRefusedAtLoadTime() throws {
        let sandbox = try HostSandbox("swap")
        let original = try sandbox.compile([Self.variant], name: "liboriginal.so")
        let impostor = try sandbox.compile([Self.variant], defines: ["VARIANT_ABI_MINOR=5"], name: "libimpostor.so")
        #expect(try sandbox.etlHost("plugins", "install", original, "--name", "pinned").status == 0)
        let entry = try #require(try registry(sandbox.userRegistry).plugins.first)
        #expect(entry.name == "pinned")
        let installed = sandbox.root + "/data/etl-host/" + entry.library
        try FileManager.default.removeItem(atPath: installed)
        try FileManager.default.copyItem(atPath: impostor, toPath: installed)
        let actual = try SHA256.hexDigest(ofFileAt: installed)

        let list = try sandbox.etlHost("plugins", "list")
        let pinnedLine = list.stdout.split(separator: "\n").first { $0.hasPrefix("pinned ") }.map {
            $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        }
        #expect(pinnedLine == ["pinned", "extractor", "1.0.0", "1.4", "c", "checksum-mismatch", "user"], "\(list.stdout)")
        let info = try sandbox.etlHost("plugins", "info", "pinned")
        #expect(info.status == 2)
        #expect(info.stderr == "etl-host: error: plugin 'pinned': refusing to load '\(installed)': its sha256 is \(actual) but the registry \(sandbox.userRegistry) pins \(entry.sha256!); the library changed after it was installed. If you trust the new file, run `etl-host plugins install \(installed) --name pinned`\n")
    }

    @Test func unknownPluginNamesListWhatExists() throws {
        let sandbox = try HostSandbox("unknown")
        let result = try sandbox.etlHost("plugins", "info", "nope")
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("etl-host: error: no plugin named 'nope' in "))
        #expect(result.stderr.contains("; available: airtable, csv, jsonl, postgres, rest, sqlite (install one with `etl-host plugins install PATH`)"))
    }
}

import ETLHost
import ETLTestSupport
import Foundation
import Testing

@Suite struct RegistryFileTests {
    private func entry(_ name: String, library: String = "plugins/x.so") -> RegistryEntry {
        RegistryEntry(
            name: name, kind: .extractor, version: "1.0.0", abi: "1.0", library: library, sha256: nil,
            language: "c", toolchain: nil, capabilities: ["incremental"], description: "test \(name)"
        )
    }

    @Test func missingFileReadsAsEmptyRegistry() throws {
        let folder = try TestSupport.temporaryDirectory("reg")
        let file = RegistryFile(path: folder + "/registry.json")
        #expect(try file.read() == RegistryDocument())
        #expect(!file.exists)
    }

    @Test func aRegistryThatIsAFIFOIsRefusedWithoutWaitingForAWriter() throws {
        let folder = try TestSupport.temporaryDirectory("reg")
        let path = folder + "/registry.json"
        #expect(mkfifo(path, 0o644) == 0)
        #expect(throws: HostError(.registry, "registry '\(path)' is a FIFO (named pipe), not a regular file; refusing to read it")) {
            try RegistryFile(path: path).read()
        }
    }

    @Test func updateWritesPrettyStableJSONAndRoundTrips() throws {
        let folder = try TestSupport.temporaryDirectory("reg")
        let file = RegistryFile(path: folder + "/registry.json")
        try file.update { $0.plugins.append(entry("alpha")) }
        let text = String(decoding: FileManager.default.contents(atPath: file.path)!, as: UTF8.self)
        #expect(text == """
            {
              "plugins" : [
                {
                  "abi" : "1.0",
                  "capabilities" : [
                    "incremental"
                  ],
                  "description" : "test alpha",
                  "entry" : "etl_plugin_init",
                  "kind" : "extractor",
                  "language" : "c",
                  "library" : "plugins/x.so",
                  "name" : "alpha",
                  "sha256" : null,
                  "toolchain" : null,
                  "version" : "1.0.0"
                }
              ],
              "registry_version" : 1
            }

            """)
        #expect(try file.read().plugins == [entry("alpha")])
        // No temporary files are left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["registry.json", "registry.json.lock"])
    }

    @Test func unchangedDocumentIsNotRewritten() throws {
        let folder = try TestSupport.temporaryDirectory("reg")
        let file = RegistryFile(path: folder + "/registry.json")
        try file.update { $0.plugins.append(entry("alpha")) }
        let before = try FileManager.default.attributesOfItem(atPath: file.path)[.systemFileNumber] as? Int
        try file.update { _ in }
        let after = try FileManager.default.attributesOfItem(atPath: file.path)[.systemFileNumber] as? Int
        #expect(before == after)
    }

    @Test func failingUpdateWritesNothing() throws {
        let folder = try TestSupport.temporaryDirectory("reg")
        let file = RegistryFile(path: folder + "/registry.json")
        try file.update { $0.plugins.append(entry("alpha")) }
        let before = FileManager.default.contents(atPath: file.path)
        #expect(throws: HostError(.invalidArgument, "nope")) {
            try file.update { document in
                document.plugins.append(entry("beta"))
                throw HostError(.invalidArgument, "nope")
            }
        }
        #expect(FileManager.default.contents(atPath: file.path) == before)
    }

    @Test func malformedFilesAreErrorsNamingFileAndPlace() throws {
        let folder = try TestSupport.temporaryDirectory("reg")
        let path = folder + "/registry.json"
        let file = RegistryFile(path: path)

        try Data("{\"registry_version\": 1, \"plugins\": [".utf8).write(to: URL(fileURLWithPath: path))
        #expect { try file.read() } throws: { error in
            let message = (error as? HostError)?.message ?? ""
            return message.hasPrefix("registry '\(path)' is not valid JSON")
        }

        try Data(#"{"registry_version": 1, "plugins": [{"name": "x", "kind": "extractor"}]}"#.utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: HostError(.registry, "registry '\(path)': plugins[0] is missing the required key 'version'")) {
            try file.read()
        }

        try Data(#"{"registry_version": 1, "plugins": [{"name": "x", "kind": "loader", "version": "1", "abi": "1.0", "library": "a.so"}]}"#.utf8).write(to: URL(fileURLWithPath: path))
        #expect { try file.read() } throws: { error in
            ((error as? HostError)?.message ?? "").hasPrefix("registry '\(path)': plugins[0].kind: ")
        }

        try Data(#"{"registry_version": 7, "plugins": []}"#.utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: HostError(.registry, "registry '\(path)' has registry_version 7; this etl-host reads version 1")) {
            try file.read()
        }

        let twice = try JSONEncoder().encode(RegistryDocument(plugins: [entry("dup"), entry("dup")]))
        try twice.write(to: URL(fileURLWithPath: path))
        #expect(throws: HostError(.registry, "registry '\(path)' lists the extractor 'dup' twice")) { try file.read() }
    }

    @Test func libraryPathsResolveAgainstRegistryOrHostFolder() {
        let file = RegistryFile(path: "/srv/etl/registry.json", hostDirectory: "/opt/etl/bin")
        #expect(file.resolveLibraryPath("/abs/libx.so") == "/abs/libx.so")
        #expect(file.resolveLibraryPath("@host/libetl_csv.so") == "/opt/etl/bin/libetl_csv.so")
        #expect(file.resolveLibraryPath("plugins/a.so") == "/srv/etl/plugins/a.so")
        #expect(file.resolveLibraryPath("../lib/b.so") == "/srv/lib/b.so")
        #expect(file.recordedLibraryPath("/srv/etl/plugins/a.so") == "plugins/a.so")
        #expect(file.recordedLibraryPath("/elsewhere/a.so") == "/elsewhere/a.so")
        #expect(file.pluginsDirectory == "/srv/etl/plugins")
    }
}

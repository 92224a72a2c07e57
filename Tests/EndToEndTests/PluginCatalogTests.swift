import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

/// The real catalog of each bundled and example extractor, from its loaded
/// library, read the way `sync` reads it (``CatalogReading``, the SDK's one
/// catalog model): exactly the streams, keys and hints the plugin means,
/// nothing forgiven. For the Swift plugins the strict decoding of the same
/// text (what the SDK encoded) gives the same catalog.
@Suite struct PluginCatalogTests {
    /// discover() of `library` opened with `config`.
    private func discover(_ library: String, config: [String: JSONValue]) throws -> String {
        let plugin = try PluginLoader().load(libraryAt: library)
        let instance = try PluginInstance(plugin: plugin, configJSON: JSONValue.object(config).jsonText)
        defer { instance.close() }
        return try instance.discover()
    }

    /// The host's reading of `text`, which must forgive nothing.
    private func read(_ text: String, plugin: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Catalog {
        let reading = try CatalogReading(discovered: text, plugin: plugin)
        #expect(reading.warnings == [], sourceLocation: sourceLocation)
        return reading.catalog
    }

    /// `catalog` without the entries a reading keeps, to compare with one made in code.
    private func withoutEntries(_ catalog: Catalog) -> Catalog {
        Catalog(streams: catalog.streams.map { stream in
            var stream = stream
            stream.entry = nil
            return stream
        })
    }

    private func fields(_ pairs: [(String, FieldTypeHint?)]) -> [CatalogField] {
        pairs.map { CatalogField(name: $0.0, type: $0.1) }
    }

    @Test func csvListsOneStreamPerFileWithItsHeaderAndNoHints() throws {
        let folder = try TestSupport.temporaryDirectory("catalog-csv")
        try Data("id,First Name,when\n1,Ada,2024-01-01\n".utf8).write(to: URL(fileURLWithPath: folder + "/people.csv"))
        try Data("".utf8).write(to: URL(fileURLWithPath: folder + "/empty.csv"))
        let text = try discover(TestSupport.productsDirectory + "/libetl_csv.so", config: ["path": .string(folder + "/*.csv")])
        let catalog = try read(text, plugin: "csv")
        #expect(withoutEntries(catalog) == Catalog(streams: [
            CatalogStream(name: "empty", fields: []),
            CatalogStream(name: "people", fields: fields([("id", nil), ("First Name", nil), ("when", nil)])),
        ]))
        #expect(catalog.streams.map(\.hints) == [[:], [:]])
        #expect(try Catalog(jsonText: text) == withoutEntries(catalog))
    }

    @Test func jsonlListsOneStreamPerFileWithoutFields() throws {
        let folder = try TestSupport.temporaryDirectory("catalog-jsonl")
        try Data(#"{"a": 1}"#.utf8).write(to: URL(fileURLWithPath: folder + "/events.jsonl"))
        let text = try discover(TestSupport.productsDirectory + "/libetl_jsonl.so", config: ["path": .string(folder + "/*.jsonl")])
        let catalog = try read(text, plugin: "jsonl")
        #expect(withoutEntries(catalog) == Catalog(streams: [CatalogStream(name: "events")]))
        #expect(catalog.streams[0].entryJSON == #"{"name":"events"}"#)
        #expect(try Catalog(jsonText: text) == withoutEntries(catalog))
    }

    @Test func procstatsHintsEveryColumn() throws {
        let text = try discover(TestSupport.productsDirectory + "/libetl_example_procstats.so", config: [:])
        let catalog = try read(text, plugin: "procstats")
        #expect(catalog.streams.map(\.name) == ["loadavg", "meminfo", "processes"])
        #expect(catalog.streams.map(\.primaryKey) == [nil, ["name"], ["pid"]])
        #expect(catalog.streams[1].fields == fields([("name", .string), ("value", .integer), ("unit", .string), ("read_at", .timestamp)]))
        #expect(catalog.streams[1].hints == ["name": .text, "value": .integer, "unit": .text, "read_at": .timestamp])
        #expect(catalog.streams[0].hints["load_1m"] == .number)
        #expect(catalog.streams[2].fields?.count == 11)
        #expect(try Catalog(jsonText: text) == withoutEntries(catalog))
    }

    @Test func dirlistInCHintsItsOneStream() throws {
        let output = try TestSupport.temporaryDirectory("catalog-dirlist")
        let library = try PluginBuild.make(TestSupport.repositoryRoot + "/Plugins/Examples/C/dirlist", output: output,
                                           library: "libetl_dirlist.so")
        let catalog = try read(try discover(library, config: ["path": .string(output)]), plugin: "dirlist")
        #expect(withoutEntries(catalog) == Catalog(streams: [
            CatalogStream(name: "files", primaryKey: ["name"], fields: fields([
                ("name", .string), ("size", .integer), ("is_dir", .boolean), ("modified_at", .timestamp),
                ("size_kib", .number), ("link_target", .string),
            ])),
        ]))
        #expect(catalog.streams[0].hints["modified_at"] == .timestamp)
    }

    @Test func passwdInRustHintsUsersAndGroups() throws {
        let rustc = try #require(PluginBuild.rustc, "rustc is needed to build Plugins/Examples/Rust/passwd")
        let output = try TestSupport.temporaryDirectory("catalog-passwd")
        let library = try PluginBuild.make(TestSupport.repositoryRoot + "/Plugins/Examples/Rust/passwd", output: output,
                                           library: "libetl_passwd.so", variables: ["RUSTC=\(rustc)"])
        try Data("root:x:0:0:root:/root:/bin/bash\n".utf8).write(to: URL(fileURLWithPath: output + "/passwd"))
        try Data("root:x:0:\n".utf8).write(to: URL(fileURLWithPath: output + "/group"))
        let text = try discover(library, config: ["passwd_file": .string(output + "/passwd"), "group_file": .string(output + "/group")])
        let catalog = try read(text, plugin: "passwd")
        #expect(withoutEntries(catalog) == Catalog(streams: [
            CatalogStream(name: "users", primaryKey: ["name"], fields: fields([
                ("name", .string), ("uid", .integer), ("gid", .integer), ("full_name", .string), ("gecos", .string),
                ("home", .string), ("shell", .string),
            ])),
            CatalogStream(name: "groups", primaryKey: ["name"], fields: fields([("name", .string), ("gid", .integer), ("members", .json)])),
        ]))
        #expect(catalog.streams[1].hints["members"] == .json)
    }

    /// A catalog with a nameless field and an alias still syncs; the
    /// nameless field is a warning naming the plugin and the stream, on
    /// standard error and in the run's log.
    @Test func aForgivenCatalogSyncsWithAWarningNamingTheStream() throws {
        let sandbox = try HostSandbox("catalog-warning")
        let library = try sandbox.compile(["Tests/Fixtures/CPlugins/variant.c"],
                                          defines: [#"VARIANT_CATALOG_EXTRA=", {\"type\": \"string\"}, {\"name\": \"label\", \"type\": \"text\"}""#],
                                          name: "libvariant.so")
        try sandbox.install(library)
        let state = sandbox.root + "/state"
        let sync = try sandbox.etlHost("sync", "variant", "sqlite", "-d", "path=w.db", "--quiet", environment: ["ETL_STATE_DIR": state])
        let warning = "plugin 'variant': catalog stream 'numbers': field 5 has no name; it is skipped"
        #expect(sync.status == 0, "\(sync.stderr)")
        #expect(sync.stderr == "etl-host: warn: \(warning)\n")
        let db = try SQLiteInspector(path: sandbox.root + "/w.db")
        #expect(try db.rows("SELECT id, label, ok, score FROM numbers ORDER BY id") == [
            ["1", "one", "1", "0.5"], ["2", "two", "0", "1.5"], ["3", "three", "1", nil],
        ])
        let runs = try FileManager.default.contentsOfDirectory(atPath: state + "/runs")
        #expect(runs.count == 1)
        let log = try String(contentsOfFile: state + "/runs/\(runs[0])/log.jsonl", encoding: .utf8)
        let line = try #require(log.split(separator: "\n").first { $0.contains("field 5 has no name") })
        let object = try JSONValue(jsonText: String(line))
        #expect(object["level"] == .string("warn"))
        #expect(object["stream"] == .string("numbers"))
        #expect(object["message"] == .string(warning))
    }
}

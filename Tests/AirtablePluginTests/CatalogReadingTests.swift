import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

/// The Airtable plugin's real catalog read the way `sync` reads it
/// (``CatalogReading``): the SDK's encoding comes back unchanged, every
/// hint a column type, nothing forgiven.
@Suite("airtable: the catalog as the host reads it")
struct AirtableCatalogReadingTests {
    /// `catalog` without the entries a reading keeps.
    private func withoutEntries(_ catalog: Catalog) -> Catalog {
        Catalog(streams: catalog.streams.map { stream in
            var stream = stream
            stream.entry = nil
            return stream
        })
    }

    @Test("typed: a hint per field, each the column type inference would give way to")
    func typed() throws {
        let server = try AirtableServer.start(TypeMappingTests.fixture())
        let (instance, _) = try AirtablePlugin.open(server, base: TypeMappingTests.base, ["requests_per_second": .integer(50)])
        let text = try instance.discover()
        let reading = try CatalogReading(discovered: text, plugin: "airtable")
        #expect(reading.warnings == [])
        #expect(withoutEntries(reading.catalog) == (try Catalog(jsonText: text)))
        let stream = try #require(reading.catalog.streams.first)
        let hints = stream.hints
        #expect(hints.count == TypeMappingTests.fields.count + 2)
        #expect(hints["id"] == .text && hints["createdTime"] == .timestamp)
        for (name, _, _, hint, _, _) in TypeMappingTests.fields {
            #expect(hints[name] == ColumnType(hint: try #require(FieldTypeHint(named: hint))), "\(name)")
        }
    }

    @Test("without the schema scope: streams with a key and no fields")
    func untyped() throws {
        let server = try FallbackTests.server()
        let (instance, _) = try AirtablePlugin.open(server, base: FallbackTests.base, [
            "token": .string(FallbackTests.token), "tables": .array([.string("People"), .string("Odd / name ✓")]),
        ])
        let reading = try CatalogReading(discovered: try instance.discover(), plugin: "airtable")
        #expect(reading.warnings == [])
        #expect(withoutEntries(reading.catalog) == Catalog(streams: [
            CatalogStream(name: "People", primaryKey: ["id"]), CatalogStream(name: "Odd / name ✓", primaryKey: ["id"]),
        ]))
        #expect(reading.catalog.streams[1].entryJSON == #"{"name":"Odd / name ✓","primary_key":["id"]}"#)
    }
}

import ETLPluginKit
import Testing

/// The one catalog model: ``Catalog``'s strict encoding (what a Swift
/// plugin writes) read back by ``CatalogReading`` (what the host does with
/// any plugin's catalog), and what the lenient reading forgives.
@Suite struct CatalogReadingTests {
    /// `catalog` without the entries a reading keeps.
    private func withoutEntries(_ catalog: Catalog) -> Catalog {
        Catalog(streams: catalog.streams.map { stream in
            var stream = stream
            stream.entry = nil
            return stream
        })
    }

    @Test func theSDKsEncodingOfEveryHintReadsBackUnchanged() throws {
        let catalog = Catalog(streams: [
            CatalogStream(name: "all hints", primaryKey: ["integer", "string"], cursorField: "timestamp",
                          fields: FieldTypeHint.allCases.map { CatalogField(name: $0.rawValue, type: $0) }
                              + [CatalogField(name: "inferred")]),
            CatalogStream(name: "bare"),
            CatalogStream(name: "empty key", primaryKey: [], fields: []),
        ])
        let text = try catalog.jsonText()
        #expect(text.contains(#"{"name":"binary","type":"binary"}"#))
        #expect(text.contains(#"{"name":"bare"}"#))
        let reading = try CatalogReading(json: text)
        #expect(reading.warnings == [])
        #expect(withoutEntries(reading.catalog) == catalog)
        #expect(try reading.catalog.jsonText() == text)
        // The strict decoding takes every hint too (it had no `binary`).
        #expect(try Catalog(jsonText: text) == catalog)
        // Each stream keeps its entry as written.
        #expect(reading.catalog.streams[1].entry == .object(["name": .string("bare")]))
    }

    @Test func aliasesReadAsTheirHintsAndTheStrictDecodingRefusesThem() throws {
        let text = #"""
            {"streams": [{"name": "t", "fields": [{"name": "a", "type": "text"}, {"name": "b", "type": "date-time"},
                                                  {"name": "c", "type": "object"}, {"name": "d", "type": "array"}]}]}
            """#
        let reading = try CatalogReading(json: text)
        #expect(reading.warnings == [])
        #expect(reading.catalog.streams[0].fields == [
            CatalogField(name: "a", type: .string), CatalogField(name: "b", type: .timestamp),
            CatalogField(name: "c", type: .json), CatalogField(name: "d", type: .json),
        ])
        #expect(FieldTypeHint(named: "int") == nil)
        #expect(throws: PluginError.self) { try Catalog(jsonText: text) }
    }

    @Test func whatCannotBeUsedIsSkippedWithAWarningNamingTheStream() throws {
        let text = #"""
            {"streams": [
              {"name": "orders", "primary_key": "id", "cursor_field": 3, "extra": true,
               "fields": [{"name": "id", "type": "integer"}, {"type": "string"}, 7, {"name": "x", "type": "int"},
                          {"name": "y", "type": 1}, {"name": "z"}]},
              {"name": "lines", "fields": {"name": "id"}, "primary_key": ["id", 2]}
            ]}
            """#
        let reading = try CatalogReading(json: text)
        #expect(reading.warnings.map(\.description) == [
            "catalog stream 'orders': primary_key is not an array of column names; it is ignored",
            "catalog stream 'orders': cursor_field is not a string; it is ignored",
            "catalog stream 'orders': field 2 has no name; it is skipped",
            "catalog stream 'orders': field 3 has no name; it is skipped",
            "catalog stream 'orders': field \"x\": type \"int\" is not a type hint; it is ignored",
            "catalog stream 'orders': field \"y\": type is not a string; it is ignored",
            "catalog stream 'lines': primary_key is not an array of column names; it is ignored",
            "catalog stream 'lines': fields is not an array; it is ignored",
        ])
        #expect(reading.warnings.map(\.stream) == ["orders", "orders", "orders", "orders", "orders", "orders", "lines", "lines"])
        let orders = reading.catalog.streams[0]
        #expect(orders.primaryKey == nil && orders.cursorField == nil)
        #expect(orders.fields == [CatalogField(name: "id", type: .integer), CatalogField(name: "x"),
                                  CatalogField(name: "y"), CatalogField(name: "z")])
        // The entry keeps what the extractor wrote, skipped parts included.
        #expect(orders.entry?["extra"] == .bool(true))
        #expect(orders.entry?["primary_key"] == .string("id"))
        #expect(reading.catalog.streams[1].fields == nil)
    }

    @Test func onlyWhatLeavesNothingToReadIsAnError() {
        #expect(throws: CatalogReadingError.notACatalog) { try CatalogReading(json: "not json") }
        #expect(throws: CatalogReadingError.notACatalog) { try CatalogReading(json: "[]") }
        #expect(throws: CatalogReadingError.notACatalog) { try CatalogReading(json: #"{"streams": {}}"#) }
        #expect(throws: CatalogReadingError.notACatalog) { try CatalogReading(json: #"{"streams": [{"name": "a"}, 1]}"#) }
        #expect(throws: CatalogReadingError.streamWithoutName(position: 2)) {
            try CatalogReading(json: #"{"streams": [{"name": "a"}, {"name": ""}]}"#)
        }
        #expect(throws: Never.self) { try CatalogReading(json: #"{"streams": []}"#) }
    }
}

@testable import ETLHost
import ETLPluginKit
import Testing

/// How `sync` reads an extractor's catalog (``CatalogReading`` with the
/// host's errors) and what it takes from each stream: column types from
/// hints, the entry kept for snapshots.
@Suite struct CatalogReadingHostTests {
    private func refusal(_ json: String) -> (HostError.Kind, String)? {
        do {
            _ = try CatalogReading(discovered: json, plugin: "csv")
        } catch let error as HostError {
            return (error.kind, error.message)
        } catch {
            return (.operationFailed, "\(error)")
        }
        return nil
    }

    @Test func noCatalogAndANamelessStreamAreTheSameRefusalsAsBefore() {
        let none = "plugin 'csv': discover returned no valid catalog (expected {\"streams\": [...]})"
        for json in ["", "{}", "[]", #"{"streams": 1}"#, #"{"streams": ["a"]}"#] {
            #expect(refusal(json)?.0 == .pluginFailed, "\(json)")
            #expect(refusal(json)?.1 == none, "\(json)")
        }
        #expect(refusal(#"{"streams": [{"name": "a"}, {"primary_key": ["id"]}]}"#)?.1 == "plugin 'csv': a catalog stream has no name")
        #expect(refusal(#"{"streams": []}"#) == nil)
    }

    @Test func everyHintAndAliasIsAColumnType() throws {
        let reading = try CatalogReading(discovered: #"""
            {"streams": [{"name": "t", "fields": [
              {"name": "n", "type": "null"}, {"name": "b", "type": "boolean"}, {"name": "i", "type": "integer"},
              {"name": "r", "type": "number"}, {"name": "s", "type": "string"}, {"name": "d", "type": "date"},
              {"name": "ts", "type": "timestamp"}, {"name": "dec", "type": "decimal"}, {"name": "j", "type": "json"},
              {"name": "bin", "type": "binary"}, {"name": "text", "type": "text"}, {"name": "dt", "type": "date-time"},
              {"name": "o", "type": "object"}, {"name": "a", "type": "array"}, {"name": "free"}, {"name": "odd", "type": "int"}]}]}
            """#, plugin: "x")
        #expect(reading.catalog.streams[0].hints == [
            "n": .null, "b": .boolean, "i": .integer, "r": .number, "s": .text, "d": .date, "ts": .timestamp,
            "dec": .decimal, "j": .json, "bin": .binary, "text": .text, "dt": .timestamp, "o": .json, "a": .json,
        ])
        #expect(reading.warnings.map(\.description) == [#"catalog stream 't': field "odd": type "int" is not a type hint; it is ignored"#])
    }

    @Test func theEntryKeepsWhatTheExtractorWroteWithSortedKeys() throws {
        let reading = try CatalogReading(discovered: #"""
            {"streams": [{"primary_key": ["id"], "name": "t", "x-source": {"url": "http://a/b"},
                          "fields": [{"type": "text", "name": "id"}, {"type": "string"}]}]}
            """#, plugin: "x")
        #expect(reading.catalog.streams[0].entryJSON
            == #"{"fields":[{"name":"id","type":"text"},{"type":"string"}],"name":"t","primary_key":["id"],"x-source":{"url":"http://a/b"}}"#)
        // A stream made in code: its strict encoding.
        #expect(CatalogStream(name: "m", primaryKey: ["k"], fields: [CatalogField(name: "k", type: .binary)]).entryJSON
            == #"{"fields":[{"name":"k","type":"binary"}],"name":"m","primary_key":["k"]}"#)
    }
}

@testable import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

/// ``DeletionSync`` refuses a key listing that cannot stand for the keys
/// asked for, and tells a real SQLite warehouse which keys are still at
/// the source: a spooled listing, or none beyond the rows written.
@Suite struct DeletionSyncTests {
    private static let schema = ArrowBatchSchema([ArrowField("id", .int64), ArrowField("name", .utf8)])
    private static let keySchema = ArrowBatchSchema([ArrowField("id", .int64)])
    private static let table = TableSchema(table: "people", stream: "people", columns: [
        TableSchema.Column(name: "id", source: "id", type: .integer), TableSchema.Column(name: "name", source: "name", type: .text),
    ])

    private func stream(primaryKey: [String]) throws -> CatalogStream {
        let key = primaryKey.map { "\"\($0)\"" }.joined(separator: ",")
        return try CatalogReading(discovered: #"{"streams": [{"name": "people", "primary_key": [\#(key)]}]}"#, plugin: "x").catalog.streams[0]
    }

    private func sync(primaryKey: [String]? = nil) -> DeletionSync {
        DeletionSync(primaryKey: primaryKey, cancellation: Cancellation(), observer: nil)
    }

    @Test func theListingMustBeOfTheStreamsOwnKey() throws {
        #expect(throws: Never.self) { try sync().checkKeyListing(try stream(primaryKey: ["id"])) }
        #expect(throws: Never.self) { try sync(primaryKey: ["id"]).checkKeyListing(try stream(primaryKey: ["id"])) }
        #expect { try sync().checkKeyListing(try stream(primaryKey: [])) } throws: { error in
            (error as? HostError)?.message == "stream 'people': --deletions with --incremental lists the stream's own primary key (none); drop --primary-key or --incremental"
        }
        #expect { try sync(primaryKey: ["name"]).checkKeyListing(try stream(primaryKey: ["id", "org"])) } throws: { error in
            (error as? HostError)?.message == "stream 'people': --deletions with --incremental lists the stream's own primary key (id,org); drop --primary-key or --incremental"
        }
    }

    private func builder(_ schema: ArrowBatchSchema, _ rows: [(Int64, String?)]) throws -> ArrowBatchBuilder {
        let builder = try ArrowBatchBuilder(schema: schema)
        for (id, name) in rows {
            builder.append(id)
            if schema.fields.count > 1 { if let name { builder.appendText(name) } else { builder.appendNull() } }
            try builder.endRow()
        }
        return builder
    }

    private func load(_ destination: PluginInstance, rows: [(Int64, String?)], deletions: DeletionMode, keySpool: String?) throws {
        let writer = try destination.begin(table: "people", schema: Self.table.arrowSchema, mode: .upsert, keyColumns: ["id"],
                                           runID: "r", deletions: deletions)
        try writer.write(try builder(Self.schema, rows))
        if deletions != .keep {
            try sync().writePresentKeys(keySpool, keys: ["id"], schema: Self.table, stream: "people", writer: writer)
        }
        try writer.commit()
    }

    @Test func rowsNeitherWrittenNorListedAreRemoved() throws {
        let folder = try TestSupport.temporaryDirectory("deletions")
        let plugin = try PluginLoader().load(libraryAt: TestSupport.productsDirectory + "/libetl_sqlite.so")
        let destination = try PluginInstance(plugin: plugin, configJSON: #"{"path": "\#(folder)/w.db"}"#)
        defer { destination.close() }
        try load(destination, rows: [(1, "a"), (2, "b"), (3, "c"), (4, "d")], deletions: .keep, keySpool: nil)

        // An incremental read: row 2 changed, and the listing says 3 is still there.
        let spoolPath = folder + "/people.keys.arrow"
        let spool = try ArrowIPCFileWriter(path: spoolPath, schema: Self.keySchema)
        let array = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
        defer { array.deallocate() }
        try builder(Self.keySchema, [(3, nil)]).finish(into: array)
        try spool.append(try ImportedBatch(taking: array, schema: Self.keySchema))
        _ = try spool.finish()
        try load(destination, rows: [(2, "B")], deletions: .remove, keySpool: spoolPath)
        #expect(try SQLiteInspector(path: folder + "/w.db").rows("SELECT id, name FROM people ORDER BY id") == [["2", "B"], ["3", "c"]])

        // A full read: no listing; only the rows written stay.
        try load(destination, rows: [(3, "C")], deletions: .remove, keySpool: nil)
        #expect(try SQLiteInspector(path: folder + "/w.db").rows("SELECT id, name FROM people ORDER BY id") == [["3", "C"]])
    }
}

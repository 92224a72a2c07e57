@testable import ETLHost
import ETLPluginKit
import Testing

/// ``StreamShaping`` selects fields, renames new columns and holds a load
/// to its schema contract, through ``SchemaResolver``; ``SyncPlan`` names
/// the tables.
@Suite struct StreamShapingTests {
    private func field(_ source: String, _ values: [String]) -> ObservedField {
        var inference = ColumnInference()
        for value in values { Array(value.utf8).withUnsafeBytes { inference.observe(.untyped, $0) } }
        return ObservedField(source: source, columnBase: source, inference: inference)
    }

    private let fields = [("id", ["1"]), ("Name", ["a"]), ("note", ["x"]), ("amount", ["1.5"])]
    private var observed: [ObservedField] { fields.map { field($0.0, $0.1) } }
    private let stored = TableSchema(table: "people", stream: "people", columns: [
        TableSchema.Column(name: "id", source: "id", type: .integer), TableSchema.Column(name: "full_name", source: "Name", type: .text),
        TableSchema.Column(name: "amount", source: "amount", type: .integer),
    ])

    private func message(_ body: () throws -> Void) -> String? {
        do { try body() } catch let error as HostError { return error.message } catch { return "\(error)" }
        return nil
    }

    @Test func selectAndExcludeKeepOnlyTheFieldsAsked() throws {
        let only = StreamShaping(columns: .only(["note", "id"]))
        #expect(try only.select(observed, stream: "people").map(\.source) == ["id", "note"])
        let except = StreamShaping(columns: .allExcept(["note"]))
        #expect(try except.select(observed, stream: "people").map(\.source) == ["id", "Name", "amount"])
        #expect(try StreamShaping().select(observed, stream: "people").map(\.source) == ["id", "Name", "note", "amount"])
    }

    @Test func aFieldTheStreamDoesNotHaveIsNamed() {
        #expect(message { _ = try StreamShaping(columns: .only(["nope"])).select(observed, stream: "people") }
            == "stream 'people': columns.select names 'nope', which the stream does not have; its fields: id, Name, note, amount")
        #expect(message { _ = try StreamShaping(columns: .allExcept(["gone"])).select(observed, stream: "people") }
            == "stream 'people': columns.exclude names 'gone', which the stream does not have; its fields: id, Name, note, amount")
        #expect(message { _ = try StreamShaping(renames: ["x": "y"]).select(observed, stream: "people") }
            == "stream 'people': columns.rename names 'x', which the stream does not have; its fields: id, Name, note, amount")
    }

    @Test func renamesNameNewColumnsAndOthersAvoidThem() {
        let resolver = SchemaResolver(mode: .replace, deletions: .keep, primaryKey: nil)
        let resolution = resolver.resolve(stream: "people", table: "people", hints: [:],
                                          fields: [field("name", ["a"]), field("Name", ["b"])], stored: nil,
                                          renames: ["Name": "name"])
        #expect(resolution.schema.columns.map(\.name) == ["name_2", "name"])
        #expect(resolution.schema.columns.map(\.source) == ["name", "Name"])
    }

    @Test func renamesTheTableCannotTakeAreRefused() {
        let resolver = SchemaResolver(mode: .append, deletions: .keep, primaryKey: nil)
        #expect(message { try resolver.checkRenames(["Name": "name"], stored: stored, stream: "people") }
            == "stream 'people': columns.rename names field 'Name' 'name', but table 'people' already has it as column 'full_name'")
        #expect(message { try resolver.checkRenames(["note": "amount"], stored: stored, stream: "people") }
            == "stream 'people': columns.rename names field 'note' 'amount', which table 'people' has for field 'amount'")
        #expect(message { try resolver.checkRenames(["a": "x", "b": "x"], stored: nil, stream: "people") }
            == "stream 'people': columns.rename names both 'a' and 'b' 'x'")
        #expect(message { try resolver.checkRenames(["Name": "full_name", "note": "remark"], stored: stored, stream: "people") } == nil)
    }

    private func resolve(_ contract: StreamShaping.Contract, mode: WriteMode = .append) throws -> (SchemaResolver.Resolution, [String]) {
        let resolver = SchemaResolver(mode: mode, deletions: .keep, primaryKey: nil)
        var resolution = resolver.resolve(stream: "people", table: "people", hints: [:], fields: observed, stored: stored)
        let discarded = try resolver.enforce(contract, on: &resolution, stored: stored, stream: "people")
        return (resolution, discarded)
    }

    @Test func evolveAndWidenIsWhatSyncDoes() throws {
        let (resolution, discarded) = try resolve(StreamShaping.Contract())
        #expect(resolution.schema.columns.map(\.name) == ["id", "full_name", "amount", "note"])
        #expect(resolution.schema.columns.map(\.type) == [.integer, .text, .number, .text])
        #expect(resolution.newColumns == ["note"])
        #expect(resolution.widened == ["amount: integer -> number"])
        #expect(discarded == [])
    }

    @Test func discardDropsNewColumnsAndSaysWhich() throws {
        let (resolution, discarded) = try resolve(StreamShaping.Contract(newColumns: .discard))
        #expect(resolution.schema.columns.map(\.name) == ["id", "full_name", "amount"])
        #expect(resolution.newColumns == [])
        #expect(discarded == ["note"])
    }

    @Test func freezeRefusesANewColumnNamingStreamTableAndColumn() {
        #expect(message { _ = try resolve(StreamShaping.Contract(newColumns: .freeze)) }
            == "stream 'people', table 'people': new column 'note' (source field 'note') is refused by the schema contract (new columns: freeze); the table is unchanged")
    }

    @Test func frozenTypesRefuseAWiderTypeAndKeepANarrowerOnesColumn() throws {
        #expect(message { _ = try resolve(StreamShaping.Contract(newColumns: .discard, typeChanges: .freeze)) }
            == "stream 'people', table 'people': column 'amount' needs type number, but the table has integer and the schema contract freezes types; the table is unchanged")
        let resolver = SchemaResolver(mode: .replace, deletions: .keep, primaryKey: nil)
        var resolution = resolver.resolve(stream: "people", table: "people", hints: [:],
                                          fields: [field("id", ["1"]), field("Name", ["7"])], stored: stored)
        #expect(resolution.schema.columns.map(\.type) == [.integer, .integer])
        _ = try resolver.enforce(StreamShaping.Contract(typeChanges: .freeze), on: &resolution, stored: stored, stream: "people")
        #expect(resolution.schema.columns.map(\.type) == [.integer, .text])
    }

    @Test func aFirstLoadCreatesWhatItSeesWhateverTheContract() throws {
        let resolver = SchemaResolver(mode: .append, deletions: .keep, primaryKey: nil)
        var resolution = resolver.resolve(stream: "people", table: "people", hints: [:], fields: observed, stored: nil)
        let discarded = try resolver.enforce(StreamShaping.Contract(newColumns: .freeze, typeChanges: .freeze), on: &resolution,
                                             stored: nil, stream: "people")
        #expect(discarded == [])
        #expect(resolution.schema.columns.map(\.name) == ["id", "name", "note", "amount"])
    }

    @Test func tablesTakeTheirGivenNameOrThePrefix() throws {
        var request = SyncRequest(extractor: "csv", warehouse: "wh", sourceConfig: [:], destinationConfig: [:], mode: .replace,
                                  workDirectory: "/nonexistent")
        request.tablePrefix = "crm_"
        request.shaping = ["b": StreamShaping(table: "crm_a")]
        let warehouse = PluginDescriptor(name: "wh", kind: .warehouse, version: "1", description: "", language: "c", toolchain: nil,
                                         abi: "1.2", negotiatedABI: "1.2", capabilities: ["replace"], configSchema: "{}",
                                         optionalOperations: [])
        let catalog = try CatalogReading(discovered: #"{"streams": [{"name": "A"}, {"name": "b"}, {"name": "Order Lines"}]}"#, plugin: "csv").catalog
        let plan = try SyncPlan(request: request, extractor: nil, warehouse: warehouse)
        #expect(try plan.tables(for: catalog.streams) == ["crm_a_2", "crm_a", "crm_order_lines"])
        request.shaping["A"] = StreamShaping(table: "crm_a")
        #expect(message { _ = try SyncPlan(request: request, extractor: nil, warehouse: warehouse).tables(for: catalog.streams) }
            == "streams 'A' and 'b' are both given table 'crm_a'")
    }
}

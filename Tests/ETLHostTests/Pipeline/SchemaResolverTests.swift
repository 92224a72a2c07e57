@testable import ETLHost
import ETLPluginKit
import Testing

/// ``SchemaResolver`` merges what pass 1 saw with the stored schema: names
/// kept, types only widened (append, upsert), new fields named afresh, the
/// deletion flag column added; it finds the upsert keys.
@Suite struct SchemaResolverTests {
    /// A field whose values were `values` (untyped text, as CSV gives).
    private func field(_ source: String, _ values: [String], base: String? = nil) -> ObservedField {
        var inference = ColumnInference()
        for value in values {
            Array(value.utf8).withUnsafeBytes { inference.observe(.untyped, $0) }
        }
        return ObservedField(source: source, columnBase: base ?? source, inference: inference)
    }

    private func stored(_ columns: [(String, String, ColumnType)]) -> TableSchema {
        TableSchema(table: "orders", stream: "orders", columns: columns.map { TableSchema.Column(name: $0.0, source: $0.1, type: $0.2) })
    }

    @Test func aFirstLoadNamesEveryFieldAndReportsNoNewColumns() {
        let resolver = SchemaResolver(mode: .replace, deletions: .keep, primaryKey: nil)
        let resolution = resolver.resolve(stream: "orders", table: "orders", hints: [:],
                                          fields: [field("Order ID", ["1", "2"]), field("Amount", ["1.5"]), field("note", [])],
                                          stored: nil)
        #expect(resolution.schema.columns.map(\.name) == ["order_id", "amount", "note"])
        #expect(resolution.schema.columns.map(\.source) == ["Order ID", "Amount", "note"])
        #expect(resolution.schema.columns.map(\.type) == [.integer, .number, .text])
        #expect(resolution.newColumns == [])
        #expect(resolution.widened == [])
    }

    @Test func appendKeepsStoredNamesWidensTypesAndNamesNewFields() {
        let resolver = SchemaResolver(mode: .append, deletions: .keep, primaryKey: nil)
        let resolution = resolver.resolve(
            stream: "orders", table: "orders", hints: [:],
            fields: [field("id", ["3"]), field("amount", ["2.25"]), field("Status", ["open"])],
            stored: stored([("id", "id", .integer), ("total", "amount", .integer), ("gone", "gone", .date)]))
        #expect(resolution.schema.columns.map(\.name) == ["id", "total", "gone", "status"])
        #expect(resolution.schema.columns.map(\.type) == [.integer, .number, .date, .text])
        #expect(resolution.widened == ["total: integer -> number"])
        #expect(resolution.newColumns == ["status"])
    }

    @Test func aTypeIsNeverNarrowedBelowTheStoredOne() {
        let resolver = SchemaResolver(mode: .upsert, deletions: .keep, primaryKey: nil)
        let resolution = resolver.resolve(stream: "orders", table: "orders", hints: [:], fields: [field("amount", ["7"])],
                                          stored: stored([("amount", "amount", .text)]))
        #expect(resolution.schema.columns.map(\.type) == [.text])
        #expect(resolution.widened == [])
    }

    @Test func replaceStartsFromWhatWasSeenButKeepsStoredNames() {
        let resolver = SchemaResolver(mode: .replace, deletions: .keep, primaryKey: nil)
        let resolution = resolver.resolve(stream: "orders", table: "orders", hints: [:],
                                          fields: [field("amount", ["7"]), field("new", ["x"])],
                                          stored: stored([("total", "amount", .text), ("gone", "gone", .date)]))
        #expect(resolution.schema.columns.map(\.name) == ["total", "new"])
        #expect(resolution.schema.columns.map(\.type) == [.integer, .text])
        #expect(resolution.newColumns == ["new"])
        #expect(resolution.widened == [])
    }

    @Test func sourceHintsWinOverInference() {
        let resolver = SchemaResolver(mode: .replace, deletions: .keep, primaryKey: nil)
        let resolution = resolver.resolve(stream: "orders", table: "orders", hints: ["code": .text, "day": .date],
                                          fields: [field("code", ["007"]), field("day", [])], stored: nil)
        #expect(resolution.schema.columns.map(\.type) == [.text, .date])
    }

    @Test func repeatedFieldsAreNamedFromTheirBase() {
        let resolver = SchemaResolver(mode: .replace, deletions: .keep, primaryKey: nil)
        let resolution = resolver.resolve(stream: "s", table: "s", hints: [:],
                                          fields: [field("Name", ["a"]), field("Name#2", ["b"], base: "Name")], stored: nil)
        #expect(resolution.schema.columns.map(\.name) == ["name", "name_2"])
    }

    @Test func flagDeletionsAddsTheHostsTimestampColumnOnce() {
        let resolver = SchemaResolver(mode: .upsert, deletions: .flag, primaryKey: nil)
        let first = resolver.resolve(stream: "s", table: "s", hints: [:], fields: [field("id", ["1"])], stored: nil)
        #expect(first.schema.columns.map(\.name) == ["id", DeletionMode.flagColumn])
        #expect(first.schema.columns.last?.type == .timestamp)
        #expect(first.schema.columns.last?.source == TableSchema.deletedAtSource)
        #expect(first.newColumns == [])
        let later = resolver.resolve(stream: "s", table: "s", hints: [:], fields: [field("id", ["1"])],
                                     stored: stored([("id", "id", .integer)]))
        #expect(later.schema.columns.map(\.name) == ["id", DeletionMode.flagColumn])
        #expect(later.newColumns == [DeletionMode.flagColumn])
        let again = resolver.resolve(stream: "s", table: "s", hints: [:], fields: [field("id", ["1"])], stored: later.schema)
        #expect(again.schema.columns.map(\.name) == ["id", DeletionMode.flagColumn])
        #expect(again.newColumns == [])
    }

    @Test func upsertKeysMatchColumnNamesThenSourceNames() throws {
        let schema = stored([("order_id", "Order ID", .integer), ("line", "line", .integer)])
        let byStream = SchemaResolver(mode: .upsert, deletions: .keep, primaryKey: nil)
        #expect(try byStream.upsertKeys(stream: "orders", streamKey: ["Order ID", "line"], schema: schema) == ["order_id", "line"])
        let asked = SchemaResolver(mode: .upsert, deletions: .keep, primaryKey: ["order_id"])
        #expect(try asked.upsertKeys(stream: "orders", streamKey: ["line"], schema: schema) == ["order_id"])
        let append = SchemaResolver(mode: .append, deletions: .keep, primaryKey: ["order_id"])
        #expect(try append.upsertKeys(stream: "orders", streamKey: ["line"], schema: schema) == [])
    }

    @Test func upsertWithoutAKeyOrWithAnUnknownOneIsRefused() {
        let schema = stored([("id", "id", .integer)])
        let resolver = SchemaResolver(mode: .upsert, deletions: .keep, primaryKey: nil)
        #expect { try resolver.upsertKeys(stream: "orders", streamKey: [], schema: schema) } throws: { error in
            (error as? HostError)?.message == "stream 'orders': --mode upsert needs a primary key; pass --primary-key COLUMN[,COLUMN] (the source defines none)"
        }
        let unknown = SchemaResolver(mode: .upsert, deletions: .keep, primaryKey: ["sku"])
        #expect { try unknown.upsertKeys(stream: "orders", streamKey: [], schema: schema) } throws: { error in
            (error as? HostError)?.message == "stream 'orders': primary key column 'sku' does not exist; columns: id"
        }
    }
}

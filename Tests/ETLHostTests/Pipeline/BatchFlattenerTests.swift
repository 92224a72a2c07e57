@testable import ETLHost
import ETLPluginKit
import Testing

/// Pass 1 infers off the Arrow buffers (``BatchFlattener/infer(_:)``)
/// exactly what inference over the flattened cells gives.
@Suite struct BatchFlattenerTests {
    private func summary(_ flattener: BatchFlattener) -> [String] {
        flattener.fieldOrder.map { name in
            let state = flattener.inference[name]!
            return "\(name): \(state.type) lattice \(state.latticeType) values \(state.valueCount) held \(state.integersHeldByDouble)"
        }
    }

    private func batch(_ schema: ArrowBatchSchema, _ rows: [[Any?]]) throws -> ImportedBatch {
        let builder = try ArrowBatchBuilder(schema: schema)
        for row in rows {
            for (value, field) in zip(row, schema.fields) {
                switch (field.type, value) {
                case (_, nil): builder.appendNull()
                case (.int64, let value as Int64): builder.append(value)
                case (.float64, let value as Double): builder.append(value)
                case (.bool, let value as Bool): builder.append(value)
                case (.utf8, let value as String): builder.appendText(value)
                default: Issue.record("unexpected \(field) value \(String(describing: value))")
                }
            }
            try builder.endRow()
        }
        let array = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
        defer { array.deallocate() }
        try builder.finish(into: array)
        return try ImportedBatch(taking: array, schema: schema)
    }

    @Test func typedAndUntypedColumnsInferTheSameOffTheirBuffers() throws {
        let batches = [try ArrowIPCFixtures.batch(rows: 500), try ArrowIPCFixtures.batch(rows: 0)]
        var cells = BatchFlattener(stream: "s")
        var buffers = BatchFlattener(stream: "s")
        try cells.register(ArrowIPCFixtures.schema)
        try buffers.register(ArrowIPCFixtures.schema)
        for batch in batches {
            _ = try cells.flatten(batch)
            try buffers.infer(batch)
        }
        #expect(summary(buffers) == summary(cells))
        #expect(buffers.rowCount == 500)

        // Integers at both ends of Int64, beside fractions (exactness decides).
        let numbers = ArrowBatchSchema([ArrowField("n", .int64), ArrowField("text", .utf8, annotation: .untyped), ArrowField("ok", .bool)])
        let wide = try batch(numbers, [[Int64.min, "1.5", true], [Int64.max, "2024-01-02", nil], [nil, "", false], [Int64(9_007_199_254_740_993), "x", true]])
        var a = BatchFlattener(stream: "n"), b = BatchFlattener(stream: "n")
        try a.register(numbers)
        try b.register(numbers)
        _ = try a.flatten(wide)
        try b.infer(wide)
        #expect(summary(b) == summary(a))
        #expect(summary(b)[0] == "n: integer lattice integer values 3 held false")
    }

    @Test func recordColumnsAreFlattenedAsBefore() throws {
        let schema = ArrowBatchSchema([ArrowField("_record", .utf8, annotation: .record, nullable: false), ArrowField("_line", .int64)])
        let records = try batch(schema, [
            [#"{"id": 1, "at": "2024-05-01T10:00:00Z", "tags": ["a"], "x": 1e400}"#, Int64(1)],
            [#"{"id": 2.5, "a": 1, "a": "two", "ok": true}"#, Int64(2)],
        ])
        var cells = BatchFlattener(stream: "r"), buffers = BatchFlattener(stream: "r")
        try cells.register(schema)
        try buffers.register(schema)
        _ = try cells.flatten(records)
        try buffers.infer(records)
        #expect(summary(buffers) == summary(cells))
        #expect(buffers.fieldOrder == ["id", "at", "tags", "x", "a", "a#2", "ok"])
    }
}

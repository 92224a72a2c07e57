@testable import ETLHost
import ETLPluginKit
import Testing

/// ``RecordFlattener`` finds a key's column by its position in the
/// previous record first: keys that change places, go missing, repeat or
/// appear late must still land in their own columns.
@Suite struct RecordFlattenerTests {
    private static let schema = ArrowBatchSchema([ArrowField("_record", .utf8, annotation: .record, nullable: false)])

    private func records(_ lines: [String]) throws -> ImportedBatch {
        let builder = try ArrowBatchBuilder(schema: Self.schema)
        for line in lines {
            builder.appendText(line)
            try builder.endRow()
        }
        let array = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
        defer { array.deallocate() }
        try builder.finish(into: array)
        return try ImportedBatch(taking: array, schema: Self.schema)
    }

    /// Each column as `name: cell, cell, ...` (a missing cell is `-`).
    private func spelled(_ columns: [CellColumn]) -> [String] {
        columns.map { column in
            let cells = (0 ..< column.rowCount).map { row in
                column.kinds[row] == CellKind.null.rawValue
                    ? "-" : String(decoding: column.bytes[Int(column.offsets[row]) ..< Int(column.offsets[row + 1])], as: UTF8.self)
            }
            return "\(column.name): \(cells.joined(separator: ", "))"
        }
    }

    @Test("keys that move, go missing, repeat and arrive late keep their own columns, in one batch and the next")
    func keysInChangingOrder() throws {
        var flattener = RecordFlattener()
        let lines = [
            #"{"a": 1, "b": 2, "c": 3}"#,
            #"{"a": 4, "b": 5, "c": 6}"#,
            #"{"b": 7, "a": 8, "c": 9}"#,
            #"{"a": 10, "c": 11}"#,
            #"{"a": 12, "a": 13, "b": 14}"#,
            #"{"a": 15, "a": 16, "b": 17, "d": 18}"#,
            #"{"d": 19, "c": 20, "b": 21, "a": 22}"#,
        ]
        let first = try flattener.flatten(try records(lines), column: 0, lineColumn: nil, stream: "s", firstRow: 0)
        #expect(spelled(first) == [
            "a: 1, 4, 8, 10, 12, 15, 22",
            "b: 2, 5, 7, -, 14, 17, 21",
            "c: 3, 6, 9, 11, -, -, 20",
            "a#2: -, -, -, -, 13, 16, -",
            "d: -, -, -, -, -, 18, 19",
        ])
        // The next batch starts its columns afresh, in its own first-seen order.
        let second = try flattener.flatten(try records([#"{"c": 1, "a": 2}"#, #"{"a": 3, "c": 4, "a": 5}"#]),
                                           column: 0, lineColumn: nil, stream: "s", firstRow: 7)
        #expect(spelled(second) == ["c: 1, 4", "a: 2, 3", "a#2: -, 5"])
    }

    @Test("a real key named like a repeat is still refused when it takes the place of the repeat in the next record")
    func realKeyInARepeatsPlace() throws {
        var flattener = RecordFlattener()
        #expect(throws: HostError.self) {
            _ = try flattener.flatten(try records([#"{"a": 1, "a": 2}"#, #"{"a": 3, "a#2": 4}"#]),
                                      column: 0, lineColumn: nil, stream: "s", firstRow: 0)
        }
    }
}

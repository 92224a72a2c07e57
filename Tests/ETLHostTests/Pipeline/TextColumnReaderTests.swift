import CETLPlugin
@testable import ETLHost
import ETLPluginKit
import Testing

/// The host's inline reader of utf8 and binary columns gives what
/// `ImportedBatch.utf8` / `binary` give, row for row.
@Suite struct TextColumnReaderTests {
    private func batch(_ fields: [ArrowField], _ rows: [[String?]]) throws -> ImportedBatch {
        let builder = try ArrowBatchBuilder(fields: fields)
        for row in rows {
            for (value, field) in zip(row, fields) {
                guard let value else {
                    builder.appendNull()
                    continue
                }
                if field.type == .binary { builder.appendBinary(Array(value.utf8)) } else { builder.appendText(value) }
            }
            try builder.endRow()
        }
        let array = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
        defer { array.deallocate() }
        try builder.finish(into: array)
        return try ImportedBatch(taking: array, schema: ArrowBatchSchema(fields))
    }

    @Test("values, empty values and nulls of utf8 and binary columns, as ImportedBatch reads them")
    func sameAsImportedBatch() throws {
        let fields = [ArrowField("t", .utf8), ArrowField("b", .binary), ArrowField("u", .utf8, nullable: false)]
        let imported = try batch(fields, [["a", "x", "1"], [nil, "", "é"], ["", nil, ""], ["long text é", "yz", "2"]])
        let text = TextColumnReader(imported, column: 0)
        let binary = TextColumnReader(imported, column: 1)
        let plain = TextColumnReader(imported, column: 2)
        func show(_ bytes: UnsafeRawBufferPointer?) -> String { bytes.map { "<\(String(decoding: $0, as: UTF8.self))>" } ?? "nil" }
        let rows = 0 ..< imported.rowCount
        #expect(rows.map { show(text.value($0)) } == ["<a>", "nil", "<>", "<long text é>"])
        #expect(rows.map { show(text.value($0)) } == rows.map { show(imported.utf8(row: $0, column: 0)) })
        #expect(rows.map { show(binary.value($0)) } == ["<x>", "<>", "nil", "<yz>"])
        #expect(rows.map { show(binary.value($0)) } == rows.map { show(imported.binary(row: $0, column: 1)) })
        #expect(rows.map { show(plain.value($0)) } == ["<1>", "<é>", "<>", "<2>"])
    }
}

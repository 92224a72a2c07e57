import CETLPlugin
@testable import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

/// Pass 2 reads the typed spool back (``SpoolBatchReader``) and casts only
/// the columns whose resolved type differs from the one they arrived in.
@Suite struct SpooledBatchConversionTests {
    /// A spool file holding one batch of `rows` under `schema`; the
    /// converted batch of the resolved `columns` read back from it, and the
    /// converter (for its rejects).
    private func load(_ schema: ArrowBatchSchema, _ rows: [[Any?]], as columns: [TableSchema.Column],
                      maxBadRows: Int = 0) throws -> (ImportedBatch, BatchConverter) {
        let builder = try ArrowBatchBuilder(schema: schema)
        for row in rows {
            for (value, field) in zip(row, schema.fields) {
                switch (field.type, value) {
                case (_, nil): builder.appendNull()
                case (.int64, let value as Int64): builder.append(value)
                case (.float64, let value as Double): builder.append(value)
                case (.utf8, let value as String): builder.appendText(value)
                default: Issue.record("unexpected \(field) value \(String(describing: value))")
                }
            }
            try builder.endRow()
        }
        let array = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
        defer { array.deallocate() }
        try builder.finish(into: array)
        let extracted = try ImportedBatch(taking: array, schema: schema)
        let folder = try TestSupport.temporaryDirectory("spooled")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/s.arrow"
        let writer = try ArrowIPCFileWriter(path: path, schema: schema)
        try writer.append(extracted)
        _ = try writer.finish()

        let table = TableSchema(table: "t", stream: "s", columns: columns)
        let converter = try BatchConverter(schema: table, stream: "s")
        converter.rejectAllowance = maxBadRows
        let spool = try SpoolBatchReader(path: path, stream: "s")
        let spooled = try #require(try spool.next())
        #expect(try spool.next() == nil)
        let out = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
        defer { out.deallocate() }
        out.initialize(to: ArrowArray())
        try converter.convert(spooled, into: out)
        return (try ImportedBatch(taking: out, schema: table.arrowSchema), converter)
    }

    @Test("a float64 column resolved as number passes through untouched: NaN payload bits kept, -0.0 as 0")
    func typedDoublesPassThroughWithoutText() throws {
        // Text would spell every NaN "NaN" and read it back as the one
        // canonical NaN: the payload survives only if no text is made.
        let payload = Double(bitPattern: 0x7FF8_0000_0000_1234)
        let values: [Double] = [payload, -0.0, 0.1 + 0.2, 5e-324, -.infinity]
        let schema = ArrowBatchSchema([ArrowField("x", .float64), ArrowField("n", .int64)])
        let (batch, _) = try load(schema, values.enumerated().map { [$0.element, Int64($0.offset) - 2] } + [[nil, Int64.min]],
                                  as: [TableSchema.Column(name: "x", source: "x", type: .number),
                                       TableSchema.Column(name: "n", source: "n", type: .integer)])
        #expect(batch.rowCount == 6)
        #expect((0 ..< 5).map { batch.double(row: $0, column: 0)!.bitPattern }
            == [0x7FF8_0000_0000_1234, 0, (0.1 + 0.2).bitPattern, 1, (-Double.infinity).bitPattern])
        #expect(batch.isNull(row: 5, column: 0))
        #expect((0 ..< 6).map { batch.int64(row: $0, column: 1)! } == [-2, -1, 0, 1, 2, Int64.min])
    }

    @Test("a utf8 column from CSV is cast to its resolved types; a value that does not fit is set aside naming row and column")
    func untypedTextIsCast() throws {
        let schema = ArrowBatchSchema([ArrowField("n", .utf8, annotation: .untyped), ArrowField("d", .utf8, annotation: .untyped),
                                       ArrowField("i", .int64)])
        let (batch, converter) = try load(
            schema, [["42", "2024-02-29", Int64(7)], ["", "1999-12-31", Int64(9_007_199_254_740_993)], ["x", "2024-01-01", nil]],
            as: [TableSchema.Column(name: "n", source: "n", type: .integer),
                 TableSchema.Column(name: "d", source: "d", type: .date),
                 TableSchema.Column(name: "i", source: "i", type: .decimal)],
            maxBadRows: 1)
        #expect(batch.rowCount == 2)
        #expect(batch.int64(row: 0, column: 0) == 42)
        #expect(batch.isNull(row: 1, column: 0))
        #expect(batch.date32(row: 0, column: 1) == 19782)
        #expect(batch.date32(row: 1, column: 1) == 10956)
        // int64 widened to decimal: its digits, exactly.
        #expect(batch.string(row: 0, column: 2) == "7")
        #expect(batch.string(row: 1, column: 2) == "9007199254740993")
        #expect(converter.rejected.map(\.location) == ["stream 's' row 3, column 'n'"])
        #expect(converter.rejected.map(\.raw) == [Array("x".utf8)])
        #expect(converter.rejected.first?.reason == "stream 's' row 3, column 'n' (source field 'n'): the value is not a valid "
            + "integer, though the host inferred integer from every value of the stream and the stored table: a bug in etl-host, "
            + "please report it")
    }
}

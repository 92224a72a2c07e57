import CETLPlugin
@testable import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

/// Pass 2 reads and converts the spool one batch ahead of the writes
/// (``ConvertedSpoolBatches``): the same batches, values and errors as
/// converting in the writer's loop.
@Suite struct ConvertedSpoolBatchesTests {
    private static let schema = ArrowBatchSchema([ArrowField("n", .utf8, annotation: .untyped), ArrowField("i", .int64)])
    private static let table = TableSchema(table: "t", stream: "s", columns: [
        TableSchema.Column(name: "n", source: "n", type: .integer),
        TableSchema.Column(name: "i", source: "i", type: .integer),
    ])

    /// A spool of `batches` (each a list of (n, i) rows); its path.
    private func spool(_ batches: [[(String?, Int64)]], in folder: String) throws -> String {
        let path = folder + "/s.arrow"
        let writer = try ArrowIPCFileWriter(path: path, schema: Self.schema)
        for rows in batches {
            let builder = try ArrowBatchBuilder(schema: Self.schema)
            for (text, number) in rows {
                if let text { builder.appendText(text) } else { builder.appendNull() }
                builder.append(number)
                try builder.endRow()
            }
            let array = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
            defer { array.deallocate() }
            try builder.finish(into: array)
            try writer.append(try ImportedBatch(taking: array, schema: Self.schema))
        }
        _ = try writer.finish()
        return path
    }

    /// Every batch of `path` as (n, i) rows, read through ``ConvertedSpoolBatches``.
    private func load(_ path: String, converter: BatchConverter) throws -> [[[Int64?]]] {
        let batches = ConvertedSpoolBatches(spool: try SpoolBatchReader(path: path, stream: "s"), converter: converter)
        defer { batches.close() }
        var loaded: [[[Int64?]]] = []
        while let batch = try batches.next() {
            let imported = try ImportedBatch(taking: batch.array, schema: Self.table.arrowSchema)
            #expect(imported.rowCount == batch.rows)
            loaded.append((0 ..< imported.rowCount).map { row in [imported.int64(row: row, column: 0), imported.int64(row: row, column: 1)] })
        }
        return loaded
    }

    @Test("with no rows to set aside, batches are converted ahead and arrive in order with every value")
    func convertsAheadInOrder() throws {
        let folder = try TestSupport.temporaryDirectory("converted")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var batches: [[(String?, Int64)]] = []
        var expected: [[[Int64?]]] = []
        for batch in 0 ..< 5 {
            var rows: [(String?, Int64)] = []
            var values: [[Int64?]] = []
            for row in 0 ..< 1000 {
                let number: Int64? = row % 7 == 0 ? nil : Int64(batch * 1000 + row)
                rows.append((number.map { String($0) }, Int64(-row)))
                values.append([number, Int64(-row)])
            }
            batches.append(rows)
            expected.append(values)
        }
        let converter = try BatchConverter(schema: Self.table, stream: "s")
        let ahead = ConvertedSpoolBatches(spool: try SpoolBatchReader(path: try spool(batches, in: folder), stream: "s"), converter: converter)
        #expect(ahead.placement == .ahead)
        ahead.close()
        let loaded = try load(folder + "/s.arrow", converter: try BatchConverter(schema: Self.table, stream: "s"))
        #expect(loaded == expected)
    }

    @Test("a value that does not fit fails at its batch, after the batches before it, with the converter's message")
    func failureAfterEarlierBatches() throws {
        let folder = try TestSupport.temporaryDirectory("converted")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = try spool([[("1", 1), ("2", 2)], [("3", 3), ("x", 4)], [("5", 5)]], in: folder)
        let batches = ConvertedSpoolBatches(spool: try SpoolBatchReader(path: path, stream: "s"),
                                            converter: try BatchConverter(schema: Self.table, stream: "s"))
        defer { batches.close() }
        let first = try #require(try batches.next())
        #expect(first.rows == 2)
        do {
            _ = try batches.next()
            Issue.record("the bad value passed")
        } catch {
            #expect(error as? HostError == HostError(.badData, "stream 's' row 4, column 'n' (source field 'n'): the value is not a valid "
                    + "integer, though the host inferred integer from every value of the stream and the stored table: a bug in etl-host, "
                    + "please report it", stream: "s", location: "row 4, column 'n'"))
        }
    }

    @Test("with rows that may be set aside, conversion stays with the caller and the warehouse's refusals lower the allowance")
    func allowanceKeepsConversionWithTheCaller() throws {
        let folder = try TestSupport.temporaryDirectory("converted")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = try spool([[("1", 1), ("x", 2)], [("y", 3), ("4", 4)], [("z", 5)]], in: folder)
        let converter = try BatchConverter(schema: Self.table, stream: "s")
        converter.rejectAllowance = 3
        let batches = ConvertedSpoolBatches(spool: try SpoolBatchReader(path: path, stream: "s"), converter: converter)
        defer { batches.close() }
        #expect(batches.placement == .caller)
        #expect(try batches.next()?.rows == 1)
        #expect(batches.rejectAllowance == 2)
        batches.spendAllowance(1) // the warehouse refused a row of the first batch
        #expect(try batches.next()?.rows == 1)
        #expect(batches.rejectAllowance == 0)
        #expect(throws: HostError.self) { try batches.next() }
        #expect(converter.rejected.map(\.location) == ["stream 's' row 2, column 'n'", "stream 's' row 3, column 'n'"])
    }
}

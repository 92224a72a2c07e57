import CETLPlugin
@testable import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

/// Pass 1 keeps a record column's flattened cells in a cell spool
/// (``CellSpoolWriter``) so that pass 2 reads them (``CellSpoolReader``,
/// ``SpoolBatchReader``) instead of scanning the JSON text again.
@Suite struct CellSpoolTests {
    /// The (kind, text) of every row of `column`.
    private func cells(_ column: CellBatch.Column, rows: Int) -> [String] {
        (0 ..< rows).map { row in
            let kind = column.kind(row)
            return kind == .null ? "null" : "\(kind):\(String(decoding: column.value(row), as: UTF8.self))"
        }
    }

    private func cells(_ column: CellColumn) -> [String] {
        (0 ..< column.rowCount).map { row in
            let kind = CellKind(rawValue: column.kinds[row]) ?? .null
            let bytes = column.bytes[Int(column.offsets[row]) ..< Int(column.offsets[row + 1])]
            return kind == .null ? "null" : "\(kind):\(String(decoding: bytes, as: UTF8.self))"
        }
    }

    /// A batch of JSON records (`_record`, `_line`) as the JSON Lines plugin makes them.
    private func records(_ lines: [String], firstLine: Int = 1) throws -> ImportedBatch {
        let builder = try ArrowBatchBuilder(schema: JSONLinesReader.schema)
        for (index, line) in lines.enumerated() {
            builder.appendText(line)
            builder.append(Int64(firstLine + index))
            try builder.endRow()
        }
        let array = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
        defer { array.deallocate() }
        try builder.finish(into: array)
        return try ImportedBatch(taking: array, schema: JSONLinesReader.schema)
    }

    @Test("blocks read back as written: names, kinds, bytes, nulls, empty values, a block without columns, first rows")
    func roundTrip() throws {
        let folder = try TestSupport.temporaryDirectory("cells")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var name = CellColumn(name: "näme")
        name.append(.string, "Ada")
        name.appendNull()
        name.append(.string, "")
        var amount = CellColumn(name: "a#2")
        amount.append(.number, "1.5")
        amount.append(.json, "[1,{\"b\":null}]")
        amount.appendNull()
        let writer = try CellSpoolWriter(path: folder + "/t.cells")
        try writer.append([name, amount], rows: 3)
        try writer.append([], rows: 2)
        var one = CellColumn(name: "x")
        one.append(.boolean, "true")
        try writer.append([one], rows: 1)
        try writer.finish()

        let reader = try CellSpoolReader(path: folder + "/t.cells")
        let firstBlock = try #require(try reader.next(firstRow: 0))
        let first = firstBlock.batch
        #expect(first.rowCount == 3 && first.firstRow == 0)
        #expect(first.columns.map(\.name) == ["näme", "a#2"])
        #expect(cells(first.columns[0], rows: 3) == ["string:Ada", "null", "string:"])
        #expect(cells(first.columns[1], rows: 3) == ["number:1.5", "json:[1,{\"b\":null}]", "null"])
        let secondBlock = try #require(try reader.next(firstRow: 3))
        let second = secondBlock.batch
        #expect(second.rowCount == 2 && second.columns.isEmpty && second.firstRow == 3)
        let thirdBlock = try #require(try reader.next(firstRow: 5))
        let third = thirdBlock.batch
        #expect(third.columns.map(\.name) == ["x"] && cells(third.columns[0], rows: 1) == ["boolean:true"])
        #expect(try reader.next(firstRow: 6) == nil)
        withExtendedLifetime((firstBlock, secondBlock, thirdBlock)) {}
    }

    @Test("the cell spool is LZ4-compressed with lengths for offsets: 10,000 dates take a small part of their 150 KB block, and read back")
    func compressedOnDisk() throws {
        let folder = try TestSupport.temporaryDirectory("cells")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var dates = CellColumn(name: "day")
        for row in 0 ..< 10_000 {
            if row % 7 == 0 { dates.appendNull() } else { dates.append(.string, "2026-12-0\(row % 10)") }
        }
        let writer = try CellSpoolWriter(path: folder + "/t.cells")
        try writer.append([dates], rows: 10_000)
        try writer.finish()
        let size = try #require(try FileManager.default.attributesOfItem(atPath: folder + "/t.cells")[.size] as? Int)
        // Uncompressed: 72 bytes of header and name, 10,000 kinds, 10,001 offsets, 85,710 value bytes.
        #expect(size < 15_000, "the cell spool holds \(size) bytes")
        let block = try #require(try CellSpoolReader(path: folder + "/t.cells").next(firstRow: 0))
        #expect(block.batch.rowCount == 10_000)
        #expect(cells(block.batch.columns[0], rows: 10_000) == cells(dates))
        withExtendedLifetime(block) {}
    }

    @Test("a cell spool cut inside a block is an error naming the file, not a short read")
    func cutFileIsDamaged() throws {
        let folder = try TestSupport.temporaryDirectory("cells")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var column = CellColumn(name: "a")
        for value in 0 ..< 100 { column.append(.number, String(value)) }
        let writer = try CellSpoolWriter(path: folder + "/t.cells")
        try writer.append([column], rows: 100)
        try writer.finish()
        let size = try #require(try FileManager.default.attributesOfItem(atPath: folder + "/t.cells")[.size] as? Int)
        #expect(truncate(folder + "/t.cells", off_t(size - 9)) == 0)
        let reader = try CellSpoolReader(path: folder + "/t.cells")
        #expect(throws: HostError.self) { _ = try reader.next(firstRow: 0) }
        do {
            _ = try CellSpoolReader(path: folder + "/t.cells").next(firstRow: 0)
        } catch let error as HostError {
            #expect(error.message == "the cell spool '\(folder)/t.cells' is damaged: it ends inside a block")
        }
    }

    @Test("pass 2 from the cell spool sees the cells pass 2 would flatten from the spool: same names, kinds, values, rows")
    func spoolReaderWithCellsMatchesFlattening() throws {
        let folder = try TestSupport.temporaryDirectory("cells")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let batches = [
            try records(["{\"id\":1,\"name\":\"a\",\"tags\":[\"x\"]}", "{\"id\":2,\"note\":\"n\",\"id\":3}"]),
            try records(["{}", "{\"name\":null,\"when\":\"2024-01-02\",\"paid\":true}", "{\"id\":1e400}"], firstLine: 3),
        ]
        let spoolPath = folder + "/t.arrow"
        let spool = try ArrowIPCFileWriter(path: spoolPath, schema: JSONLinesReader.schema)
        let cellWriter = try CellSpoolWriter(path: folder + "/t.cells")
        var flattener = BatchFlattener(stream: "s")
        try flattener.register(JSONLinesReader.schema)
        for batch in batches {
            try spool.append(batch)
            try cellWriter.append(try flattener.infer(batch), rows: batch.rowCount)
        }
        _ = try spool.finish()
        try cellWriter.finish()

        let flattened = try SpoolBatchReader(path: spoolPath, stream: "s")
        let kept = try SpoolBatchReader(path: spoolPath, stream: "s", cells: folder + "/t.cells")
        var seen = 0
        while let expected = try flattened.next() {
            let got = try #require(try kept.next())
            #expect(got.rowCount == expected.rowCount && got.firstRow == expected.firstRow)
            #expect(got.arrow == nil, "a batch of records alone is not read from the Arrow spool")
            let want = try #require(expected.records).batch
            let have = try #require(got.records).batch
            #expect(have.columns.map(\.name) == want.columns.map(\.name))
            for (mine, theirs) in zip(have.columns, want.columns) {
                #expect(cells(mine, rows: have.rowCount) == cells(theirs, rows: want.rowCount), "\(mine.name)")
            }
            seen += 1
        }
        #expect(try kept.next() == nil)
        #expect(seen == 2)
        // And the cells are what the flattener makes of the records.
        var again = BatchFlattener(stream: "s")
        try again.register(JSONLinesReader.schema)
        let columns = try again.flatten(batches[0])
        #expect(columns.map(\.name) == ["id", "name", "tags", "note", "id#2"])
        #expect(columns.map(cells) == [["number:1", "number:2"], ["string:a", "null"], ["json:[\"x\"]", "null"],
                                       ["null", "string:n"], ["null", "number:3"]])
    }
}

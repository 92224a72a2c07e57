@testable import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// A cell spool stores its first blocks raw, up to its raw budget, and
/// compresses the later ones (``CellSpoolWriter/rawBudget``); the budget is
/// 0 (all compressed) unless `ETL_CELL_SPOOL_RAW_MIB` sets one, so that a
/// benchmark can weigh raw against LZ4 blocks with one build.
@Suite struct CellSpoolRawFirstTests {
    /// 10,000 dates, every seventh missing: 85,710 value bytes.
    private func dates() -> CellColumn {
        var dates = CellColumn(name: "day")
        for row in 0 ..< 10_000 {
            if row % 7 == 0 { dates.appendNull() } else { dates.append(.string, "2026-12-0\(row % 10)") }
        }
        return dates
    }

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

    private func fileSize(_ path: String) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
    }

    @Test("blocks are stored raw until the raw budget is reached, then compressed; both read back as written")
    func rawThenCompressed() throws {
        let folder = try TestSupport.temporaryDirectory("cells")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let column = dates()
        // The block: 72 bytes of header, 8 of name, 10,000 kinds, 10,001 offsets (40,008), 85,710 value bytes, aligned.
        let blockBytes = 72 + 8 + 10_000 + 40_008 + 85_712
        let writer = try CellSpoolWriter(path: folder + "/t.cells", rawBudget: blockBytes)
        try writer.append([column], rows: 10_000) // raw: nothing stored raw yet
        let afterFirst = try fileSize(folder + "/t.cells")
        #expect(afterFirst == CellSpool.frameHeaderBytes + blockBytes)
        try writer.append([column], rows: 10_000) // compressed: the budget is used up
        try writer.finish()
        let second = try fileSize(folder + "/t.cells") - afterFirst
        #expect(second > CellSpool.frameHeaderBytes && second < 15_000, "the second block takes \(second) bytes")

        let reader = try CellSpoolReader(path: folder + "/t.cells")
        let first = try #require(try reader.next(firstRow: 0))
        let next = try #require(try reader.next(firstRow: 10_000))
        #expect(first.batch.rowCount == 10_000 && next.batch.rowCount == 10_000 && next.batch.firstRow == 10_000)
        #expect(cells(first.batch.columns[0], rows: 10_000) == cells(column))
        #expect(cells(next.batch.columns[0], rows: 10_000) == cells(column))
        #expect(try reader.next(firstRow: 20_000) == nil)
        withExtendedLifetime((first, next)) {}
    }

    @Test("a raw budget of 0 compresses every block")
    func zeroBudgetCompressesAll() throws {
        let folder = try TestSupport.temporaryDirectory("cells")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let writer = try CellSpoolWriter(path: folder + "/t.cells", rawBudget: 0)
        try writer.append([dates()], rows: 10_000)
        try writer.append([dates()], rows: 10_000)
        try writer.finish()
        #expect(try fileSize(folder + "/t.cells") < 30_000)
    }

    @Test("a raw block whose stored size is not its size is damaged, named with its file")
    func rawBlockWithWrongSizeIsDamaged() throws {
        let folder = try TestSupport.temporaryDirectory("cells")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/t.cells"
        let writer = try CellSpoolWriter(path: path, rawBudget: 1 << 30)
        try writer.append([dates()], rows: 10_000)
        try writer.finish()
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        var stored = 100
        try handle.write(contentsOf: Data(bytes: &stored, count: 8))
        try handle.close()
        do {
            _ = try CellSpoolReader(path: path).next(firstRow: 0)
            Issue.record("a damaged block was read")
        } catch let error as HostError {
            #expect(error.message == "the cell spool '\(path)' is damaged: a raw block stores 100 bytes, not its 135800")
        }
    }

    @Test("the raw budget is ETL_CELL_SPOOL_RAW_MIB mebibytes when that is a number >= 0, else 0")
    func budgetFromEnvironment() {
        #expect(CellSpool.rawBudget([:]) == 0)
        #expect(CellSpool.rawBudget(["ETL_CELL_SPOOL_RAW_MIB": "0"]) == 0)
        #expect(CellSpool.rawBudget(["ETL_CELL_SPOOL_RAW_MIB": "128"]) == 128 << 20)
        #expect(CellSpool.rawBudget(["ETL_CELL_SPOOL_RAW_MIB": "lots"]) == 0)
        #expect(CellSpool.rawBudget(["ETL_CELL_SPOOL_RAW_MIB": "-1"]) == 0)
    }
}

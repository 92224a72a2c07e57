import ETLHost
import ETLTestSupport
import Foundation
import Testing

@Suite struct SpoolFileTests {
    @Test func batchesRoundTripCellByCell() throws {
        let path = try TestSupport.temporaryDirectory("spool") + "/s.spool"
        let writer = try SpoolWriter(path: path)
        var names = CellColumn(name: "name")
        names.append(.untyped, "Ada")
        names.appendNull()
        names.append(.string, "🙂 \"quoted\"\r\n")
        var empty = CellColumn(name: "")
        empty.append(.json, "{\"a\":[1,2]}")
        empty.append(.untyped, "")
        empty.append(.number, "1e3")
        try writer.append([names, empty], rows: 3)
        var second = CellColumn(name: "late")
        second.append(.boolean, "true")
        try writer.append([second], rows: 1)
        try writer.finish()

        let reader = try SpoolReader(path: path)
        let first = try #require(try reader.next())
        #expect(first.rowCount == 3)
        #expect(first.firstRow == 0)
        #expect(first.columns.map(\.name) == ["name", ""])
        func text(_ column: CellBatch.Column, _ row: Int) -> String { String(decoding: column.value(row), as: UTF8.self) }
        #expect((0 ..< 3).map { first.columns[0].kind($0) } == [.untyped, .null, .string])
        #expect((0 ..< 3).map { text(first.columns[0], $0) } == ["Ada", "", "🙂 \"quoted\"\r\n"])
        #expect((0 ..< 3).map { first.columns[1].kind($0) } == [.json, .untyped, .number])
        #expect((0 ..< 3).map { text(first.columns[1], $0) } == ["{\"a\":[1,2]}", "", "1e3"])
        let next = try #require(try reader.next())
        #expect(next.firstRow == 3)
        #expect(next.columns.map(\.name) == ["late"])
        #expect(text(next.columns[0], 0) == "true")
        #expect(try reader.next() == nil)
    }

    @Test func aDamagedSpoolIsAnErrorNamingTheFile() throws {
        let path = try TestSupport.temporaryDirectory("spool") + "/bad.spool"
        try Data("SPB1\u{1}\u{0}".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: HostError(.io, "the spool file '\(path)' is damaged: truncated batch header")) {
            _ = try SpoolReader(path: path).next()
        }
    }
}

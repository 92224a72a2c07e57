@testable import ETLHost
import Testing

@Suite struct FlatBufferTests {
    @Test func aTableOfScalarsIsLaidOutAlignedWithItsVtableFirst() throws {
        var table = FlatTable()
        table.set(0, int16: 7)
        table.set(2, int64: -2)
        let bytes = FlatBufferEncoder.encode(root: table)
        // root offset, vtable (size 10: 3 slots), padding, table: soffset, int64, int16, padding.
        #expect(bytes == [
            16, 0, 0, 0,                       // root -> table at 16
            10, 0, 18, 0, 16, 0, 0, 0, 8, 0,   // vtable: 10 bytes, table 18 bytes; slot0 at 16, slot1 absent, slot2 at 8
            0, 0,                              // pad to 8
            12, 0, 0, 0,                       // soffset: vtable is 12 bytes before
            0, 0, 0, 0,                        // pad so the int64 is aligned
            0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
            7, 0,
            0, 0, 0, 0, 0, 0,                  // pad the buffer to a multiple of 8
        ])
        try bytes.withUnsafeBytes { buffer in
            let view = try FlatTableView(root: buffer)
            #expect(try view.scalar(0, default: Int16(0)) == 7)
            #expect(try view.scalar(1, default: Int32(99)) == 99)
            #expect(try view.scalar(2, default: Int64(0)) == -2)
            #expect(try view.scalar(9, default: UInt8(5)) == 5)
        }
    }

    @Test func stringsTablesAndVectorsRoundTrip() throws {
        var child = FlatTable()
        child.set(0, string: "ünïcode 🙂")
        child.set(1, bool: true)
        var empty = FlatTable()
        empty.set(3, uint8: 9)
        var root = FlatTable()
        root.set(0, table: child)
        root.set(1, tables: [child, empty])
        root.set(2, structs: FlatBytes.littleEndian(Int64(1)) + FlatBytes.littleEndian(Int64(2)), count: 2, alignment: 8)
        root.set(3, string: "")
        root.set(4, tables: [])
        let bytes = FlatBufferEncoder.encode(root: root)
        #expect(bytes.count % 8 == 0)
        try bytes.withUnsafeBytes { buffer in
            let view = try FlatTableView(root: buffer)
            let nested = try #require(try view.table(0))
            #expect(try nested.string(0) == "ünïcode 🙂")
            #expect(try nested.bool(1, default: false))
            let list = try view.tables(1)
            #expect(list.count == 2)
            #expect(try list[0].string(0) == "ünïcode 🙂")
            #expect(try list[1].scalar(3, default: UInt8(0)) == 9)
            #expect(try list[1].string(0) == nil)
            let (count, start) = try #require(try view.vector(2, elementSize: 8))
            #expect(count == 2)
            #expect(start % 8 == 0)
            #expect(try FlatTableView.load(Int64.self, buffer, at: start + 8) == 2)
            #expect(try view.string(3) == "")
            #expect(try view.tables(4).isEmpty)
            #expect(try view.tables(7).isEmpty)
        }
    }

    @Test func anOffsetOutsideTheBufferIsAnErrorNotACrash() throws {
        var root = FlatTable()
        root.set(0, string: "abc")
        var bytes = FlatBufferEncoder.encode(root: root)
        bytes[0] = 200
        #expect(throws: ArrowIPCError.self) {
            try bytes.withUnsafeBytes { _ = try FlatTableView(root: $0) }
        }
        var stringLength = FlatBufferEncoder.encode(root: root)
        // The string's length is the 4 bytes before "abc".
        let at = try #require(stringLength.firstIndex(of: UInt8(ascii: "a"))) - 4
        stringLength[at] = 250
        #expect(throws: ArrowIPCError.self) {
            try stringLength.withUnsafeBytes { _ = try FlatTableView(root: $0).string(0) }
        }
    }
}

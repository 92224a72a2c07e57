import ETLPluginKit
import Testing

@Suite("ArrowBatchBuilder")
struct ArrowBatchBuilderTests {
    static let allTypes = [
        ArrowField("flag", .bool), ArrowField("id", .int64), ArrowField("price", .float64),
        ArrowField("name", .utf8), ArrowField("blob", .binary), ArrowField("day", .date32),
        ArrowField("at", .timestampMicrosecondsUTC), ArrowField("nothing", .null),
    ]

    @Test("every type round-trips through the C structs, with nulls")
    func everyTypeRoundTrips() throws {
        let builder = try ArrowBatchBuilder(fields: Self.allTypes, capacity: 1)
        // Row 1: values; row 2: nulls; rows 3...: values again, enough to
        // cross byte boundaries of the bitmaps and force buffer growth.
        for row in 0..<100 {
            if row == 1 {
                for _ in 0..<8 { builder.appendNull() }
            } else {
                builder.append(row % 3 == 0)
                builder.append(Int64(row) * -1_000_000_007)
                builder.append(Double(row) + 0.25)
                builder.appendText(row == 2 ? "" : "näme \(row) 😀")
                builder.appendBinary([UInt8(row), 0, 255])
                builder.appendDate32(daysSinceEpoch: Int32(19_000 + row))
                builder.appendTimestamp(microsecondsSinceEpoch: 1_700_000_000_000_000 + Int64(row))
                builder.appendNull()
            }
            try builder.endRow()
        }
        #expect(builder.rowCount == 100)
        let batch = try roundTrip(builder)
        #expect(builder.rowCount == 0)
        #expect(batch.rowCount == 100)
        #expect(batch.columnNames == ["flag", "id", "price", "name", "blob", "day", "at", "nothing"])
        #expect(batch.schema.fields.map(\.type) == Self.allTypes.map(\.type))
        for column in 0..<7 { #expect(batch.nullCount(column: column) == 1) }
        #expect(batch.nullCount(column: 7) == 100)
        for row in 0..<100 {
            if row == 1 {
                for column in 0..<8 { #expect(batch.isNull(row: row, column: column)) }
                #expect(batch.int64(row: row, column: 1) == nil)
                #expect(batch.string(row: row, column: 3) == nil)
                continue
            }
            #expect(batch.bool(row: row, column: 0) == (row % 3 == 0))
            #expect(batch.int64(row: row, column: 1) == Int64(row) * -1_000_000_007)
            #expect(batch.double(row: row, column: 2) == Double(row) + 0.25)
            #expect(batch.string(row: row, column: 3) == (row == 2 ? "" : "näme \(row) 😀"))
            #expect(batch.binary(row: row, column: 4).map(Array.init) == [UInt8(row), 0, 255])
            #expect(batch.date32(row: row, column: 5) == Int32(19_000 + row))
            #expect(batch.timestamp(row: row, column: 6) == 1_700_000_000_000_000 + Int64(row))
            #expect(batch.isNull(row: row, column: 7))
        }
    }

    @Test("an empty string is not a null, and utf8 bytes come back without copying")
    func emptyStringsAndRawBytes() throws {
        let builder = try ArrowBatchBuilder(fields: [ArrowField("s", .utf8)])
        builder.appendText("")
        try builder.endRow()
        builder.appendText(nil)
        try builder.endRow()
        builder.appendText("日本語")
        try builder.endRow()
        let batch = try roundTrip(builder)
        #expect(batch.string(row: 0, column: 0) == "")
        #expect(batch.utf8(row: 0, column: 0)?.count == 0)
        #expect(batch.string(row: 1, column: 0) == nil)
        #expect(batch.utf8(row: 2, column: 0).map(Array.init) == Array("日本語".utf8))
        #expect(batch.column(0).nullCount == 1)
    }

    @Test("appendUTF8Values fills the next utf8 columns in one call, a negative length a null; a wrong column is the usual error")
    func utf8Values() throws {
        let builder = try ArrowBatchBuilder(fields: [ArrowField("n", .int64), ArrowField("a", .utf8), ArrowField("b", .utf8),
                                                     ArrowField("c", .utf8)])
        let texts: [[UInt8]] = [Array("x".utf8), [], Array("ü z".utf8)]
        let lengths = [1, -1, 4]
        try texts[0].withUnsafeBytes { x in
            try texts[2].withUnsafeBytes { z in
                let starts: [UnsafeRawPointer?] = [x.baseAddress, nil, z.baseAddress]
                builder.append(Int64(7))
                builder.appendUTF8Values(starts: starts, lengths: lengths, count: 3)
                try builder.endRow()
                builder.appendUTF8Values(starts: starts, lengths: [0, 0, -1], count: 3)
                #expect(throws: PluginError.self) { try builder.endRow() }
            }
        }
        let batch = try roundTrip(builder)
        #expect(batch.rowCount == 1)
        #expect(batch.int64(row: 0, column: 0) == 7)
        #expect(batch.string(row: 0, column: 1) == "x")
        #expect(batch.string(row: 0, column: 2) == nil)
        #expect(batch.string(row: 0, column: 3) == "ü z")
    }

    @Test("columns without nulls carry no validity bitmap; bools are bit-packed")
    func bufferLayout() throws {
        let builder = try ArrowBatchBuilder(fields: [ArrowField("b", .bool), ArrowField("s", .utf8)])
        for value in [true, false, true, true, false, false, false, true, true] {
            builder.append(value)
            builder.appendText(value ? "yes" : "no")
            try builder.endRow()
        }
        let exported = try ExportedBatch(builder)
        #expect(exported.array.n_buffers == 1)
        #expect(exported.array.buffers[0] == nil)
        let bits = exported.child(0)
        #expect(bits.pointee.n_buffers == 2)
        #expect(bits.pointee.null_count == 0)
        #expect(bits.pointee.buffers[0] == nil)
        let packed = exported.buffer(0, 1, as: UInt8.self)
        #expect(packed[0] == 0b1000_1101)
        #expect(packed[1] & 1 == 1)
        let text = exported.child(1)
        #expect(text.pointee.n_buffers == 3)
        let offsets = exported.buffer(1, 1, as: Int32.self)
        #expect((0...3).map { offsets[$0] } == [0, 3, 5, 8])
        #expect(exported.schema.n_children == 2)
        #expect(String(cString: exported.schema.format) == "+s")
        #expect(String(cString: exported.schema.children[1]!.pointee.format) == "u")
        #expect(exported.schema.children[1]!.pointee.flags == Int64(ARROW_FLAG_NULLABLE))
    }

    @Test("a zero-row batch is valid")
    func zeroRows() throws {
        let builder = try ArrowBatchBuilder(fields: Self.allTypes)
        let batch = try roundTrip(builder)
        #expect(batch.rowCount == 0)
        #expect(batch.columnCount == 8)
    }

    @Test("the builder is reusable after finish, and the earlier batch stays intact")
    func reuseAfterFinish() throws {
        let builder = try ArrowBatchBuilder(fields: [ArrowField("n", .int64), ArrowField("s", .utf8)])
        for n in 0..<1000 {
            builder.append(n)
            builder.appendText("row \(n)")
            try builder.endRow()
        }
        let first = try roundTrip(builder)
        builder.append(Int64(7))
        builder.appendNull()
        try builder.endRow()
        let second = try roundTrip(builder)
        #expect(first.rowCount == 1000)
        #expect(first.int64(row: 999, column: 0) == 999)
        #expect(first.string(row: 999, column: 1) == "row 999")
        #expect(second.rowCount == 1)
        #expect(second.int64(row: 0, column: 0) == 7)
        #expect(second.string(row: 0, column: 1) == nil)
        #expect(second.nullCount(column: 1) == 1)
    }

    @Test("endRow rejects a missing value and drops the row")
    func missingValue() throws {
        let builder = try ArrowBatchBuilder(fields: [ArrowField("id", .int64), ArrowField("name", .utf8)])
        builder.append(Int64(1))
        builder.appendText("kept")
        try builder.endRow()
        builder.append(Int64(2))
        let error = pluginError { try builder.endRow() }
        #expect(error == PluginError(.invalidArgument,
            "row 2 has values for 1 of 2 columns; append one value (or appendNull) for column \"name\" "
                + "and the rest before endRow()"))
        #expect(builder.rowCount == 1)
        builder.append(Int64(3))
        builder.appendText("after")
        try builder.endRow()
        let batch = try roundTrip(builder)
        #expect(batch.rowCount == 2)
        #expect(batch.string(row: 0, column: 1) == "kept")
        #expect(batch.int64(row: 1, column: 0) == 3)
        #expect(batch.string(row: 1, column: 1) == "after")
    }

    @Test("endRow rejects a value too many")
    func tooManyValues() throws {
        let builder = try ArrowBatchBuilder(fields: [ArrowField("id", .int64)])
        builder.append(Int64(1))
        builder.append(Int64(2))
        #expect(errorMessage { try builder.endRow() }
            == "row 1 got more values than its 1 columns; call endRow() after the last column")
        #expect(try roundTrip(builder).rowCount == 0)
    }

    @Test("endRow rejects a value of the wrong type; the nulls of the dropped row are undone")
    func wrongType() throws {
        let builder = try ArrowBatchBuilder(fields: [ArrowField("s", .utf8), ArrowField("id", .int64)])
        builder.appendText("a")
        builder.append(Int64(1))
        try builder.endRow()
        builder.appendNull()
        builder.appendText("oops")
        #expect(errorMessage { try builder.endRow() }
            == "column \"id\" is int64, but row 2 appended a utf8 value to it")
        builder.appendText("b")
        builder.append(Int64(2))
        try builder.endRow()
        let batch = try roundTrip(builder)
        #expect(batch.rowCount == 2)
        #expect(batch.nullCount(column: 0) == 0)
        #expect(batch.string(row: 1, column: 0) == "b")
    }

    @Test("appendUTF8 validates unless told the bytes are valid")
    func invalidUTF8() throws {
        let builder = try ArrowBatchBuilder(fields: [ArrowField("s", .utf8)])
        let bad: [UInt8] = [0x61, 0x62, 0xC3, 0x28]
        bad.withUnsafeBytes { builder.appendUTF8($0) }
        let error = pluginError { try builder.endRow() }
        #expect(error == PluginError(.data, "column \"s\", row 1: the value is not valid UTF-8 (byte 3)"))
        Array("ok".utf8).withUnsafeBytes { builder.appendUTF8($0) }
        try builder.endRow()
        #expect(try roundTrip(builder).string(row: 0, column: 0) == "ok")
    }

    @Test("finish refuses a half-built row")
    func finishMidRow() throws {
        let builder = try ArrowBatchBuilder(fields: [ArrowField("a", .int64), ArrowField("b", .int64)])
        builder.append(Int64(1))
        var array = ArrowArray()
        #expect(errorMessage { try builder.finish(into: &array) }
            == "finish() was called in the middle of row 1 (1 of 2 values appended); call endRow() or "
                + "discardRow() first")
        #expect(array.release == nil)
        builder.discardRow()
        #expect(try roundTrip(builder).rowCount == 0)
    }

    @Test("an annotation on a non-utf8 column is refused")
    func annotationNeedsUTF8() {
        #expect(errorMessage { _ = try ArrowBatchBuilder(fields: [ArrowField("n", .int64, annotation: .json)]) }
            == "column \"n\": the json annotation needs a utf8 column (format \"u\"), but the column is "
                + "int64 (format \"l\")")
    }

    @Test("annotations travel in the exported schema's metadata")
    func annotationsRoundTrip() throws {
        let fields = [
            ArrowField("doc", .utf8, annotation: .json),
            ArrowField("raw", .utf8, annotation: .untyped),
            ArrowField("amount", .utf8, annotation: .decimal(precision: 12, scale: 2)),
            ArrowField("record", .utf8, annotation: .record),
            ArrowField("plain", .utf8, metadata: ["owner": "me"]),
        ]
        let builder = try ArrowBatchBuilder(fields: fields)
        let batch = try roundTrip(builder)
        #expect(batch.schema.fields.map(\.annotation)
            == [.json, .untyped, .decimal(precision: 12, scale: 2), .record, nil])
        #expect(batch.schema.fields[2].metadata == ["etl.decimal": "12,2"])
        #expect(batch.schema.fields[0].metadata == ["ARROW:extension:name": "arrow.json"])
        #expect(batch.schema.fields[4].metadata["owner"] == "me")
        #expect(batch.schema == ArrowBatchSchema(fields))
    }
}

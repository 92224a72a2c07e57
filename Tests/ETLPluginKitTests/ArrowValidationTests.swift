import ETLPluginKit
import Testing

@Suite("ImportedBatch validation")
struct ArrowValidationTests {
    /// Three rows: id int64 (1, null, 3), name utf8 ("ab", "", "é").
    func sample() throws -> ExportedBatch {
        let builder = try ArrowBatchBuilder(fields: [ArrowField("id", .int64), ArrowField("name", .utf8)])
        builder.append(Int64(1)); builder.appendText("ab"); try builder.endRow()
        builder.appendNull(); builder.appendText(""); try builder.endRow()
        builder.append(Int64(3)); builder.appendText("é"); try builder.endRow()
        return try ExportedBatch(builder)
    }

    @Test("the unmodified sample is valid")
    func validSample() throws {
        #expect(try sample().validationError() == nil)
    }

    @Test("non-monotonic offsets are caught, naming the column")
    func badOffsets() throws {
        let batch = try sample()
        batch.buffer(1, 1, as: Int32.self)[2] = 1  // offsets 0, 2, 1, 4
        #expect(batch.validationError()
            == "column 2 (\"name\", utf8): offsets are not monotonic at row 2 (2 then 1)")
    }

    @Test("a negative first offset is caught")
    func negativeOffset() throws {
        let batch = try sample()
        batch.buffer(1, 1, as: Int32.self)[0] = -1
        #expect(batch.validationError() == "column 2 (\"name\", utf8): offset 0 is negative (-1)")
    }

    @Test("a wrong n_buffers is caught")
    func wrongBufferCount() throws {
        let batch = try sample()
        batch.child(1).pointee.n_buffers = 2
        #expect(batch.validationError()
            == "column 2 (\"name\", utf8): has n_buffers = 2; a utf8 array has 3")
    }

    @Test("invalid UTF-8 is caught, naming the row")
    func invalidUTF8() throws {
        let batch = try sample()
        batch.buffer(1, 2, as: UInt8.self)[2] = 0xFF  // "é" is bytes 2...3
        #expect(batch.validationError() == "column 2 (\"name\", utf8): row 3 is not valid UTF-8")
    }

    @Test("a value starting inside a character is invalid even if the whole is valid")
    func splitCharacter() throws {
        let batch = try sample()
        let offsets = batch.buffer(1, 1, as: Int32.self)
        offsets[1] = 3  // row 1 = "ab" + first byte of "é", row 3 = second byte
        offsets[2] = 3
        #expect(batch.validationError()
            == "column 2 (\"name\", utf8): row 2 is not valid UTF-8 (it starts in the middle of a character)")
    }

    @Test("a null_count that disagrees with the bitmap is caught; -1 (unknown) is accepted")
    func nullCount() throws {
        let batch = try sample()
        batch.child(0).pointee.null_count = 2
        #expect(batch.validationError()
            == "column 1 (\"id\", int64): null_count is 2 but the validity bitmap has 1 nulls")
        batch.child(0).pointee.null_count = -1
        #expect(batch.validationError() == nil)
        batch.child(1).pointee.null_count = 1
        #expect(batch.validationError()
            == "column 2 (\"name\", utf8): null_count is 1 but there is no validity bitmap")
    }

    @Test("nulls in a column declared non-nullable are caught")
    func nonNullable() throws {
        let batch = try sample()
        batch.schema.children[0]!.pointee.flags = 0
        #expect(batch.validationError() == "column 1 (\"id\", int64): the schema says the column has no nulls "
            + "(flags without ARROW_FLAG_NULLABLE), but it has 1")
        batch.schema.children[1]!.pointee.flags = 0
        batch.schema.children[0]!.pointee.flags = Int64(ARROW_FLAG_NULLABLE)
        #expect(batch.validationError() == nil)
    }

    @Test("a child shorter than the batch is caught")
    func shortChild() throws {
        let batch = try sample()
        batch.child(0).pointee.length = 2
        batch.child(0).pointee.null_count = -1
        #expect(batch.validationError()
            == "column 1 (\"id\", int64): has length 2 but the batch needs 3 (offset 0 + 3 rows)")
    }

    @Test("a column count that differs from the schema is caught")
    func columnCount() throws {
        let batch = try sample()
        batch.array.n_children = 1
        #expect(batch.validationError() == "the batch has 1 columns but its schema has 2 (id, name)")
        batch.array.n_children = 2
    }

    @Test("a released array is refused")
    func releasedArray() throws {
        let batch = try sample()
        let release = batch.array.release
        batch.array.release = nil
        #expect(batch.validationError() == "the batch was already released (release is NULL)")
        batch.array.release = release
    }

    @Test("a format outside ABI v1 is caught when the schema is imported")
    func unknownFormat() throws {
        let batch = try sample()
        let decimal = "d:12,2"
        decimal.withCString { format in
            batch.schema.children[1]!.pointee.format = format
            #expect(batch.validationError() == "schema column 2 (\"name\"): format \"d:12,2\" is not in "
                + "ABI v1; use one of \"b\", \"l\", \"g\", \"u\", \"z\", \"tdD\", \"tsu:UTC\", \"n\"")
        }
        // The storage frees its own copy of the format, not this pointer.
    }

    @Test("a schema that is not a struct is refused")
    func notStruct() throws {
        let batch = try sample()
        "l".withCString { format in
            batch.schema.format = format
            #expect(batch.validationError() == "a batch schema must have format \"+s\" (struct), got \"l\"")
        }
    }

    @Test("a column without a name is refused")
    func unnamedColumn() throws {
        let batch = try sample()
        batch.schema.children[0]!.pointee.name = nil
        #expect(batch.validationError()
            == "schema column 1: the name is NULL; every column needs a name")
    }

    @Test("bad annotation metadata is refused by the builder and on import")
    func badAnnotation() throws {
        let field = ArrowField("x", .utf8, metadata: ["etl.decimal": "wide"])
        let reason = "metadata etl.decimal must be \"<precision>,<scale>\" with 0 <= scale <= precision, "
            + "e.g. \"12,2\"; got \"wide\""
        #expect(errorMessage { _ = try ArrowBatchBuilder(fields: [field]) } == "column \"x\": " + reason)
        var schema = ArrowSchema()
        ArrowBatchSchema([field]).export(to: &schema)
        defer { schema.release(&schema) }
        #expect(errorMessage { _ = try ArrowBatchSchema(importing: &schema) }
            == "schema column 1 (\"x\"): " + reason)
    }

    @Test("the batch offset and the child offsets are honoured")
    func offsets() throws {
        let builder = try ArrowBatchBuilder(fields: [ArrowField("n", .int64), ArrowField("s", .utf8),
                                                     ArrowField("b", .bool)])
        for n in 0..<10 {
            if n == 6 { builder.appendNull() } else { builder.append(n) }
            builder.appendText("v\(n)")
            builder.append(n % 2 == 0)
            try builder.endRow()
        }
        let batch = try ExportedBatch(builder)
        // Rows 3..<8 of the batch; column "s" additionally shifted by one.
        batch.array.offset = 3
        batch.array.length = 5
        batch.child(1).pointee.offset = 1
        batch.child(1).pointee.length = 9
        var array = batch.array
        batch.array.release = nil
        let imported = try ImportedBatch(taking: &array, schema: &batch.schema)
        #expect(imported.rowCount == 5)
        #expect((0..<5).map { imported.int64(row: $0, column: 0) } == [3, 4, 5, nil, 7])
        #expect((0..<5).map { imported.string(row: $0, column: 1) } == ["v4", "v5", "v6", "v7", "v8"])
        #expect((0..<5).map { imported.bool(row: $0, column: 2) } == [false, true, false, true, false])
        #expect(imported.nullCount(column: 0) == 1)
    }
}

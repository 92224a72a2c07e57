import CETLPlugin
@testable import ETLConformance
import ETLHost
import ETLPluginKit
import Foundation
import Testing

/// The parts of the conformance suite that judge what a plugin returned:
/// config schemas, catalogs, Arrow batches, release accounting.
@Suite struct ConformanceAuditTests {
    // MARK: Config schemas

    @Test func aValidSchemaHasNoProblems() {
        let audit = ConfigSchemaAudit(#"""
            {"type": "object", "required": ["path"], "additionalProperties": false,
             "properties": {"path": {"type": "string", "description": "a file"},
                            "size": {"type": "integer", "minimum": 0, "default": 5},
                            "mode": {"type": "string", "enum": ["a", "b"]},
                            "token": {"type": "string", "x-secret": true}}}
            """#)
        #expect(audit.problems == [])
        #expect(audit.notes == [])
    }

    @Test func invalidKeywordsAreProblemsAndUnknownOnesNotes() {
        let audit = ConfigSchemaAudit(#"""
            {"type": "object", "required": "path", "additionalProperties": false,
             "properties": {"path": {"type": "text"}, "n": {"type": "integer", "enum": [1, "two"], "minimum": "0"},
                            "flag": {"type": "boolean", "requird": true}}}
            """#)
        #expect(audit.problems == [
            "config_schema.properties.n.minimum must be a number, got a string",
            "config_schema.properties.n.enum: \"two\" is not an integer, so it can never be valid",
            "config_schema.properties.path.type: \"text\" is not a JSON Schema type (array, boolean, integer, null, number, object, string)",
            "config_schema.required must be an array of key names (strings), got \"path\"",
        ])
        #expect(audit.notes == ["config_schema.properties.flag.requird is not a JSON Schema keyword (ignored; a typo?)"])
    }

    @Test func aSchemaThatNoConfigCanSatisfyIsAProblem() {
        let notJSON = ConfigSchemaAudit("{type: object}")
        #expect(notJSON.problems == ["config_schema is not valid JSON"])
        let array = ConfigSchemaAudit(#"["object"]"#)
        #expect(array.problems == ["config_schema must be a JSON object (a schema of the config object), got an array"])
        let impossible = ConfigSchemaAudit(#"{"type": "object", "required": ["path"], "additionalProperties": false, "properties": {}}"#)
        #expect(impossible.problems == ["config_schema: required key \"path\" is not in \"properties\" while "
            + "\"additionalProperties\" is false: no config can be valid"])
        let string = ConfigSchemaAudit(#"{"type": "string"}"#)
        #expect(string.problems == ["config_schema: \"type\" is \"string\" but configs are JSON objects: use \"object\""])
    }

    @Test func badConfigsAreDerivedFromTheSchemaAndTheGoodConfig() {
        let audit = ConfigSchemaAudit(#"""
            {"type": "object", "required": ["path"], "additionalProperties": false,
             "properties": {"path": {"type": "string"}, "size": {"type": "integer"}}}
            """#)
        let withGood = audit.badConfigs(good: ["path": .string("a.csv"), "size": .integer(3)])
        #expect(withGood.map(\.json) == [
            #"{"size":3}"#, #"{"path":42,"size":3}"#, #"{"_etl_conformance_unknown_key":true,"path":"a.csv","size":3}"#,
        ])
        #expect(withGood.map(\.mustFail) == [true, true, false])
        let withoutGood = audit.badConfigs(good: nil)
        #expect(withoutGood.map(\.json) == ["{}", #"{"path":42}"#])
        let open = ConfigSchemaAudit(#"{"type": "object"}"#)
        #expect(open.badConfigs(good: [:]).isEmpty)
    }

    // MARK: Catalogs

    @Test func catalogs() {
        let good = CatalogAudit(#"""
            {"streams": [{"name": "a", "primary_key": ["id"], "cursor_field": "at",
                          "fields": [{"name": "id", "type": "integer"}, {"name": "at"}]}, {"name": "b"}]}
            """#)
        #expect(good.problems == [])
        #expect(good.streams == ["a", "b"])
        #expect(good.primaryKeys == ["a": ["id"]])
        let bad = CatalogAudit(#"""
            {"streams": [{"name": "a", "primary_key": "id", "fields": [{"name": "x", "type": "int"}, {"type": "string"}]},
                         {"name": "a"}, {"primary_key": []}]}
            """#)
        #expect(bad.problems == [
            "catalog stream 'a': primary_key must be an array of column names",
            "catalog stream 'a': field \"x\": type \"int\" is not a type hint of the contract (binary, boolean, date, "
                + "decimal, integer, json, null, number, string, timestamp)",
            "catalog stream 'a': field 2 has no name",
            "catalog stream 'a' is listed twice",
            "catalog stream 3 has no name (a non-empty string)",
        ])
        #expect(CatalogAudit("[]").problems == ["the catalog must be a JSON object {\"streams\": [...]}"])
        #expect(CatalogAudit("{}").problems == ["the catalog has no \"streams\" array"])
    }

    // MARK: Arrow

    static let schema = ArrowBatchSchema([ArrowField("id", .int64, nullable: false), ArrowField("name", .utf8)])

    /// A batch of ids 1... with names, from the kit's builder.
    private func batch(_ names: [String?]) throws -> UnsafeMutablePointer<ArrowArray> {
        let builder = try ArrowBatchBuilder(schema: Self.schema)
        for (index, name) in names.enumerated() {
            builder.append(Int64(index + 1))
            builder.appendText(name)
            try builder.endRow()
        }
        let array = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
        try builder.finish(into: array)
        return array
    }

    private func free(_ array: UnsafeMutablePointer<ArrowArray>) {
        if let release = array.pointee.release { release(array) }
        array.deallocate()
    }

    @Test func aWellFormedBatchHasNoProblems() throws {
        let array = try batch(["one", nil, "Zoë"])
        defer { free(array) }
        var audit = ArrowAudit()
        #expect(audit.batch(array, schema: Self.schema) == [])
    }

    @Test func offsetsAndUTF8AreCheckedValueByValue() throws {
        var audit = ArrowAudit()
        let backwards = try batch(["one", "two", "three"])
        defer { free(backwards) }
        let offsets = UnsafeMutablePointer(mutating: backwards.pointee.children[1]!.pointee.buffers[1]!
            .assumingMemoryBound(to: Int32.self))
        offsets[2] = 1
        #expect(audit.batch(backwards, schema: Self.schema)
            == ["column 2 (\"name\", utf8): offsets are not monotonic: offset[2]=1 < offset[1]=3"])

        let invalid = try batch(["one", "two"])
        defer { free(invalid) }
        let data = UnsafeMutablePointer(mutating: invalid.pointee.children[1]!.pointee.buffers[2]!
            .assumingMemoryBound(to: UInt8.self))
        data[4] = 0xFF
        #expect(audit.batch(invalid, schema: Self.schema)
            == ["column 2 (\"name\", utf8): row 2 is not valid UTF-8 (byte 2 of the value, 0xFF; offset[1]=3..offset[2]=6)"])

        let far = try batch(["one", "two"])
        defer {
            UnsafeMutablePointer(mutating: far.pointee.children[1]!.pointee.buffers[1]!
                .assumingMemoryBound(to: Int32.self))[2] = 6
            free(far)
        }
        UnsafeMutablePointer(mutating: far.pointee.children[1]!.pointee.buffers[1]!
            .assumingMemoryBound(to: Int32.self))[2] = 0x7FFF_FF00
        let problems = audit.batch(far, schema: Self.schema)
        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("column 2 (\"name\", utf8): offset[2]=2147483392 is past the end of the data "
            + "buffer (buffers[2]): readable memory ends ") == true, "\(problems)")
    }

    @Test func countsAndShapesAreChecked() throws {
        var audit = ArrowAudit()
        let array = try batch(["one", nil])
        defer { free(array) }
        array.pointee.children[1]!.pointee.null_count = 0
        #expect(audit.batch(array, schema: Self.schema)
            == ["column 2 (\"name\", utf8): null_count is 0 but the validity bitmap has 1 nulls"])
        array.pointee.children[1]!.pointee.null_count = 1
        array.pointee.children[0]!.pointee.length = 1
        #expect(audit.batch(array, schema: Self.schema)
            == ["column 1 (\"id\", int64): its length is 1 but the batch needs 2 (offset 0 + 2 rows)"])
        array.pointee.children[0]!.pointee.length = 2
        let wider = ArrowBatchSchema(Self.schema.fields + [ArrowField("more", .bool)])
        #expect(audit.batch(array, schema: wider) == ["the batch has 2 columns but its schema has 3 (id, name, more)"])
    }

    @Test func schemasOutsideTheV1TypesAreRefused() {
        var audit = ArrowAudit()
        var schema = ArrowSchema()
        Self.schema.export(to: &schema)
        defer { schema.release(&schema) }
        let original = schema.children[1]!.pointee.format
        schema.children[1]!.pointee.format = UnsafePointer(strdup("i"))
        defer {
            Foundation.free(UnsafeMutablePointer(mutating: schema.children[1]!.pointee.format))
            schema.children[1]!.pointee.format = original
        }
        guard case .failure(let problem) = audit.schema(&schema) else {
            Issue.record("a schema with format \"i\" passed")
            return
        }
        #expect(problem.description.hasPrefix("schema column 2 (\"name\"): format \"i\" is not in ABI v1"))
    }

    // MARK: Release accounting

    @Test func theLedgerCountsEachChildOnce() throws {
        var memory = MemoryMap()
        let array = try batch(["one", "two"])
        defer { array.deallocate() }
        let keys = ReleaseLedger.shared.interposeChildren(of: array, label: "batch 1", columnNames: ["id", "name"], memory: &memory)
        #expect(keys.count == 2)
        array.pointee.release(array)
        #expect(ReleaseLedger.shared.settle(keys) == [])
    }

    @Test func theLedgerReportsDoubleAndMissingReleases() throws {
        var memory = MemoryMap()
        let array = try batch(["one", "two"])
        defer {
            array.pointee.release(array)
            array.deallocate()
        }
        let keys = ReleaseLedger.shared.interposeChildren(of: array, label: "batch 1", columnNames: ["id", "name"], memory: &memory)
        let first = array.pointee.children[0]!
        let trampoline = first.pointee.release!
        trampoline(first)
        trampoline(first)  // a second call: counted, not forwarded
        let second = array.pointee.children[1]!
        second.pointee.release = nil  // the parent now skips it: never released (leaks its buffers)
        #expect(ReleaseLedger.shared.settle(keys) == [
            "batch 1, column 1 (\"id\"): released 2 times (a double release)",
            "batch 1, column 2 (\"name\"): its release was never called after its parent was released (a parent's "
                + "release must release every child it still holds)",
        ])
    }

    @Test func handedBatchesCountReleasesThroughEveryCopy() throws {
        let array = try batch(["one"])
        defer { array.deallocate() }
        let tokens = HandedBatches.shared.track(array, label: "batch 1", columnNames: ["id", "name"])
        #expect(tokens.count == 3)
        #expect(HandedBatches.shared.problems(tokens, when: "yet").first == "batch 1 was never released yet (a leak: "
            + "write() takes ownership and must call release exactly once)")
        var copy = array.pointee  // a consumer that keeps two copies
        array.pointee.release(array)
        copy.release(&copy)
        #expect(HandedBatches.shared.problems(tokens, when: "at all") == ["batch 1 was released 2 times (a double release)"])
        HandedBatches.shared.forget(tokens)
    }

    @Test func theMemoryMapKnowsWhatIsReadable() {
        var memory = MemoryMap()
        let heap = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 8)
        defer { heap.deallocate() }
        let heapReadable = memory.isReadable(heap, count: 64)
        #expect(heapReadable)
        let nullReadable = memory.isReadable(nil, count: 1)
        #expect(!nullReadable)
        let guarded = GuardedMemory(size: 16)
        let structReadable = memory.isReadable(guarded.pointer, count: 16)
        #expect(structReadable)
        let pastTheStruct = memory.readableCount(from: guarded.pointer, count: 17)
        #expect(pastTheStruct == 16)
    }
}

import ETLPluginKit
import Synchronization
import Testing

/// Counts calls to a wrapped `release` of an ArrowArray or ArrowSchema.
/// One spy at a time: the suite using it is serialized.
enum ReleaseSpy {
    nonisolated(unsafe) static var arrayCalls = 0
    nonisolated(unsafe) static var originalArrayRelease: (@convention(c) (UnsafeMutablePointer<ArrowArray>?) -> Void)?

    static func watch(_ array: inout ArrowArray) {
        arrayCalls = 0
        originalArrayRelease = array.release
        array.release = { pointer in
            ReleaseSpy.arrayCalls += 1
            ReleaseSpy.originalArrayRelease?(pointer)
        }
    }
}

@Suite("Release", .serialized)
struct ReleaseTests {
    func batch() throws -> (ArrowArray, ArrowBatchSchema) {
        let builder = try ArrowBatchBuilder(fields: [ArrowField("n", .int64), ArrowField("s", .utf8)])
        builder.append(Int64(1))
        builder.appendText("one")
        try builder.endRow()
        var array = ArrowArray()
        try builder.finish(into: &array)
        return (array, builder.schema)
    }

    @Test("an imported batch releases its array exactly once, when it goes away")
    func importedReleasesOnce() throws {
        var (array, schema) = try batch()
        ReleaseSpy.watch(&array)
        do {
            let imported = try ImportedBatch(taking: &array, schema: schema)
            #expect(array.release == nil)
            #expect(ReleaseSpy.arrayCalls == 0)
            #expect(imported.string(row: 0, column: 1) == "one")
        }
        #expect(ReleaseSpy.arrayCalls == 1)
    }

    @Test("a batch that fails validation is released at once, exactly once")
    func invalidReleasedOnce() throws {
        var (array, _) = try batch()
        ReleaseSpy.watch(&array)
        let wrong = ArrowBatchSchema([ArrowField("n", .int64), ArrowField("s", .bool)])
        #expect(errorMessage { _ = try ImportedBatch(taking: &array, schema: wrong) }
            == "column 2 (\"s\", bool): has n_buffers = 3; a bool array has 2")
        #expect(array.release == nil)
        #expect(ReleaseSpy.arrayCalls == 1)
    }

    @Test("release marks the array released; children moved out are released on their own")
    func childrenReleasedIndependently() throws {
        var (array, _) = try batch()
        var moved = array.children[1]!.pointee
        array.children[1]!.pointee.release = nil
        array.release(&array)
        #expect(array.release == nil)
        // The moved child still has its buffers.
        let offsets = moved.buffers[1]!.assumingMemoryBound(to: Int32.self)
        #expect(offsets[1] == 3)
        #expect(String(decoding: UnsafeRawBufferPointer(start: moved.buffers[2], count: 3), as: UTF8.self) == "one")
        moved.release(&moved)
        #expect(moved.release == nil)
    }

    @Test("schema release frees children, which can also be moved out")
    func schemaRelease() {
        var schema = ArrowSchema()
        ArrowBatchSchema([ArrowField("a", .int64), ArrowField("b", .utf8, annotation: .json)]).export(to: &schema)
        var moved = schema.children[1]!.pointee
        schema.children[1]!.pointee.release = nil
        schema.release(&schema)
        #expect(schema.release == nil)
        #expect(String(cString: moved.name) == "b")
        moved.release(&moved)
        #expect(moved.release == nil)
    }
}

import ETLPluginKit
import Foundation
import Testing

/// The importer refuses a column whose declared length runs past the end of
/// its buffer before it reads past it: each buffer here is moved so that it
/// ends exactly where a `PROT_NONE` guard page begins, so a read past it
/// would crash the test process instead of failing an expectation.
@Suite("ImportedBatch validation: buffer bounds")
struct ArrowBufferBoundsTests {
    /// Two pages, the second unreadable; kept for the life of the process
    /// (a batch may still point into it when a test ends).
    final class GuardedPage: @unchecked Sendable {
        let base: UnsafeMutableRawPointer
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

        init() throws {
            guard let memory = mmap(nil, 2 * pageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
                  memory != MAP_FAILED
            else { throw TestFailure("mmap failed") }
            base = memory
            guard mprotect(base + pageSize, pageSize, PROT_NONE) == 0 else { throw TestFailure("mprotect failed") }
        }

        /// Copies `count` bytes so that they end right before the guard page.
        func placeAtEnd(_ bytes: UnsafeRawPointer, count: Int) -> UnsafeRawPointer {
            let start = base + pageSize - count
            start.copyMemory(from: bytes, byteCount: count)
            return UnsafeRawPointer(start)
        }
    }

    struct TestFailure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// Three rows: id int64 (1, null, 3), name utf8 ("ab", "", "é").
    func sample() throws -> ExportedBatch {
        let builder = try ArrowBatchBuilder(fields: [ArrowField("id", .int64), ArrowField("name", .utf8)])
        builder.append(Int64(1)); builder.appendText("ab"); try builder.endRow()
        builder.appendNull(); builder.appendText(""); try builder.endRow()
        builder.append(Int64(3)); builder.appendText("é"); try builder.endRow()
        return try ExportedBatch(builder)
    }

    /// Points buffer `slot` of column `column` at `replacement` (through a
    /// buffers array of the test's own, so the batch's release still frees
    /// its original buffers), runs `body`, and restores it.
    func withBuffer(_ batch: ExportedBatch, column: Int, slot: Int, replacedBy replacement: UnsafeRawPointer,
                    _ body: () -> Void) {
        let child = batch.child(column)
        let original = child.pointee.buffers
        let count = Int(child.pointee.n_buffers)
        let buffers = UnsafeMutablePointer<UnsafeRawPointer?>.allocate(capacity: count)
        defer { buffers.deallocate() }
        for index in 0 ..< count { buffers[index] = original![index] }
        buffers[slot] = replacement
        child.pointee.buffers = UnsafeMutablePointer(mutating: buffers)
        body()
        child.pointee.buffers = original
    }

    @Test("a utf8 length past the end of its offsets buffer is refused before the read")
    func offsetsPastTheirBuffer() throws {
        let batch = try sample()
        let page = try GuardedPage()
        let offsets = page.placeAtEnd(batch.child(1).pointee.buffers[1]!, count: 4 * 4)  // 3 rows + 1
        withBuffer(batch, column: 1, slot: 1, replacedBy: offsets) {
            #expect(batch.validationError() == nil)
            batch.child(1).pointee.length = 4  // needs 5 offsets, the buffer holds 4
            #expect(batch.validationError() == "column 2 (\"name\", utf8): the offsets buffer (buffers[1]) needs 20 bytes "
                + "for offset 0 + length 4 + 1, but only 16 are readable (the length runs past the end of the buffer)")
            batch.child(1).pointee.length = 3
        }
    }

    @Test("an int64 length past the end of its values buffer is refused before the read")
    func valuesPastTheirBuffer() throws {
        let batch = try sample()
        let page = try GuardedPage()
        let values = page.placeAtEnd(batch.child(0).pointee.buffers[1]!, count: 3 * 8)
        withBuffer(batch, column: 0, slot: 1, replacedBy: values) {
            #expect(batch.validationError() == nil)
            batch.child(0).pointee.length = 4
            batch.child(0).pointee.null_count = -1
            #expect(batch.validationError() == "column 1 (\"id\", int64): the values buffer (buffers[1]) needs 32 bytes "
                + "for offset 0 + length 4, but only 24 are readable (the length runs past the end of the buffer)")
            batch.child(0).pointee.length = 3
            batch.child(0).pointee.null_count = 1
        }
    }

    @Test("offsets that span past the end of the data buffer are refused before the UTF-8 check reads them")
    func dataPastItsBuffer() throws {
        let batch = try sample()
        let page = try GuardedPage()
        let data = page.placeAtEnd(batch.child(1).pointee.buffers[2]!, count: 4)  // "ab" + "é"
        withBuffer(batch, column: 1, slot: 2, replacedBy: data) {
            #expect(batch.validationError() == nil)
            batch.buffer(1, 1, as: Int32.self)[3] = 6  // two bytes past the data
            #expect(batch.validationError() == "column 2 (\"name\", utf8): the offsets span bytes 0..<6 of the data buffer "
                + "(buffers[2]), but readable memory ends 4 bytes after its start")
            batch.buffer(1, 1, as: Int32.self)[3] = 4
        }
    }
}

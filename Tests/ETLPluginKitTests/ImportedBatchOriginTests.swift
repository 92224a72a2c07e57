import ETLPluginKit
import Testing

/// A batch read back from the host's own spool (``ImportedBatch/Origin/ownFile``)
/// is not checked for UTF-8 a second time; its layout still is.
@Suite struct ImportedBatchOriginTests {
    /// Three rows: id int64 (1, null, 3), name utf8 ("ab", "", "é").
    private func sample() throws -> ExportedBatch {
        let builder = try ArrowBatchBuilder(fields: [ArrowField("id", .int64), ArrowField("name", .utf8)])
        builder.append(Int64(1)); builder.appendText("ab"); try builder.endRow()
        builder.appendNull(); builder.appendText(""); try builder.endRow()
        builder.append(Int64(3)); builder.appendText("é"); try builder.endRow()
        return try ExportedBatch(builder)
    }

    /// Imports (takes) the batch as `origin`; the error message, or the names read.
    private func take(_ batch: ExportedBatch, as origin: ImportedBatch.Origin) -> String {
        do {
            let schema = try ArrowBatchSchema(importing: &batch.schema)
            let imported = try ImportedBatch(taking: &batch.array, schema: schema, origin: origin)
            return (0 ..< imported.rowCount).map { imported.utf8(row: $0, column: 1).map { Array($0).description } ?? "nil" }
                .joined(separator: " ")
        } catch {
            return error.message
        }
    }

    @Test("invalid UTF-8 fails a plugin's batch and passes in an own file's batch, bytes as they are")
    func utf8CheckedOnce() throws {
        let plugin = try sample()
        plugin.buffer(1, 2, as: UInt8.self)[2] = 0xFF
        #expect(take(plugin, as: .plugin) == "column 2 (\"name\", utf8): row 3 is not valid UTF-8")
        let own = try sample()
        own.buffer(1, 2, as: UInt8.self)[2] = 0xFF
        #expect(take(own, as: .ownFile) == "[97, 98] [] [255, 169]")
    }

    @Test("an own file's batch still has its layout checked: non-monotonic offsets, a wrong null count")
    func layoutStillChecked() throws {
        let offsets = try sample()
        offsets.buffer(1, 1, as: Int32.self)[2] = 1
        #expect(take(offsets, as: .ownFile) == "column 2 (\"name\", utf8): offsets are not monotonic at row 2 (2 then 1)")
        let nulls = try sample()
        nulls.child(0).pointee.null_count = 2
        #expect(take(nulls, as: .ownFile) == "column 1 (\"id\", int64): null_count is 2 but the validity bitmap has 1 nulls")
    }
}

import ETLPluginKit

/// The batches of one JSON Lines file in the `lines` shape: each line byte
/// for byte in `_record` (`etl.record = 1`) with its number in `_line`,
/// for the host to flatten. The kit's ``JSONLinesReader``, fed by the file
/// in 1 MiB chunks, emits batches of up to ``batchRows`` rows or about
/// ``batchBytes`` of records. (``JSONLMemberSource`` is the default shape.)
final class JSONLLineSource: BatchSource {
    /// Rows per batch.
    static let batchRows = 65_536
    /// Record bytes per batch, so that batches of long lines stay bounded.
    static let batchBytes = 64 << 20

    let schema = JSONLinesReader.schema
    private let reader: JSONLinesReader
    private var finished = false

    /// Opens `file`. Malformed lines are offered to the host
    /// (`--max-bad-rows`) before they fail the stream.
    init(file: FileSet.File, host: HostContext) throws(PluginError) {
        reader = JSONLinesReader(input: try FileInput(path: file.path), fileName: file.path)
        let stream = file.stream
        reader.badRecordHandler = { location, raw, reason in
            host.reject(stream: stream, location: location, raw: raw, reason: reason)
        }
    }

    func nextBatch(into builder: ArrowBatchBuilder) throws -> Bool {
        guard !finished else { return false }
        let more = try reader.readBatch(into: builder, maxRows: Self.batchRows, maxBytes: Self.batchBytes)
        if !more { finished = true }
        return more
    }
}

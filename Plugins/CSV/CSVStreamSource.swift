import ETLPluginKit

/// The batches of one CSV file: the ``CSVReader`` of the kit, fed by the
/// file in 1 MiB chunks, emitting batches of up to `batch_rows` rows.
final class CSVStreamSource: BatchSource {
    /// Rows per batch unless the config says otherwise.
    static let defaultBatchRows = 65_536
    /// Field bytes per batch, so that batches of long text stay bounded.
    static let batchBytes = 64 << 20

    let schema: ArrowBatchSchema
    private let reader: CSVReader
    private let batchRows: Int
    private var finished = false
    /// A malformed header line, thrown by the first ``nextBatch(into:)``
    /// so that it reaches the host as bad data (EBADMSG, exit 65) like a
    /// malformed row, rather than as a failed read() call.
    private let headerError: PluginError?

    /// Opens `file` and reads its header. Malformed records are offered to
    /// the host (`--max-bad-rows`) before they fail the stream; a malformed
    /// header is not a record and always fails it.
    init(file: FileSet.File, dialect: CSVDialect, batchRows: Int, host: HostContext) throws(PluginError) {
        self.batchRows = batchRows
        reader = CSVReader(input: try FileInput(path: file.path), fileName: file.path, dialect: dialect)
        do {
            let columns = try reader.readHeaderIfPresent()
            schema = CSVReader.schema(columns: columns ?? [])
            headerError = nil
            // An empty file: no columns, no rows.
            finished = columns == nil
        } catch {
            guard error.code == .data else { throw error }
            schema = CSVReader.schema(columns: [])
            headerError = error
        }
        let stream = file.stream
        reader.badRecordHandler = { location, raw, reason in
            host.reject(stream: stream, location: location, raw: raw, reason: reason)
        }
    }

    func nextBatch(into builder: ArrowBatchBuilder) throws -> Bool {
        guard !finished else { return false }
        if let headerError {
            finished = true
            throw headerError
        }
        let more = try reader.readBatch(into: builder, maxRows: batchRows, maxBytes: Self.batchBytes)
        if !more { finished = true }
        return more
    }
}

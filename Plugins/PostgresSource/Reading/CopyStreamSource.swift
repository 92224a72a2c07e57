import ETLPluginKit
import ETLPostgresShared

/// The batches of one stream: a binary `COPY (SELECT ...) TO STDOUT`
/// decoded into batches of at most `batch_rows` rows (memory stays flat:
/// libpq hands over one row at a time).
final class CopyStreamSource: BatchSource {
    let schema: ArrowBatchSchema
    private let db: PGConnection
    private let snapshot: ReadSnapshot
    private let savepoint: String
    private let decoder: BinaryCopyDecoder
    private let batchRows: Int
    private let stream: String
    private let host: HostContext
    private let what: String
    /// Receives the position of the last row of each batch returned.
    private let onBatch: (KeysetPosition?) -> Void
    private var finished = false

    /// Starts the COPY of `query` in the snapshot.
    init(query: StreamQuery, db: PGConnection, snapshot: ReadSnapshot, savepoint: String, batchRows: Int,
         host: HostContext, onBatch: @escaping (KeysetPosition?) -> Void) throws(PostgresError) {
        stream = query.stream.name
        what = "stream \"\(stream)\": reading the \(query.stream.sourceDescription) (COPY)"
        schema = ArrowBatchSchema(query.columns.map { $0.kind.field(named: $0.name) })
        self.db = db
        self.snapshot = snapshot
        self.savepoint = savepoint
        self.batchRows = batchRows
        self.host = host
        self.onBatch = onBatch
        decoder = BinaryCopyDecoder(stream: stream, columns: query.columns, trailingTextColumns: query.trailingTextColumns)
        do {
            try db.beginCopyOut(query.copyStatement, what)
        } catch {
            // No COPY to stop; the caller rolls the savepoint back.
            finished = true
            throw error
        }
    }

    deinit {
        if !finished {
            db.abortCopyOut()
            snapshot.abandonStream(savepoint)
        }
    }

    func nextBatch(into builder: ArrowBatchBuilder) throws -> Bool {
        guard !finished else { return false }
        do {
            while builder.rowCount < batchRows {
                let more = try db.readCopyData(what) { (message) throws(PostgresError) in
                    try decoder.consume(message, into: builder)
                }
                if !more {
                    try decoder.checkComplete()
                    finished = true
                    snapshot.endStream(savepoint)
                    break
                }
            }
        } catch {
            if !finished {
                finished = true
                db.abortCopyOut()
                snapshot.abandonStream(savepoint)
            }
            throw error.pluginError
        }
        let values = decoder.lastTrailingValues
        if builder.rowCount > 0, let cursor = values.first ?? nil {
            onBatch(KeysetPosition(cursor: cursor, key: values.dropFirst().map { $0 ?? "" }))
        }
        host.progress(stream: stream, rowsDone: decoder.rowsDecoded)
        return !finished
    }
}

import CETLPlugin
import ETLPluginKit

/// Consumes an Arrow C `ArrowArrayStream` of `"+s"` batches: the host's
/// side of an extractor's read(), and a test's.
///
/// The initializer takes ownership of the stream (moves the struct and sets
/// the caller's `release` to `NULL`) and fetches its schema; ``next()``
/// returns each batch validated as an ``ImportedBatch``. The stream is
/// released exactly once, on deinit.
///
/// ```swift
/// let reader = try ArrowStreamReader(taking: &stream)
/// while let batch = try reader.next() {
///     print(batch.rowCount)
/// }
/// ```
///
/// Not thread-safe: one consumer at a time, as the stream interface requires.
public final class ArrowStreamReader {
    /// The schema every batch has, from `get_schema`.
    public let schema: ArrowBatchSchema
    private let stream: UnsafeMutablePointer<ArrowArrayStream>
    private var finished = false
    private var failure: PluginError?
    private let fullError: FullErrorSource?

    /// Asks the producer for the full error of a failed call on the stream
    /// (the host wraps `etl_extractor_ops.stream_error` in it, ABI 1.2);
    /// nil when it has none. Called before the stream is released.
    public typealias FullErrorSource = (UnsafeMutablePointer<ArrowArrayStream>) -> PluginError?

    /// Takes ownership of `stream` and reads its schema. With `fullError`,
    /// a failed `get_schema` or `get_next` is described by what it returns
    /// (code, retryable, detail) instead of the errno alone.
    ///
    /// - Throws: the mapped error of a failed `get_schema` (see
    ///   ``PluginError/init(streamErrno:message:)``), or
    ///   ``PluginError/Code/data`` for a malformed stream or schema; the
    ///   stream has then been released already.
    public init(taking stream: UnsafeMutablePointer<ArrowArrayStream>,
                fullError: FullErrorSource? = nil) throws(PluginError) {
        self.fullError = fullError
        let owned = UnsafeMutablePointer<ArrowArrayStream>.allocate(capacity: 1)
        owned.initialize(to: stream.pointee)
        stream.pointee.release = nil
        func discard() {
            if let release = owned.pointee.release { release(owned) }
            owned.deallocate()
        }
        guard owned.pointee.release != nil else {
            owned.deallocate()
            throw PluginError.data("the stream was already released (release is NULL)")
        }
        guard let getSchema = owned.pointee.get_schema, owned.pointee.get_next != nil else {
            discard()
            throw PluginError.data("the stream has no get_schema or get_next callback")
        }
        var cSchema = ArrowSchema()
        let status = getSchema(owned, &cSchema)
        guard status == 0 else {
            let error = fullError?(owned) ?? PluginError(streamErrno: status, message: Self.lastError(owned))
            discard()
            throw error
        }
        defer { if let release = cSchema.release { release(&cSchema) } }
        do {
            schema = try ArrowBatchSchema(importing: &cSchema)
        } catch {
            discard()
            throw PluginError(.internal, "the stream returned an invalid schema: \(error.message)")
        }
        self.stream = owned
    }

    deinit {
        if let release = stream.pointee.release { release(stream) }
        stream.deallocate()
    }

    /// The next batch, or `nil` at the end of the stream (and on every call
    /// after it).
    ///
    /// - Throws: the mapped error of a failed `get_next` (message from
    ///   `get_last_error`), or ``PluginError/Code/internal`` when the batch
    ///   fails validation. After an error the stream is not read again:
    ///   every later call throws the same error.
    public func next() throws(PluginError) -> ImportedBatch? {
        if let failure { throw failure }
        guard !finished else { return nil }
        var array = ArrowArray()
        let status = stream.pointee.get_next(stream, &array)
        guard status == 0 else {
            let error = fullError?(stream) ?? PluginError(streamErrno: status, message: Self.lastError(stream))
            failure = error
            throw error
        }
        guard array.release != nil else {
            finished = true
            return nil
        }
        do {
            return try ImportedBatch(taking: &array, schema: schema)
        } catch {
            // A batch that breaks the Arrow rules is the producer's bug, not
            // bad input data: report it as internal.
            let invalid = PluginError(.internal, "the stream returned an invalid batch: \(error.message)")
            failure = invalid
            throw invalid
        }
    }

    private static func lastError(_ stream: UnsafeMutablePointer<ArrowArrayStream>) -> String? {
        guard let getLastError = stream.pointee.get_last_error, let message = getLastError(stream) else {
            return nil
        }
        return String(cString: message)
    }
}

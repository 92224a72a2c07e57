/// Something that produces the batches of one stream, for
/// ``ArrowStreamExporter`` to serve through an `ArrowArrayStream`.
///
/// The exporter owns one ``ArrowBatchBuilder`` for the stream, made from
/// ``schema``, and calls ``nextBatch(into:)`` each time the consumer asks
/// for a batch. Errors thrown are reported through the stream with the
/// errno the contract documents (see ``PluginError/streamErrno``).
///
/// ```swift
/// final class Numbers: BatchSource {
///     let schema = ArrowBatchSchema([ArrowField("n", .int64)])
///     var next: Int64 = 0
///     func nextBatch(into builder: ArrowBatchBuilder) throws -> Bool {
///         guard next < 1_000_000 else { return false }
///         for _ in 0..<65_536 where next < 1_000_000 {
///             builder.append(next); try builder.endRow(); next += 1
///         }
///         return true
///     }
/// }
/// ```
public protocol BatchSource: AnyObject {
    /// The schema of every batch.
    var schema: ArrowBatchSchema { get }

    /// Appends the rows of the next batch to `builder`, which is empty on
    /// entry, and returns `true`; returns `false` when the stream is over
    /// (rows appended in that last call are still delivered).
    ///
    /// Called on whatever thread the consumer uses, never concurrently.
    func nextBatch(into builder: ArrowBatchBuilder) throws -> Bool
}

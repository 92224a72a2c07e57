import ETLPluginKit

/// Something that yields Arrow batches of one stream: an extractor's
/// stream or a snapshot.
protocol BatchStream: AnyObject {
    /// The schema every batch has.
    var schema: ArrowBatchSchema { get }
    /// The next batch; nil at the end of the stream.
    func next() throws -> ImportedBatch?
}

extension ExtractorStream: BatchStream {}

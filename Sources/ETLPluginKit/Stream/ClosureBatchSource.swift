/// A ``BatchSource`` made from a closure.
///
/// ```swift
/// var sent = false
/// let source = ClosureBatchSource(schema: schema) { builder in
///     guard !sent else { return false }
///     sent = true
///     builder.append(Int64(42)); try builder.endRow()
///     return true
/// }
/// ```
public final class ClosureBatchSource: BatchSource {
    /// The schema of every batch.
    public let schema: ArrowBatchSchema
    private let produce: (ArrowBatchBuilder) throws -> Bool

    /// Creates a source whose `produce` closure behaves as
    /// ``BatchSource/nextBatch(into:)``.
    public init(schema: ArrowBatchSchema, produce: @escaping (ArrowBatchBuilder) throws -> Bool) {
        self.schema = schema
        self.produce = produce
    }

    /// Calls the closure.
    public func nextBatch(into builder: ArrowBatchBuilder) throws -> Bool {
        try produce(builder)
    }
}

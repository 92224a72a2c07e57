import Synchronization

/// A flag that any thread may raise and any thread may read, without
/// blocking: how `cancel()` reaches a running operation.
///
/// ```swift
/// let flag = CancellationFlag()
/// flag.cancel()          // from any thread
/// flag.isCancelled       // true
/// ```
public final class CancellationFlag: Sendable {
    private let raised = Atomic<Bool>(false)

    /// Creates a lowered flag.
    public init() {}

    /// Raises the flag. Idempotent; never blocks.
    public func cancel() {
        raised.store(true, ordering: .releasing)
    }

    /// Whether the flag was raised.
    public var isCancelled: Bool {
        raised.load(ordering: .acquiring)
    }
}

import Foundation

/// A run's cancellation: raised once (by SIGINT/SIGTERM or a caller), it
/// asks every open plugin instance to cancel and stops the run at its next
/// check; the stream being loaded rolls back.
public final class Cancellation: @unchecked Sendable {
    // @unchecked: every stored property but `lock` is guarded by `lock`.
    private let lock = NSLock()
    private var raised = false
    private var reasonText = ""
    private var handlers: [Int: () -> Void] = [:]
    private var nextHandler = 0

    public init() {}

    /// Whether the run was cancelled.
    public var isCancelled: Bool { lock.withLock { raised } }
    /// Why (e.g. `received SIGINT`).
    public var reason: String { lock.withLock { reasonText } }

    /// Cancels: runs every registered handler once (outside the lock).
    public func cancel(reason: String) {
        let toRun: [() -> Void] = lock.withLock {
            guard !raised else { return [] }
            raised = true
            reasonText = reason
            return Array(handlers.values)
        }
        toRun.forEach { $0() }
    }

    /// Registers `handler` to run on cancellation (at once if it already
    /// happened); returns a token for ``remove(_:)``.
    @discardableResult
    public func onCancel(_ handler: @escaping () -> Void) -> Int {
        let (token, already): (Int, Bool) = lock.withLock {
            nextHandler += 1
            handlers[nextHandler] = handler
            return (nextHandler, raised)
        }
        if already { handler() }
        return token
    }

    /// Unregisters the handler of `token` (from ``onCancel(_:)``).
    public func remove(_ token: Int) {
        _ = lock.withLock { handlers.removeValue(forKey: token) }
    }

    /// Throws the cancellation error when cancelled.
    func check(_ doing: @autoclosure () -> String) throws {
        if isCancelled { throw HostError(.cancelled, "cancelled (\(reason)) while \(doing())") }
    }
}

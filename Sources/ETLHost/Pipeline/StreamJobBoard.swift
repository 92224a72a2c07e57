import Foundation

/// The streams of a parallel run: which is next, and the reports so far.
final class StreamJobBoard: @unchecked Sendable {
    // @unchecked: `next` and `reports` are guarded by `lock`.
    private let lock = NSLock()
    private let count: Int
    private var next = 0
    private(set) var reports: [StreamReport?]
    init(count: Int) {
        self.count = count
        reports = Array(repeating: nil, count: count)
    }
    func take() -> Int? {
        lock.withLock {
            guard next < count else { return nil }
            next += 1
            return next - 1
        }
    }
    func finish(_ index: Int, _ report: StreamReport) { lock.withLock { reports[index] = report } }
}

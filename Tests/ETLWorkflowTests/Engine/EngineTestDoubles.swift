import ETLHost
@testable import ETLWorkflow
import Foundation

/// A clock the test moves: `wait` advances it at once and remembers how long it was asked to wait.
final class FakeClock: EngineClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current = Date(timeIntervalSince1970: 1_800_000_000)
    private var waitList: [Double] = []

    func now() -> Date { lock.withLock { current } }

    func wait(seconds: Double, cancellation: Cancellation) {
        lock.withLock {
            waitList.append(seconds)
            current = current.addingTimeInterval(seconds)
        }
    }

    func advance(_ seconds: Double) { lock.withLock { current = current.addingTimeInterval(seconds) } }

    var waits: [Double] { lock.withLock { waitList } }
}

/// An executor that plays a script per step: one entry per attempt.
final class ScriptedExecutor: StepExecutor, @unchecked Sendable {
    enum Attempt {
        case ok(Int?)
        case fail(HostError)
        case checkFailed(Int)
        case cancelRun
    }

    private let lock = NSLock()
    private var scripts: [String: [Attempt]]
    private var callList: [String] = []
    let clock: FakeClock
    let cancellation: Cancellation
    /// Seconds each attempt takes on the fake clock.
    let secondsPerAttempt: Double

    init(_ scripts: [String: [Attempt]], clock: FakeClock, cancellation: Cancellation, secondsPerAttempt: Double = 2) {
        self.scripts = scripts
        self.clock = clock
        self.cancellation = cancellation
        self.secondsPerAttempt = secondsPerAttempt
    }

    var calls: [String] { lock.withLock { callList } }

    func run(_ step: Step, in context: StepRunContext) throws -> StepOutcome {
        let attempt: Attempt = lock.withLock {
            callList.append("\(step.name)#\(context.attempt)")
            guard var script = scripts[step.name], !script.isEmpty else { return .ok(nil) }
            let first = script.removeFirst()
            scripts[step.name] = script
            return first
        }
        clock.advance(secondsPerAttempt)
        switch attempt {
        case .ok(let rows): return .succeeded(rows: rows)
        case .fail(let error): throw error
        case .checkFailed(let count): return .checkFailed(count: count, message: "\(count) rows fail")
        case .cancelRun:
            cancellation.cancel(reason: "received SIGINT")
            throw HostError(.cancelled, "cancelled (received SIGINT) while running")
        }
    }
}

import ETLHost
import ETLTestSupport
@testable import ETLWorkflow
import Foundation
import Testing

/// The lock per pipeline: one holder at a time, named to the next comer.
@Suite struct PipelineLockTests {
    @Test func aSecondHolderIsRefusedWithTheFirstsRunUntilItReleases() throws {
        let state = try TestSupport.temporaryDirectory("lock-state")
        let first = try PipelineLock(pipeline: "shop", runID: "R1", stateDirectory: state, wait: false, cancellation: Cancellation())
        #expect(first.path == state + "/locks/shop.lock")
        #expect(throws: PipelineLock.Busy.heldBy(path: state + "/locks/shop.lock", holder: "pid \(getpid()), run R1")) {
            try PipelineLock(pipeline: "shop", runID: "R2", stateDirectory: state, wait: false, cancellation: Cancellation())
        }
        // Another pipeline has its own lock.
        _ = try PipelineLock(pipeline: "other", runID: "R3", stateDirectory: state, wait: false, cancellation: Cancellation())
        first.release()
        let second = try PipelineLock(pipeline: "shop", runID: "R2", stateDirectory: state, wait: false, cancellation: Cancellation())
        #expect(String(decoding: FileManager.default.contents(atPath: second.path) ?? Data(), as: UTF8.self) == "pid \(getpid()), run R2\n")
    }

    @Test func aWaiterGivesUpWhenCancelled() throws {
        let state = try TestSupport.temporaryDirectory("lock-cancel")
        let holder = try PipelineLock(pipeline: "shop", runID: "R1", stateDirectory: state, wait: false, cancellation: Cancellation())
        let cancellation = Cancellation()
        var announced: [String?] = []
        #expect(throws: HostError(.cancelled, "cancelled (test) while waiting for the lock \(holder.path)")) {
            try PipelineLock(pipeline: "shop", runID: "R2", stateDirectory: state, wait: true, cancellation: cancellation) { holderText in
                announced.append(holderText)
                cancellation.cancel(reason: "test")
            }
        }
        #expect(announced == ["pid \(getpid()), run R1"])
    }
}

import ETLWorkflow
import Foundation
import Synchronization

/// The scheduler's side of the seam (``PipelineControl``) as a fixed list
/// of pipelines that records the actions asked of it: the HTTP layer's
/// tests check which requests reach the scheduler (a refused POST must not).
/// The real scheduler is driven by the end-to-end tests.
final class RecordingControl: PipelineControl {
    let statuses: [PipelineStatus]
    private let log = Mutex<[String]>([])

    init(_ statuses: [PipelineStatus]) { self.statuses = statuses }

    /// The actions asked so far, as `runNow shop`, `pause shop/0`, ...
    var actions: [String] { log.withLock { $0 } }

    func pipelines() async -> [PipelineStatus] { statuses }
    func runNow(pipeline: String) async throws -> String {
        log.withLock { $0.append("runNow \(pipeline)") }
        return "20261201T000000000Z-000000aa"
    }
    func cancel(runID: String) async throws { log.withLock { $0.append("cancel \(runID)") } }
    func pause(scheduleID: String) async throws { log.withLock { $0.append("pause \(scheduleID)") } }
    func resume(scheduleID: String) async throws { log.withLock { $0.append("resume \(scheduleID)") } }
}

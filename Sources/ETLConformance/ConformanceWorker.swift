import ETLHost
import Foundation

/// The child-process side of the suite: `etl-host plugins test-worker`
/// reads a ``WorkerRequest`` on standard input, runs that one check
/// against the plugin in this process, and writes ``WorkerMessage`` lines
/// (phases, then the outcome) on its protocol channel.
///
/// The channel is the original standard output; standard output itself is
/// pointed at standard error first, so that whatever a plugin prints
/// cannot corrupt the protocol.
public enum ConformanceWorker {
    /// Runs the check described by `input` (a JSON ``WorkerRequest``) and
    /// returns the exit code: 0 when an outcome was written.
    public static func run(input: Data) -> Int32 {
        let channel = WorkerChannel.takeStandardOutput()
        guard let request = try? JSONDecoder().decode(WorkerRequest.self, from: input) else {
            channel.send(WorkerMessage(outcome: WorkerOutcome(
                status: .fail, detail: "the worker got no valid request on its standard input",
                problems: [], notes: [], descriptor: nil)))
            return 1
        }
        let recorder = CheckRecorder(channel: channel)
        let environment = WorkerEnvironment(request: request, recorder: recorder)
        var status: ConformanceResult.Status
        var detail: String
        do {
            try perform(request.check, environment)
            status = recorder.problems.isEmpty ? .pass : .fail
            detail = recorder.problems.first ?? recorder.passDetail
        } catch let skip as SkipCheck {
            status = recorder.problems.isEmpty ? .skip : .fail
            detail = recorder.problems.first ?? skip.reason
        } catch is StopCheck {
            status = .fail
            detail = recorder.problems.first ?? "stopped"
        } catch {
            recorder.fail("\(error)")
            status = .fail
            detail = recorder.problems.first ?? "\(error)"
        }
        channel.send(WorkerMessage(outcome: WorkerOutcome(
            status: status, detail: detail, problems: recorder.problems, notes: recorder.notes,
            descriptor: environment.descriptorForReport)))
        if recorder.abandon {
            // A thread is stuck inside the plugin: leave without cleaning up.
            _exit(0)
        }
        return 0
    }

    private static func perform(_ check: ConformanceCheck, _ environment: WorkerEnvironment) throws {
        switch check {
        case .load: try CommonChecks.load(environment)
        case .abiNegotiation: try CommonChecks.abiNegotiation(environment)
        case .structSize: try StructSizeCheck.run(environment)
        case .configSchema: try CommonChecks.configSchema(environment)
        case .open: try CommonChecks.open(environment)
        case .openBadConfig: try CommonChecks.openBadConfig(environment)
        case .errors:
            if try environment.plugin().extractorOps != nil {
                try ExtractorChecks.errors(environment)
            } else {
                try WarehouseChecks.errors(environment)
            }
        case .discover: try ExtractorChecks.discover(environment)
        case .arrow: try ExtractorChecks.arrow(environment)
        case .values: try ValueChecks.values(environment)
        case .declaredTypes: try ValueChecks.declaredTypes(environment)
        case .release:
            if try environment.plugin().extractorOps != nil {
                try ExtractorChecks.release(environment)
            } else {
                try WarehouseChecks.release(environment)
            }
        case .cancel: try ExtractorChecks.cancel(environment)
        case .checkpoint: try ExtractorChecks.checkpoint(environment)
        case .replace: try WarehouseChecks.replace(environment)
        case .append: try WarehouseChecks.append(environment)
        case .upsert: try WarehouseChecks.upsert(environment)
        case .rollback: try WarehouseChecks.rollback(environment)
        case .readBack: try ReadBackCheck.run(environment)
        }
    }
}

/// Thrown by a check that cannot run; the reason becomes the detail.
struct SkipCheck: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}

/// Thrown by a check that recorded a problem it cannot go on after.
struct StopCheck: Error {}

/// The protocol channel of a worker: a private copy of its original
/// standard output.
final class WorkerChannel: Sendable {
    private let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    /// Moves standard output aside for the protocol and sends what is
    /// printed to standard output from now on to standard error.
    static func takeStandardOutput() -> WorkerChannel {
        fflush(nil)
        let copy = dup(STDOUT_FILENO)
        dup2(STDERR_FILENO, STDOUT_FILENO)
        return WorkerChannel(descriptor: copy >= 0 ? copy : STDOUT_FILENO)
    }

    /// Writes one message as a line of JSON, unbuffered: it is out before
    /// the plugin gets a chance to crash.
    func send(_ message: WorkerMessage) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var data = try? encoder.encode(message) else { return }
        data.append(0x0A)
        data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 { if errno == EINTR { continue } else { return } }
                offset += written
            }
        }
    }
}

/// What one check found so far, and its channel for phases.
final class CheckRecorder: @unchecked Sendable {
    // @unchecked: problems and notes change only under `lock`; passDetail and abandon belong to the worker's main thread.
    /// Every problem, in order; the first one is the failure's detail.
    private(set) var problems: [String] = []
    /// Remarks.
    private(set) var notes: [String] = []
    /// The detail of a pass.
    var passDetail = "ok"
    /// Set when a thread is stuck inside the plugin: the worker then exits
    /// right after its outcome, without closing anything.
    var abandon = false
    private let channel: WorkerChannel
    private let lock = NSLock()

    init(channel: WorkerChannel) { self.channel = channel }

    /// Records a broken rule.
    func fail(_ problem: String) {
        lock.withLock { problems.append(problem) }
    }

    /// Records a remark.
    func note(_ text: String) {
        lock.withLock { if !notes.contains(text) { notes.append(text) } }
    }

    /// Announces what the check is about to do; a crash or hang is blamed
    /// on the last phase announced.
    func phase(_ text: String, crashHint: String? = nil) {
        channel.send(WorkerMessage(phase: text, crashHint: crashHint))
    }
}

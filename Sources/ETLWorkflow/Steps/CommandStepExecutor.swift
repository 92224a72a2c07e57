import ETLHost
import ETLPluginKit
import Foundation

/// Runs `command` steps: the program with its arguments, without a shell,
/// in the step's `cwd` (default: the pipeline file's folder), with the
/// host's environment plus the step's `env` and `ETL_RUN_ID` (the pipeline
/// run), `ETL_STEP` (the step's name), `ETL_PIPELINE` and `ETL_STATE_DIR`.
/// Its standard output and error are captured line by line into the
/// pipeline run's log (info level, as `[export stdout] line`). Exit status 0 succeeds; any other
/// status, or death by a signal, fails the step (exit code 1 of `run`).
///
/// With `timeout`, a command still running then gets SIGTERM, and SIGKILL
/// ``killGrace`` seconds later; a cancelled run (SIGINT/SIGTERM to
/// etl-host) stops its commands the same way. The command runs in a
/// process group of its own, so the signals reach its children too.
public struct CommandStepExecutor: StepExecutor {
    /// Seconds between SIGTERM and SIGKILL.
    public let killGrace: Double

    /// An executor; `killGrace` seconds between SIGTERM and SIGKILL (default 10).
    public init(killGrace: Double = 10) { self.killGrace = killGrace }

    /// Runs the step once (see the type's description).
    public func run(_ step: Step, in context: StepRunContext) throws -> StepOutcome {
        guard case .command(let command) = step.kind else {
            throw HostError(.invalidArgument, "step '\(step.name)' is not a command step")
        }
        var environment = ProcessInfo.processInfo.environment.merging(command.environment) { $1 }
        environment["ETL_RUN_ID"] = context.runID
        environment["ETL_STEP"] = step.name
        environment["ETL_PIPELINE"] = context.pipeline.name
        environment["ETL_STATE_DIR"] = context.stateDirectory
        let folder = context.absolute(command.workingDirectory)
        let child = try ChildProcess(arguments: command.arguments, environment: environment, workingDirectory: folder)
        let program = command.arguments.first ?? ""
        context.log.write(.info, plugin: nil, stream: nil, "step '\(step.name)': started \(command.arguments.joined(separator: " ")) (pid \(child.pid)) in \(folder)")
        let readers = DispatchGroup()
        for (handle, name) in [(child.output, "stdout"), (child.errors, "stderr")] {
            readers.enter()
            Thread.detachNewThread {
                LineReader.read(handle) { line in
                    context.log.writeStep(.info, step: step.name, output: name, line)
                }
                readers.leave()
            }
        }
        let deadline = command.timeout.map { Date().addingTimeInterval(Double($0.seconds)) }
        var stopReason: String?
        var termSent: Date?
        var status: ChildProcess.Ending?
        while status == nil {
            status = child.wait(upTo: 0.05)
            guard status == nil else { break }
            if stopReason == nil {
                if context.cancellation.isCancelled {
                    stopReason = "cancelled (\(context.cancellation.reason))"
                } else if let deadline, Date() >= deadline, let timeout = command.timeout {
                    stopReason = "timed out after \(timeout)"
                }
                if stopReason != nil {
                    child.signal(SIGTERM)
                    termSent = Date()
                }
            } else if let sent = termSent, Date().timeIntervalSince(sent) >= killGrace {
                child.signal(SIGKILL)
                termSent = .distantFuture
            }
        }
        readers.wait()
        let what = "command \(program)"
        if let stopReason {
            if context.cancellation.isCancelled { throw HostError(.cancelled, "\(what) \(stopReason)") }
            throw HostError(.operationFailed, "\(what) \(stopReason) (SIGTERM\(termSent == .distantFuture ? ", then SIGKILL" : ""))")
        }
        switch status! {
        case .exited(0):
            return .succeeded(rows: nil)
        case .exited(let code):
            throw HostError(.operationFailed, "\(what) exited with status \(code)")
        case .signaled(let number):
            throw HostError(.operationFailed, "\(what) was killed by signal \(number)")
        }
    }
}

extension RunLog {
    /// Writes a line of a step's program output as `[STEP OUTPUT] line`
    /// (OUTPUT: stdout or stderr).
    func writeStep(_ level: LogLevel, step: String, output: String, _ line: String) {
        write(level, plugin: nil, stream: nil, "[\(step) \(output)] \(line)", echo: true)
    }
}

/// Reads a file handle to its end, calling back once per line (without the newline).
enum LineReader {
    static func read(_ handle: FileHandle, line: (String) -> Void) {
        var pending = Data()
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            pending.append(chunk)
            while let newline = pending.firstIndex(of: 0x0A) {
                line(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                pending.removeSubrange(pending.startIndex...newline)
            }
        }
        if !pending.isEmpty { line(String(decoding: pending, as: UTF8.self)) }
        try? handle.close()
    }
}

import ETLHost
import Foundation

/// Runs one check in a child `etl-host plugins test-worker`, with a time
/// limit, and turns what happened into a ``ConformanceResult``: the
/// worker's outcome, or a FAIL naming the signal and the phase when the
/// plugin crashed the worker, or the phase when it hung.
struct WorkerProcess {
    /// The etl-host executable to run.
    var executable: String
    /// The most a check may take, in seconds.
    var timeout: TimeInterval

    /// What a run produced.
    struct Run {
        var result: ConformanceResult
        var descriptor: PluginDescriptor?
    }

    func run(_ request: WorkerRequest) -> Run {
        let started = Date()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["plugins", "test-worker"]
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"  // a crash is expected; report it at once
        process.environment = environment
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        do { try process.run() } catch {
            return Run(result: ConformanceResult(check: request.check, status: .fail,
                                                 detail: "cannot start the worker '\(executable)': \(error)"))
        }
        let encoder = JSONEncoder()
        if let data = try? encoder.encode(request) { input.fileHandleForWriting.write(data) }
        try? input.fileHandleForWriting.close()

        let timedOut = TimeoutFlag()
        let killer = DispatchWorkItem {
            if process.isRunning {
                timedOut.set()
                kill(process.processIdentifier, SIGKILL)
            }
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
        let stderrBox = DataBox()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            stderrBox.data = errors.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        killer.cancel()

        var phase: String?
        var hint: String?
        var outcome: WorkerOutcome?
        for line in stdout.split(separator: 0x0A) {
            guard let message = try? JSONDecoder().decode(WorkerMessage.self, from: Data(line)) else { continue }
            if let text = message.phase {
                phase = text
                hint = message.crashHint
            }
            if let found = message.outcome { outcome = found }
        }
        let seconds = Date().timeIntervalSince(started)
        if let outcome {
            return Run(result: ConformanceResult(check: request.check, status: outcome.status, detail: outcome.detail,
                                                 problems: outcome.problems, notes: outcome.notes, seconds: seconds),
                       descriptor: outcome.descriptor)
        }
        let during = phase.map { " during \($0)" } ?? ""
        let stderrText = String(decoding: stderrBox.data, as: UTF8.self)
        let lastLine = stderrText.split(separator: "\n").last.map { String($0.prefix(300)) }
        var detail: String
        if timedOut.isSet {
            detail = "did not finish within \(Int(timeout)) s\(during) (the worker was killed)"
        } else if process.terminationReason == .uncaughtSignal {
            let signal = process.terminationStatus
            detail = "\(Self.signalName(signal))\(during)"
            if let hint { detail += ": \(hint)" }
        } else {
            detail = "the worker exited with status \(process.terminationStatus) without a result\(during)"
        }
        if let lastLine, !lastLine.isEmpty { detail += " (the plugin's last words: \(lastLine))" }
        return Run(result: ConformanceResult(check: request.check, status: .fail, detail: detail, problems: [detail],
                                             seconds: seconds))
    }

    /// "SIGSEGV (a segmentation fault)" and so on.
    static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGSEGV: "SIGSEGV (a segmentation fault)"
        case SIGBUS: "SIGBUS (a bus error)"
        case SIGABRT: "SIGABRT (the process aborted)"
        case SIGILL: "SIGILL (an illegal instruction)"
        case SIGFPE: "SIGFPE (an arithmetic fault)"
        case SIGKILL: "SIGKILL"
        case SIGTRAP: "SIGTRAP (a Swift runtime trap)"
        default: "signal \(signal)"
        }
    }
}

/// A flag set from another thread.
private final class TimeoutFlag: @unchecked Sendable {
    // @unchecked: `value` is guarded by `lock`.
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}

/// Bytes filled on another thread, read after it is joined.
private final class DataBox: @unchecked Sendable {
    // @unchecked: written by one reader thread, read only after that thread is joined.
    var data = Data()
}

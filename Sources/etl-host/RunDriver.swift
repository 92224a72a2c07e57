import ArgumentParser
import ETLHost
import ETLPluginKit
import Foundation

/// The options every command that runs a load shares (`sync`, `replay`).
struct RunOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The pipeline's name in the run history (default: <extractor>_to_<warehouse>).", valueName: "name"))
    var pipeline: String?
    @Option(name: .customLong("log-level"), help: ArgumentHelp("Messages shown on standard error: debug, info, warn (default) or error. The run's log file keeps every level.", valueName: "level"))
    var logLevel: String = "warn"
    @Option(name: .customLong("log-format"), help: ArgumentHelp("text (default) or json: one JSON object per line on standard error, for log collectors.", valueName: "format"))
    var logFormat: String = "text"
    @Option(help: ArgumentHelp("Streams loaded at once when both plugins allow it (default 1).", valueName: "n"))
    var parallel: Int = 1
    @Option(name: .customLong("max-attempts"), help: ArgumentHelp("Attempts per stream when a failure is transient (network, rate limit, busy database); 1 never retries (default 3).", valueName: "n"))
    var maxAttempts: Int = 3
    @Flag(help: "Print the summary as one JSON object.") var json = false
    @Flag(help: "No progress and no summary; errors only.") var quiet = false

    func level() throws -> LogLevel {
        guard let level = LogLevel.allCases.first(where: { $0.name == logLevel }) else {
            throw HostError(.invalidArgument, "unknown --log-level '\(logLevel)'; use \(LogLevel.allCases.map(\.name).joined(separator: ", "))")
        }
        return level
    }

    func format() throws -> LogFormat {
        guard let format = LogFormat(rawValue: logFormat) else {
            throw HostError(.invalidArgument, "unknown --log-format '\(logFormat)'; use text or json")
        }
        return format
    }

    func validate() throws {
        guard parallel >= 1 else { throw ValidationError("--parallel must be 1 or more") }
        guard maxAttempts >= 1 else { throw ValidationError("--max-attempts must be 1 or more") }
    }
}

/// Runs a prepared load: the run's log and record, SIGINT/SIGTERM, the
/// summary, and the exit code.
enum RunDriver {
    /// Blocks SIGINT and SIGTERM in every thread and waits for them on a
    /// thread of its own: the first cancels the run (plugins are asked to
    /// stop, the open transaction rolls back), a second one exits at once
    /// with 130. Call before any other thread starts. Unblocking is not
    /// needed: a parent (a test runner, a shell job) may have blocked them
    /// already, and sigwait() receives blocked signals.
    static func trapSignals(_ cancellation: Cancellation, log: @escaping @Sendable (String) -> Void) {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &set, nil)
        let waited = set
        Thread.detachNewThread {
            var signals = waited
            var received = 0
            while true {
                var signal: Int32 = 0
                guard sigwait(&signals, &signal) == 0 else { continue }
                received += 1
                let name = signal == SIGINT ? "SIGINT" : "SIGTERM"
                if received > 1 {
                    FileHandle.standardError.write(Data("etl-host: \(name) again: stopping now\n".utf8))
                    _exit(ExitStatus.cancelled.rawValue)
                }
                log("received \(name): cancelling the run (the stream being loaded is rolled back); send it again to stop at once")
                cancellation.cancel(reason: "received \(name)")
            }
        }
    }

    /// Runs `makeRunner`'s runner, prints the summary, and ends with the
    /// run's exit code.
    static func execute(options: RunOptions, cancellation: Cancellation,
                        makeRunner: (RunLog, RunStore, String, SyncObserver?) throws -> SyncRunner,
                        secrets: [String]) throws {
        let store = RunStore()
        let runID = SyncRunner.newRunID()
        try FileManager.default.createDirectory(atPath: store.folder(runID), withIntermediateDirectories: true)
        let log = RunLog(runID: runID, path: store.logPath(runID), level: try options.level(), format: try options.format())
        log.addSecrets(secrets)
        let progress = options.quiet || options.json ? nil : ProgressPrinter()
        let runner = try makeRunner(log, store, runID, progress)
        let report: SyncReport
        do {
            report = try runner.run()
        } catch let error as HostError {
            if error.kind == .cancelled { throw ExitCode(ExitStatus.cancelled.rawValue) }
            throw error
        }
        if options.json {
            say(try jsonText(report))
        } else if !options.quiet {
            say(SyncCommand.summary(report))
        }
        for stream in report.streams where stream.status == "failed" {
            // The error names the plugin, stream or table and the place already.
            FileHandle.standardError.write(Data("etl-host: error: \(stream.error ?? "stream '\(stream.stream)' failed")\n".utf8))
        }
        if report.status == "cancelled" {
            FileHandle.standardError.write(Data("etl-host: run \(report.runID) cancelled; nothing of the unfinished stream was kept\n".utf8))
            throw ExitCode(ExitStatus.cancelled.rawValue)
        }
        if report.status != "succeeded" {
            let badData = runner.failures.contains { ($0 as? HostError)?.kind == .badData }
            throw ExitCode(badData ? ExitStatus.badData.rawValue : ExitStatus.failure.rawValue)
        }
    }
}

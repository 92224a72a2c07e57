import ArgumentParser
import ETLHost
import ETLPluginKit
import Foundation

/// The options every command that runs a load shares (`sync`, `replay`).
struct RunOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The pipeline's name in the run history (default: <extractor>_to_<warehouse>).", valueName: "name"))
    var pipeline: String?
    @Option(name: .customLong("log-level"), help: ArgumentHelp("Messages shown on standard error: debug, info, warn (default) or error. The run's log file keeps every level.", valueName: "level"))
    var logLevel: Choice<LogLevel> = Choice("warn")
    @Option(name: .customLong("log-format"), help: ArgumentHelp("text (default) or json: one JSON object per line on standard error, for log collectors.", valueName: "format"))
    var logFormat: Choice<LogFormat> = Choice("text")
    @Option(help: ArgumentHelp("Streams loaded at once when both plugins allow it (default 1).", valueName: "n"))
    var parallel: Int = 1
    @Option(name: .customLong("max-attempts"), help: ArgumentHelp("Attempts per stream when a failure is transient (network, rate limit, busy database); 1 never retries (default 3).", valueName: "n"))
    var maxAttempts: Int = 3
    @Flag(help: "Print the summary as one line of JSON (also when the run fails before any stream: run_id, status, error).") var json = false
    @Flag(help: "No progress and no summary; errors only.") var quiet = false

    func level() throws -> LogLevel { try logLevel.value() }

    func format() throws -> LogFormat { try logFormat.value() }

    func validate() throws {
        guard parallel >= 1 else { throw ValidationError("--parallel must be 1 or more") }
        guard maxAttempts >= 1 else { throw ValidationError("--max-attempts must be 1 or more") }
    }
}

/// Runs a prepared load: the run's log and record, SIGINT/SIGTERM, the
/// summary, and the exit code.
enum RunDriver {
    /// Blocks SIGINT and SIGTERM and handles them on a thread of their own
    /// (see ``SignalTrap``): the first cancels the run, a second one exits
    /// at once with 130. Call before any other thread starts.
    static func trapSignals(_ cancellation: Cancellation, options: RunOptions) {
        let json = (try? options.format()) == .json
        SignalTrap.install(cancellation) { message in
            printLine(message, level: "warn", json: json)
        }
    }

    /// A line on standard error from the command itself: `etl-host: ...`,
    /// or with `--log-format json` a JSON object (time, level, message).
    static func printLine(_ message: String, level: String, json: Bool) {
        guard json else {
            FileHandle.standardError.write(Data("etl-host: \(level == "error" ? "error: " : "")\(message)\n".utf8))
            return
        }
        let object: JSONObject = ["time": .string(isoTimestamp()), "level": .string(level), "message": .string(message)]
        FileHandle.standardError.write(Data((JSONValue.object(object).jsonText + "\n").utf8))
    }

    /// Runs `body` (a command that loads: sync, replay) with the process
    /// exit guarded (``ExitGuard``) and every failure reported as the run's
    /// options ask: the fatal line as text or JSON (`--log-format`), and
    /// with `--json` a one-line summary on standard output even when the
    /// command failed before a run was recorded (`run_id` null).
    static func guarded(_ options: RunOptions, _ body: () throws -> Void) throws {
        ExitGuard.arm(.loadingPlugins)
        defer { ExitGuard.disarm() }
        do {
            try HostEnvironment.prepareStateDirectory()
            // The spool of a run that was killed goes with the next run of any pipeline.
            SpoolDirectory.removeStale()
            try body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            let hostError = error as? HostError ?? HostError(.io, "\(error)")
            if options.json {
                say(FailureSummary(runID: nil, status: hostError.kind == .cancelled ? "cancelled" : "failed", error: hostError.message).line)
            }
            printFatal(hostError.message, format: (try? options.format()) ?? .text, log: nil)
            throw ExitCode(hostError.exitStatus.rawValue)
        }
    }

    /// Prints a fatal line on standard error: `etl-host: error: ...`, or
    /// with `--log-format json` one JSON object (time, level, message, and
    /// the run id when there is a run); `log`, when given, keeps it too.
    static func printFatal(_ message: String, format: LogFormat, log: RunLog?) {
        if let log {
            log.write(.error, plugin: nil, stream: nil, message, echo: false)
            if format == .json { return }  // the log echoed it as JSON
        }
        printLine(message, level: "error", json: format == .json)
    }

    /// Runs `makeRunner`'s runner, prints the summary, and ends with the
    /// run's exit code (see ``ExitStatus/of(run:failures:)``).
    static func execute(options: RunOptions, cancellation: Cancellation,
                        makeRunner: (RunLog, RunStore, String, SyncObserver?) throws -> SyncRunner,
                        secrets: [String], warehouseLocation: String? = nil) throws {
        let format = try options.format()
        let store = RunStore()
        let runID = SyncRunner.newRunID()
        do {
            try FileManager.default.createDirectory(atPath: store.folder(runID), withIntermediateDirectories: true)
        } catch {
            throw HostError(.io, "cannot create the run folder '\(store.folder(runID))': \(error.localizedDescription); set ETL_STATE_DIR to a writable folder")
        }
        let log = RunLog(runID: runID, path: store.logPath(runID), level: try options.level(), format: format)
        log.addSecrets(secrets)
        let progress = options.quiet || options.json ? nil : ProgressPrinter()
        let runner: SyncRunner
        do {
            runner = try makeRunner(log, store, runID, progress)
        } catch {
            // Refused before it started (e.g. --incremental with a full extractor): no run to keep.
            try? FileManager.default.removeItem(atPath: store.folder(runID))
            throw error
        }
        ExitGuard.enter(.running)
        let json = options.json
        ExitGuard.setRunHook { [runner] message in
            let place = runner.recordProcessExit(message)
            if json { say(FailureSummary(runID: runID, status: "failed", error: message + (place.map { " (\($0))" } ?? "")).line) }
            return place
        }
        let report: SyncReport
        do {
            report = try runner.run()
        } catch {
            // The run stopped before its streams; it is recorded with this error.
            let hostError = error as? HostError ?? HostError(.io, "\(error)")
            ExitGuard.disarm()
            if options.json { say(FailureSummary(runID: runID, status: hostError.kind == .cancelled ? "cancelled" : "failed", error: hostError.message,
                                                errorDetail: hostError.detail.isEmpty ? nil : hostError.detail).line) }
            printFatal(hostError.message, format: format, log: log)
            throw ExitCode(hostError.exitStatus.rawValue)
        }
        ExitGuard.disarm()
        if options.json {
            say(try jsonLine(report))
        } else if !options.quiet {
            say(SyncCommand.summary(report, loadedInto: warehouseLocation.map { LoadedIntoLines.lines(report, warehouse: $0) } ?? []))
        }
        if format == .text {
            // With --log-format json the run's log has echoed these lines already.
            for stream in report.streams where stream.status == .failed {
                // The error names the plugin, stream or table and the place already.
                FileHandle.standardError.write(Data("etl-host: error: \(stream.error ?? "stream '\(stream.stream)' failed")\n".utf8))
            }
        }
        let status = RunRecord.Status(rawValue: report.status) ?? .failed
        if status == .cancelled {
            let line = "run \(report.runID) cancelled; \(report.streams.commitSummary)"
            log.write(.warn, plugin: nil, stream: nil, line, echo: false)
            if format == .text { FileHandle.standardError.write(Data("etl-host: \(line)\n".utf8)) }
        }
        let exit = ExitStatus.of(run: status, failures: runner.failures)
        if exit != .success { throw ExitCode(exit.rawValue) }
    }
}

/// The `--json` summary of a command that failed before its run had
/// streams: `{"error": "...", "run_id": "..." or null, "status": "failed", "streams": []}`,
/// with `"error_detail"` when the error names a plugin, stream, table or row.
struct FailureSummary: Encodable {
    var runID: String?
    var status: String
    var error: String
    var errorDetail: ErrorDetail?
    var streams: [StreamReport] = []

    enum CodingKeys: String, CodingKey {
        case status, error, streams
        case runID = "run_id"
        case errorDetail = "error_detail"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(runID, forKey: .runID)  // null, not left out
        try container.encode(status, forKey: .status)
        try container.encode(error, forKey: .error)
        try container.encodeIfPresent(errorDetail, forKey: .errorDetail)
        try container.encode(streams, forKey: .streams)
    }

    /// The summary as one line of JSON.
    var line: String { (try? jsonLine(self)) ?? #"{"status":"failed"}"# }
}

/// The current time, ISO 8601 UTC with milliseconds (as the run's log writes it).
func isoTimestamp() -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: Date())
}

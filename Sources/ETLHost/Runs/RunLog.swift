import ETLPluginKit
import Foundation

/// How log lines look on standard error (`--log-format`).
public enum LogFormat: String, Sendable, CaseIterable {
    /// `etl-host: [plugin] level: message` for people.
    case text
    /// One JSON object per line, as in the run's log file, for collectors.
    case json
}

/// A run's structured log: every line goes to `log.jsonl` in the run's
/// folder (all levels) and, at or above the chosen level, to standard
/// error, as text or JSON:
///
/// ```json
/// {"time":"2026-11-22T10:15:00.123Z","level":"warn","run_id":"…","plugin":"airtable",
///  "stream":"Customers","message":"… retry 1 of 5 in 0.4 s"}
/// ```
///
/// Known secret values (the resolved values of `x-secret` config keys) are
/// replaced by `***` before anything is written. A retry a plugin reports
/// through `etl_host_api.retry` (ABI 1.2) is logged at warn level and
/// recorded as a ``RetryEvent``, visible in `etl-host runs show`; the text
/// of log messages is never parsed for retries (plugins built for ABI 1.0
/// or 1.1 that only log theirs are not counted).
public final class RunLog: @unchecked Sendable {
    // @unchecked: `secrets`, `retryEvents` and writes to `file` are guarded by `lock`; the rest is immutable.
    public let runID: String
    private let file: FileHandle?
    private let minimumLevel: LogLevel
    private let format: LogFormat
    private let echo: Bool
    private let lock = NSLock()
    private var secrets: [String] = []
    private var retryEvents: [RetryEvent] = []

    /// A log writing to `path` (created; nil: no file) and echoing lines at
    /// or above `level` to standard error in `format` (nothing when
    /// `echo` is false).
    public init(runID: String, path: String?, level: LogLevel = .warn, format: LogFormat = .text, echo: Bool = true) {
        self.runID = runID
        if let path {
            // A folder that cannot take the file was refused before the run
            // (RunStore); a file that still cannot be made leaves `file` nil.
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            file = FileHandle(forWritingAtPath: path)
            _ = try? file?.seekToEnd()
        } else {
            file = nil
        }
        minimumLevel = level
        self.format = format
        self.echo = echo
    }

    deinit { try? file?.close() }

    /// Adds values to scrub from every later line.
    public func addSecrets(_ values: [String]) {
        lock.withLock { secrets.append(contentsOf: values.filter { !$0.isEmpty }) }
    }

    /// The retries recorded so far, host and plugins.
    public var retries: [RetryEvent] { lock.withLock { retryEvents } }

    /// Records a retry decided by the host and logs it at warn level.
    public func hostRetry(stream: String?, attempt: Int, of attempts: Int, reason: String, wait: Double) {
        let event = RetryEvent(time: Self.now(), stream: stream, by: "host", attempt: attempt, reason: scrub(reason),
                               waitSeconds: (wait * 1000).rounded() / 1000)
        lock.withLock { retryEvents.append(event) }
        write(.warn, plugin: nil, stream: stream,
              "\(stream.map { "stream '\($0)': " } ?? "")\(reason); retry \(attempt) of \(attempts - 1) in \(String(format: "%.1f", wait)) s")
    }

    /// Records a retry a plugin reported (`etl_host_api.retry`) and logs
    /// it at warn level as ``PluginRetry/message``; `stream` is the one the
    /// plugin named, else the one being worked on.
    public func pluginRetry(plugin: String, _ retry: PluginRetry, stream: String?) {
        let stream = retry.stream ?? stream
        let event = RetryEvent(time: Self.now(), stream: stream, by: plugin, attempt: retry.attempt,
                               reason: scrub(retry.reason), waitSeconds: (retry.waitSeconds * 1000).rounded() / 1000)
        lock.withLock { retryEvents.append(event) }
        write(.warn, plugin: plugin, stream: stream, retry.message)
    }

    /// Writes one line from the host (`plugin` nil) or a plugin; with
    /// `echo` false only to the file (for what the command prints itself).
    public func write(_ level: LogLevel, plugin: String?, stream: String?, _ message: String, echo: Bool = true) {
        let clean = scrub(message)
        var object: [String: JSONValue] = ["time": .string(Self.now()), "level": .string(level.name), "run_id": .string(runID), "message": .string(clean)]
        if let plugin { object["plugin"] = .string(plugin) }
        if let stream { object["stream"] = .string(stream) }
        let json = JSONValue.object(object).jsonText
        lock.withLock {
            file?.write(Data((json + "\n").utf8))
            guard self.echo, echo || format == .json, level >= minimumLevel else { return }
            let line = format == .json ? json
                : "etl-host: \(plugin.map { "[\($0)] " } ?? "")\(level.name): \(clean)"
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    /// A sink for plugin messages that tags them with the stream set on it.
    public func sink() -> StreamLogSink { StreamLogSink(log: self) }

    /// `text` with every known secret value replaced by `***` (for run
    /// records and errors as for log lines).
    public func scrub(_ text: String) -> String {
        let values = lock.withLock { secrets }
        var result = text
        for secret in values where result.contains(secret) {
            result = result.replacingOccurrences(of: secret, with: "***")
        }
        return result
    }

    static func now() -> String { Timestamp.now() }
}

/// Plugin messages into a ``RunLog``, tagged with the stream being worked on.
public final class StreamLogSink: PluginLogSink, @unchecked Sendable {
    // @unchecked: `current` is guarded by `lock`; `log` is Sendable.
    private let log: RunLog
    private let lock = NSLock()
    private var current: String?

    init(log: RunLog) { self.log = log }

    /// The stream later messages belong to.
    public var stream: String? {
        get { lock.withLock { current } }
        set { lock.withLock { current = newValue } }
    }

    public func log(plugin: String, level: LogLevel, message: String) {
        log.write(level, plugin: plugin, stream: stream, message)
    }

    public func retry(plugin: String, _ retry: PluginRetry) {
        log.pluginRetry(plugin: plugin, retry, stream: stream)
    }
}

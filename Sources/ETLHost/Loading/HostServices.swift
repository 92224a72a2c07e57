import CETLPlugin
import ETLPluginKit
import Foundation
import Synchronization

/// Receives the messages plugins send through `etl_host_api.log`, and the
/// retries they report through `etl_host_api.retry` (ABI 1.2).
public protocol PluginLogSink: Sendable {
    /// Called from any thread with the plugin's name and its message.
    func log(plugin: String, level: LogLevel, message: String)

    /// Called from any thread when a plugin reports that it retries a
    /// request on its own. The default logs ``PluginRetry/message`` at warn
    /// level; a run's sink also records it (see ``RunLog``).
    func retry(plugin: String, _ retry: PluginRetry)
}

extension PluginLogSink {
    public func retry(plugin: String, _ retry: PluginRetry) {
        log(plugin: plugin, level: .warn, message: retry.message)
    }
}

/// A retry a plugin reported through `etl_host_api.retry`.
public struct PluginRetry: Sendable, Equatable {
    /// The stream or table concerned, when the plugin named one.
    public var stream: String?
    /// The number of this retry, 1 for the first.
    public var attempt: Int
    /// How many retries the plugin allows, when it said.
    public var maxRetries: Int?
    /// How long the plugin waits before retrying, in seconds.
    public var waitSeconds: Double
    /// What failed, in the plugin's words.
    public var reason: String

    /// The log line: `page 3: HTTP 503; retry 1 of 5 in 0.8 s` (`retry 1`
    /// without a maximum, no `in` part without a wait).
    public var message: String {
        let limit = maxRetries.map { " of \($0)" } ?? ""
        let wait = waitSeconds > 0 ? " in \(Self.seconds(waitSeconds)) s" : ""
        return "\(reason); retry \(attempt)\(limit)\(wait)"
    }

    /// `0.75` for 0.754, `2` for 2.0: two decimals at most.
    static func seconds(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}

/// Writes plugin messages at or above a level to standard error as
/// `etl-host: [plugin] level: message`.
public struct StandardErrorLogSink: PluginLogSink {
    /// The lowest level written.
    public var minimumLevel: LogLevel

    /// A sink writing `minimumLevel` and above.
    public init(minimumLevel: LogLevel = .warn) { self.minimumLevel = minimumLevel }

    public func log(plugin: String, level: LogLevel, message: String) {
        guard level >= minimumLevel else { return }
        FileHandle.standardError.write(Data("etl-host: [\(plugin)] \(level.name): \(message)\n".utf8))
    }
}

/// The per-instance state behind an `etl_host_context*`: who is talking,
/// where their log goes, their progress, and whether they should stop.
public final class PluginContext: Sendable {
    /// The plugin's name, put on every message.
    public let pluginName: String
    /// Where the plugin's log messages go.
    public let logSink: any PluginLogSink
    private let cancelled = Atomic<Bool>(false)
    private let progressState = Mutex<[String: Int64]>([:])

    /// A context for one instance of `pluginName`.
    public init(pluginName: String, logSink: any PluginLogSink) {
        self.pluginName = pluginName
        self.logSink = logSink
    }

    /// A record an extractor set aside through `reject`.
    public struct Reject: Sendable, Equatable {
        /// The stream it belongs to.
        public var stream: String
        /// Where it is, e.g. "orders.csv line 17".
        public var location: String
        /// What is wrong with it.
        public var reason: String
        /// The record's text as read.
        public var raw: [UInt8]
    }

    private let rejectState = Mutex<(allowance: Int, taken: [Reject])>((0, []))

    /// Lets the plugin set aside up to `count` more malformed records
    /// (the user's --max-bad-rows) instead of failing.
    public func allowRejects(_ count: Int) {
        rejectState.withLock { $0.allowance = count }
    }

    /// Takes the records set aside so far (and forgets them).
    public func takeRejects() -> [Reject] {
        rejectState.withLock { state in
            defer { state.taken = [] }
            return state.taken
        }
    }

    func offerReject(_ reject: Reject) -> Bool {
        rejectState.withLock { state in
            guard state.allowance > 0 else { return false }
            state.allowance -= 1
            state.taken.append(reject)
            return true
        }
    }

    /// Makes `is_cancelled` answer yes from now on.
    public func cancel() { cancelled.store(true, ordering: .sequentiallyConsistent) }

    /// Whether ``cancel()`` was called.
    public var isCancelled: Bool { cancelled.load(ordering: .sequentiallyConsistent) }

    /// The last row count each stream reported through `progress`.
    public var progress: [String: Int64] { progressState.withLock { $0 } }

    func reportRetry(_ retry: PluginRetry) {
        logSink.retry(plugin: pluginName, retry)
    }

    func reportProgress(stream: String, rows: Int64) {
        progressState.withLock { $0[stream] = rows }
    }

    /// The opaque pointer handed to the plugin. Valid while `self` is alive.
    package var opaquePointer: OpaquePointer { OpaquePointer(Unmanaged.passUnretained(self).toOpaque()) }

    static func from(_ pointer: OpaquePointer?) -> PluginContext? {
        guard let pointer else { return nil }
        return Unmanaged<PluginContext>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    }
}

/// The host's `etl_host_api` table, allocated once and never freed (plugins
/// may keep the pointer for the life of the process). Package: the
/// conformance suite hands plugins copies of it.
package enum HostServices {
    /// Attribution for messages logged with a NULL context (during init).
    static let initializingPlugin = Mutex<String>("plugin")
    /// Where messages logged with a NULL context go.
    static let defaultSink = Mutex<any PluginLogSink>(StandardErrorLogSink())

    /// The table itself, filled once.
    nonisolated(unsafe) package static let table: UnsafePointer<etl_host_api> = {
        let table = UnsafeMutablePointer<etl_host_api>.allocate(capacity: 1)
        table.initialize(to: etl_host_api())
        table.pointee.struct_size = UInt32(MemoryLayout<etl_host_api>.size)
        table.pointee.abi_version = HostABI.current
        table.pointee.log = { context, level, message in
            let text = message.map { String(cString: $0) } ?? ""
            let level = LogLevel(rawValue: level) ?? .info
            if let context = PluginContext.from(context) {
                context.logSink.log(plugin: context.pluginName, level: level, message: text)
            } else {
                let name = HostServices.initializingPlugin.withLock { $0 }
                HostServices.defaultSink.withLock { $0 }.log(plugin: name, level: level, message: text)
            }
        }
        table.pointee.progress = { context, stream, rowsDone, _ in
            guard let context = PluginContext.from(context), let stream else { return }
            context.reportProgress(stream: String(cString: stream), rows: rowsDone)
        }
        table.pointee.is_cancelled = { context in
            PluginContext.from(context)?.isCancelled == true ? 1 : 0
        }
        table.pointee.reject = { context, stream, location, raw, length, reason in
            guard let context = PluginContext.from(context) else { return 0 }
            let bytes = raw.map { Array(UnsafeRawBufferPointer(start: $0, count: length)) } ?? []
            let reject = PluginContext.Reject(
                stream: stream.map { String(cString: $0) } ?? "", location: location.map { String(cString: $0) } ?? "",
                reason: reason.map { String(cString: $0) } ?? "", raw: bytes
            )
            return context.offerReject(reject) ? 1 : 0
        }
        table.pointee.retry = { context, stream, attempt, maxRetries, waitSeconds, reason in
            guard let context = PluginContext.from(context) else { return }
            context.reportRetry(PluginRetry(
                stream: stream.map { String(cString: $0) }, attempt: Int(attempt),
                maxRetries: maxRetries >= 0 ? Int(maxRetries) : nil,
                waitSeconds: waitSeconds.isFinite ? max(0, waitSeconds) : 0,
                reason: reason.map { String(cString: $0) } ?? "no reason given"
            ))
        }
        return UnsafePointer(table)
    }()
}

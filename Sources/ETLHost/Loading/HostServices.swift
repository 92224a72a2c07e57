import CETLPlugin
import ETLPluginKit
import Foundation
import Synchronization

/// Receives the messages plugins send through `etl_host_api.log`.
public protocol PluginLogSink: Sendable {
    /// Called from any thread with the plugin's name and its message.
    func log(plugin: String, level: LogLevel, message: String)
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

    func reportProgress(stream: String, rows: Int64) {
        progressState.withLock { $0[stream] = rows }
    }

    /// The opaque pointer handed to the plugin. Valid while `self` is alive.
    var opaquePointer: OpaquePointer { OpaquePointer(Unmanaged.passUnretained(self).toOpaque()) }

    static func from(_ pointer: OpaquePointer?) -> PluginContext? {
        guard let pointer else { return nil }
        return Unmanaged<PluginContext>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    }
}

/// The host's `etl_host_api` table, allocated once and never freed (plugins
/// may keep the pointer for the life of the process).
enum HostServices {
    /// Attribution for messages logged with a NULL context (during init).
    static let initializingPlugin = Mutex<String>("plugin")
    /// Where messages logged with a NULL context go.
    static let defaultSink = Mutex<any PluginLogSink>(StandardErrorLogSink())

    nonisolated(unsafe) static let table: UnsafePointer<etl_host_api> = {
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
        return UnsafePointer(table)
    }()
}

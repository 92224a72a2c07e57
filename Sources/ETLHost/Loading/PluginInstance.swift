import CETLPlugin
import ETLPluginKit
import Foundation

/// An open instance of a loaded plugin: a connection to one source or
/// destination, configured by a JSON object.
///
/// ```swift
/// let plugin = try PluginLoader().load(libraryAt: "libetl_dirlist.so")
/// let instance = try PluginInstance(plugin: plugin, configJSON: #"{"path": "/tmp"}"#)
/// let stream = try instance.read(stream: "files")
/// while let batch = try stream.next() { print(batch.rowCount) }
/// ```
///
/// Not thread-safe, as the contract says: one instance is used by one thread
/// at a time, except ``cancel()``, which any thread may call.
public final class PluginInstance: @unchecked Sendable {
    // @unchecked: used by one thread at a time, as the contract requires; only cancel() may come from another.
    /// The plugin this is an instance of.
    public let plugin: LoadedPlugin
    /// The host context the plugin logs and reports progress through.
    public let context: PluginContext
    private var handle: OpaquePointer?

    /// Opens an instance with `configJSON` (a JSON object; the caller
    /// validates it against the plugin's config schema first).
    ///
    /// - Throws: `.operationFailed` with the plugin's message.
    public init(plugin: LoadedPlugin, configJSON: String, logSink: any PluginLogSink = StandardErrorLogSink()) throws {
        self.plugin = plugin
        context = PluginContext(pluginName: plugin.descriptor.name, logSink: logSink)
        var opened: OpaquePointer?
        try configJSON.withCString { config in
            var request = etl_open_request()
            request.struct_size = UInt32(MemoryLayout<etl_open_request>.size)
            request.config_json = config
            request.host_context = context.opaquePointer
            try plugin.call("open") { error in plugin.raw.open!(&request, &opened, error) }
        }
        guard let opened else {
            throw HostError(.pluginFailed, "plugin '\(plugin.descriptor.name)': open returned ETL_OK without an instance",
                            plugin: plugin.descriptor.name)
        }
        handle = opened
    }

    deinit { close() }

    /// Closes the instance (once; later calls do nothing).
    public func close() {
        if let handle {
            plugin.raw.close!(handle)
            self.handle = nil
        }
    }

    /// The live handle, or an error once closed.
    func liveHandle() throws -> OpaquePointer {
        guard let handle else { throw HostError(.invalidArgument, "plugin '\(plugin.descriptor.name)': the instance is closed") }
        return handle
    }

    /// Set while a ``QueryStream`` of this instance is alive: its C stream
    /// is not yet released, and the contract allows no other call on the
    /// instance but cancel() until it is.
    var queryStreamIsAlive = false

    /// The live handle for a call of `operation`, refused while a
    /// ``QueryStream`` of this instance is alive.
    ///
    /// - Throws: `.invalidArgument` once closed, or naming `operation`
    ///   and the live stream.
    func usableHandle(for operation: String) throws -> OpaquePointer {
        let handle = try liveHandle()
        guard !queryStreamIsAlive else {
            throw HostError(.invalidArgument, "plugin '\(plugin.descriptor.name)': \(operation) refused: the rows of a "
                + "query on this instance are still being read (a QueryStream is alive); until its stream is released, "
                + "the contract allows no other call on the instance: read it to the end and close it "
                + "(QueryStream.close()), or use another instance")
        }
        return handle
    }

    /// Asks the plugin to stop what it is doing; safe from any thread.
    public func cancel() {
        context.cancel()
        if let handle, let cancel = plugin.raw.cancel { cancel(handle) }
    }

    /// Runs the plugin's `check`; does nothing when the plugin has none.
    public func check() throws {
        guard let check = plugin.raw.check else { return }
        let handle = try liveHandle()
        try plugin.call("check") { check(handle, $0) }
    }

    // MARK: Extractor operations

    /// The extractor's catalog, as the JSON text it returned.
    public func discover() throws -> String {
        let ops = try plugin.extractor()
        let handle = try liveHandle()
        return try plugin.callReturningBuffer("discover") { buffer, error in ops.discover!(handle, buffer, error) }
    }

    /// Starts reading `stream`, continuing after `stateJSON` if given; with
    /// `keysOnly`, lists the primary key of every record at the source
    /// instead (extractors with the `key_listing` capability, ABI 1.1).
    public func read(stream: String, stateJSON: String? = nil, keysOnly: Bool = false) throws -> ExtractorStream {
        let ops = try plugin.extractor()
        let handle = try liveHandle()
        let arrowStream = UnsafeMutablePointer<ArrowArrayStream>.allocate(capacity: 1)
        arrowStream.initialize(to: ArrowArrayStream())
        do {
            try stream.withCString { name in
                try withOptionalCString(stateJSON) { state in
                    var request = etl_read_request()
                    request.struct_size = UInt32(MemoryLayout<etl_read_request>.size)
                    request.stream = name
                    request.state_json = state
                    request.keys_only = keysOnly ? 1 : 0
                    try plugin.call(keysOnly ? "read of the keys of '\(stream)'" : "read '\(stream)'", stream: stream) { error in ops.read!(handle, &request, arrowStream, error) }
                }
            }
        } catch {
            if arrowStream.pointee.release != nil { arrowStream.pointee.release(arrowStream) }
            arrowStream.deallocate()
            throw error
        }
        // The reader moves the stream out of our allocation.
        defer { arrowStream.deallocate() }
        let fullError = ops.stream_error.map { streamError in
            { [plugin] (failed: UnsafeMutablePointer<ArrowArrayStream>) -> PluginError? in
                var error = emptyError()
                let status = streamError(handle, failed, &error)
                guard status != ETL_OK.rawValue else {
                    if let release = error.release { release(&error) }
                    return nil
                }
                return PluginError(taking: &error, status: status, detail: plugin.raw.error_detail)
            }
        }
        return try ExtractorStream(taking: arrowStream, plugin: plugin.descriptor.name, stream: stream, instance: self,
                                   fullError: fullError)
    }

    /// The state covering every batch read so far from `stream`, or nil when
    /// the extractor is not incremental.
    public func checkpoint(stream: String) throws -> String? {
        let ops = try plugin.extractor()
        guard let checkpoint = ops.checkpoint else { return nil }
        let handle = try liveHandle()
        return try stream.withCString { name in
            try plugin.callReturningBuffer("checkpoint '\(stream)'", stream: stream) { buffer, error in checkpoint(handle, name, buffer, error) }
        }
    }
}

/// A stream of batches from an extractor's `read`: the plugin's
/// ArrowArrayStream, with its schema and every batch validated on import
/// (see `ArrowStreamReader`), and failures turned into ``HostError``s that
/// name the plugin and the stream.
public final class ExtractorStream: @unchecked Sendable {
    // @unchecked: owned by one thread at a time (the contract allows no concurrent calls on a stream).
    /// The stream's name.
    public let name: String
    private let reader: ArrowStreamReader
    private let pluginName: String
    private let instance: PluginInstance  // keeps the instance open while the stream lives

    init(taking stream: UnsafeMutablePointer<ArrowArrayStream>, plugin: String, stream name: String, instance: PluginInstance,
         fullError: ArrowStreamReader.FullErrorSource? = nil) throws {
        self.name = name
        pluginName = plugin
        self.instance = instance
        do { reader = try ArrowStreamReader(taking: stream, fullError: fullError) } catch {
            throw Self.hostError(error, plugin: plugin, stream: name)
        }
    }

    /// The batches' schema, as the stream's get_schema returned it.
    public var schema: ArrowBatchSchema { reader.schema }

    /// The next batch, or nil at the end of the stream.
    ///
    /// - Throws: `.badData` when the source's data is malformed (the
    ///   plugin's EBADMSG), `.pluginFailed` when a batch breaks the Arrow
    ///   rules, `.operationFailed` otherwise, carrying the plugin's status and
    ///   retryability (EAGAIN is retryable).
    public func next() throws -> ImportedBatch? {
        do { return try reader.next() } catch { throw Self.hostError(error, plugin: pluginName, stream: name) }
    }

    private static func hostError(_ error: PluginError, plugin: String, stream: String) -> HostError {
        let kind: HostError.Kind = switch error.code {
        case .data: .badData
        case .internal: .pluginFailed
        default: .operationFailed
        }
        return HostError(kind, "plugin '\(plugin)': stream '\(stream)': \(error.message) [\(error.code)]",
                         pluginStatus: error.code.rawValue, retryable: error.retryable,
                         retryAfterSeconds: error.retryAfterSeconds, sqlstate: error.sqlstate, vendorCode: error.vendorCode,
                         plugin: plugin, stream: stream)
    }
}

extension LoadedPlugin {
    /// The extractor operations, or an error naming what the plugin is.
    func extractor() throws -> etl_extractor_ops {
        guard let ops = extractorOps else { throw kindMismatch(needed: .extractor) }
        return ops
    }

    /// Calls a plugin operation and turns a failure into a HostError carrying
    /// the plugin's message, code and retryability (the error is released).
    ///
    /// `ETL_ERR_DATA` from any operation, an extractor's as a warehouse's,
    /// is `.badData` (exit 65) and never retried, whatever its retryable
    /// flag says; every other failure is `.operationFailed`.
    ///
    /// The error names the plugin in its ``HostError/plugin`` field, and
    /// `stream`/`table` when the caller gives them.
    func call(_ operation: String, stream: String? = nil, table: String? = nil,
              _ body: (UnsafeMutablePointer<etl_error>) -> etl_status) throws {
        var error = emptyError()
        let status = body(&error)
        guard status != ETL_OK.rawValue else { return }
        let failure = PluginError(taking: &error, status: status, detail: raw.error_detail)
        let isBadData = status == ETL_ERR_DATA.rawValue
        throw HostError(isBadData ? .badData : .operationFailed,
                        "plugin '\(descriptor.name)': \(operation) failed: \(failure.message) [\(PluginStatusCode.name(status))]",
                        pluginStatus: status, retryable: failure.retryable && !isBadData,
                        retryAfterSeconds: failure.retryAfterSeconds, sqlstate: failure.sqlstate, vendorCode: failure.vendorCode,
                        plugin: descriptor.name, stream: stream, table: table)
    }

    /// Calls an operation that fills an etl_buffer and returns its text.
    func callReturningBuffer(_ operation: String, stream: String? = nil, table: String? = nil,
                             _ body: (UnsafeMutablePointer<etl_buffer>, UnsafeMutablePointer<etl_error>) -> etl_status) throws -> String {
        var buffer = etl_buffer()
        buffer.struct_size = UInt32(MemoryLayout<etl_buffer>.size)
        try call(operation, stream: stream, table: table) { error in body(&buffer, error) }
        defer { if let release = buffer.release { release(&buffer) } }
        guard let data = buffer.data else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: Int(buffer.length)), as: UTF8.self)
    }
}

/// Runs `body` with a C string for `text`, or NULL when it is nil.
package func withOptionalCString<T>(_ text: String?, _ body: (UnsafePointer<CChar>?) throws -> T) rethrows -> T {
    guard let text else { return try body(nil) }
    return try text.withCString { try body($0) }
}

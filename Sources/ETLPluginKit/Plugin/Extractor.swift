/// A source of streams of records: what a Swift extractor plugin
/// implements. ``PluginEntry`` turns it into the C operations of
/// `etl_extractor_ops`.
///
/// One instance is made per open() with the validated config, and is never
/// called concurrently, except ``cancel()`` which may come from any thread.
/// Throw ``PluginError`` for actionable failures; anything else thrown is
/// reported as ``PluginError/Code/unknown`` with its description.
///
/// ```swift
/// final class Numbers: Extractor {
///     static let info = PluginInfo(name: "numbers", version: "1.0.0",
///         description: "Counts from 1 to `count`",
///         configSchema: #"{"type":"object","properties":{"count":{"type":"integer"}}}"#)
///     let count: Int64
///     let host: HostContext
///     init(config: PluginConfig, host: HostContext) throws {
///         count = try config.integer("count") ?? 10
///         self.host = host
///     }
///     func discover() throws -> Catalog {
///         Catalog(streams: [CatalogStream(name: "numbers",
///                                         fields: [CatalogField(name: "n", type: .integer)])])
///     }
///     func read(stream: String, state: String?) throws -> any BatchSource {
///         var next: Int64 = 1
///         return ClosureBatchSource(schema: ArrowBatchSchema([ArrowField("n", .int64)])) { b in
///             while next <= self.count && b.rowCount < 65_536 {
///                 b.append(next); try b.endRow(); next += 1
///             }
///             return next <= self.count
///         }
///     }
/// }
///
/// @_cdecl("etl_plugin_init")
/// public func etl_plugin_init(_ hostABI: UInt32, _ host: UnsafePointer<etl_host_api>?,
///                             _ out: UnsafeMutablePointer<etl_plugin>?,
///                             _ error: UnsafeMutablePointer<etl_error>?) -> Int32 {
///     PluginEntry.initialize(hostABI: hostABI, host: host, out: out, error: error,
///                            extractor: Numbers.self)
/// }
/// ```
public protocol Extractor: AnyObject {
    /// The plugin's identity, config schema and capabilities. Include
    /// ``PluginCapabilities/incremental`` only if ``checkpoint(stream:)``
    /// returns real states: the kit sets the C `checkpoint` operation only
    /// then.
    static var info: PluginInfo { get }

    /// Opens an instance with a config the host validated against
    /// ``PluginInfo/configSchema``.
    ///
    /// - Parameter host: logging, progress and cancellation for this
    ///   instance; keep it.
    init(config: PluginConfig, host: HostContext) throws

    /// Verifies that the source is reachable (credentials, paths, network).
    /// The default does nothing.
    func check() throws

    /// Describes the streams the instance can read.
    func discover() throws -> Catalog

    /// Starts reading `stream`, continuing after `state` (a JSON value from
    /// ``checkpoint(stream:)`` of an earlier run) when it is given.
    ///
    /// The kit serves the source as an ArrowArrayStream, checking for
    /// cancellation before each batch and reporting progress after it.
    func read(stream: String, state: String?) throws -> any BatchSource

    /// The state (JSON text) covering every batch returned so far by the
    /// current or last read of `stream`; `nil` becomes JSON `null`. Only
    /// called when ``info`` has ``PluginCapabilities/incremental``.
    func checkpoint(stream: String) throws -> String?

    /// Lists the primary key of every record currently in `stream` (the
    /// catalog's `primary_key` columns only, typed as in ``read(stream:state:)``),
    /// so that the host can detect deleted records during an incremental
    /// sync. Only called when ``info`` has ``PluginCapabilities/keyListing``
    /// (since ABI 1.1); the default throws ``PluginError/Code/unsupported``.
    func readKeys(stream: String) throws -> any BatchSource

    /// Called from any thread when the host asks the instance to stop; must
    /// not block. The kit has already raised ``HostContext/cancellation``,
    /// so most extractors need nothing here; override to interrupt a
    /// blocking call (close a socket). The default does nothing.
    func cancel()
}

extension Extractor {
    /// Does nothing: the source is assumed reachable.
    public func check() throws {}

    /// Returns `nil`: not incremental.
    public func checkpoint(stream: String) throws -> String? { nil }

    /// Throws ``PluginError/Code/unsupported``.
    public func readKeys(stream: String) throws -> any BatchSource {
        throw PluginError(.unsupported, "\(Self.info.name) cannot list the keys of stream \"\(stream)\"")
    }

    /// Does nothing.
    public func cancel() {}
}

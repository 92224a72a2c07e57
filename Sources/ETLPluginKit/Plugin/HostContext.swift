/// The host's services for one plugin instance: logging, progress and
/// cancellation, reached through the `etl_host_api` table.
///
/// Every field of the table is checked against the host's `struct_size`
/// (`ETL_HAS_FIELD`) and for `NULL` before use, so a smaller or partial
/// table degrades to no-ops. All members may be used from any thread.
///
/// ```swift
/// host.log(.info, "reading \(files.count) files")
/// try host.checkCancelled("reading orders.csv")
/// host.progress(stream: "orders", rowsDone: 65_536)
/// ```
public final class HostContext: @unchecked Sendable {
    // @unchecked: the table and handle are host-owned, immutable and, by
    // the contract, usable from any thread; the flag is atomic.
    private let api: UnsafePointer<etl_host_api>?
    private let context: OpaquePointer?
    /// Raised by the instance's `cancel()`; part of ``isCancelled``.
    public let cancellation: CancellationFlag

    /// Wraps a host table and an instance handle (`etl_open_request.host_context`).
    /// Either may be `nil` (no host services, e.g. in tests).
    public init(api: UnsafePointer<etl_host_api>?, context: OpaquePointer?,
                cancellation: CancellationFlag = CancellationFlag()) {
        self.api = api
        self.context = context
        self.cancellation = cancellation
    }

    /// A context with no host behind it: logs and progress go nowhere,
    /// cancellation comes only from ``cancellation``.
    public static func detached() -> HostContext {
        HostContext(api: nil, context: nil)
    }

    /// The host's ABI version (`etl_host_api.abi_version`), if known.
    public var hostABIVersion: UInt32? {
        api.flatMap { CStructField.read(\etl_host_api.abi_version, from: $0) }
    }

    /// Writes a message to the run's log. Never log secrets or row values.
    public func log(_ level: LogLevel, _ message: String) {
        guard let api, let log = CStructField.read(\etl_host_api.log, from: api), let log else { return }
        message.withCString { log(context, level.rawValue, $0) }
    }

    /// Reports progress on a stream: rows done so far and, if known, the
    /// total. Cheap enough per batch; do not call it per row.
    public func progress(stream: String, rowsDone: Int64, rowsTotal: Int64? = nil) {
        guard let api, let progress = CStructField.read(\etl_host_api.progress, from: api), let progress
        else { return }
        stream.withCString { progress(context, $0, rowsDone, rowsTotal ?? -1) }
    }

    /// Whether the instance was cancelled or the host asked to stop
    /// (SIGINT, SIGTERM). Poll it between requests or batches.
    public var isCancelled: Bool {
        if cancellation.isCancelled { return true }
        guard let api, let isCancelled = CStructField.read(\etl_host_api.is_cancelled, from: api),
              let isCancelled
        else { return false }
        return isCancelled(context) != 0
    }

    /// Offers a malformed record to the host instead of failing the stream
    /// (`etl_host_api.reject`, the user's `--max-bad-rows`).
    ///
    /// ```swift
    /// guard host.reject(stream: "orders", location: "orders.csv line 17",
    ///                   raw: lineBytes, reason: "expected 4 fields, found 5") else {
    ///     throw PluginError.data("orders.csv line 17: expected 4 fields, found 5")
    /// }
    /// // taken: skip the record and go on
    /// ```
    ///
    /// - Returns: true when the host took it (skip the record and go on);
    ///   false when it did not (fail as you would have).
    public func reject(stream: String, location: String, raw: UnsafeRawBufferPointer, reason: String) -> Bool {
        guard let api, let reject = CStructField.read(\etl_host_api.reject, from: api), let reject else { return false }
        return stream.withCString { stream in
            location.withCString { location in
                reason.withCString { reason in
                    reject(context, stream, location, raw.baseAddress?.assumingMemoryBound(to: CChar.self), raw.count, reason) != 0
                }
            }
        }
    }

    /// Reports that the plugin retries a request on its own, so that the
    /// run counts it (`etl_host_api.retry`, ABI 1.2); the host also logs it
    /// at warn level as `<reason>; retry <attempt> of <maxRetries> in
    /// <wait> s`. A host older than 1.2 gets that line through
    /// ``log(_:_:)`` instead. Call it before waiting.
    ///
    /// ```swift
    /// host.retry(stream: "orders", attempt: 1, of: 5, waitSeconds: 0.8,
    ///            reason: "page 3: HTTP 503")
    /// ```
    ///
    /// - Parameters:
    ///   - stream: the stream or table concerned, if any.
    ///   - attempt: the number of this retry, 1 for the first.
    ///   - maxRetries: how many retries are allowed, if known.
    ///   - waitSeconds: the wait before the retry (0: none).
    ///   - reason: what failed, without values or secrets.
    public func retry(stream: String?, attempt: Int, of maxRetries: Int?, waitSeconds: Double, reason: String) {
        guard let api else { return }
        if let retry = CStructField.read(\etl_host_api.retry, from: api), let retry {
            withOptionalCString(stream) { stream in
                reason.withCString { reason in
                    retry(context, stream, Int32(clamping: attempt), Int32(clamping: maxRetries ?? -1), waitSeconds, reason)
                }
            }
            return
        }
        let limit = maxRetries.map { " of \($0)" } ?? ""
        let rounded = (waitSeconds * 100).rounded() / 100
        let wait = waitSeconds > 0 ? " in \(rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)) s" : ""
        log(.warn, "\(reason); retry \(attempt)\(limit)\(wait)")
    }

    /// Throws ``PluginError/Code/cancelled`` when ``isCancelled``.
    ///
    /// - Parameter what: the operation, for the message, e.g.
    ///   `"reading orders.csv"` gives `"reading orders.csv was cancelled"`.
    public func checkCancelled(_ what: String = "the operation") throws(PluginError) {
        if isCancelled { throw PluginError.cancelled("\(what) was cancelled") }
    }
}

/// Runs `body` with a C string for `text`, or NULL when it is nil.
private func withOptionalCString<T>(_ text: String?, _ body: (UnsafePointer<CChar>?) -> T) -> T {
    guard let text else { return body(nil) }
    return text.withCString { body($0) }
}

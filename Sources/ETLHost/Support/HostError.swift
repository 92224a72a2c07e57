import Foundation

/// The one error type of the host library.
///
/// Every message names the thing that failed (a file, a plugin, a registry)
/// and, where there is one, the fix. Messages never contain secrets.
///
/// ```swift
/// do { _ = try PluginLoader().load(libraryAt: "/tmp/libbad.so") }
/// catch let error as HostError where error.kind == .notAPlugin { print(error) }
/// ```
public struct HostError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong, coarsely; drives the process exit code.
    public enum Kind: String, Sendable {
        /// A library could not be loaded or its entry point is missing.
        case notAPlugin
        /// The plugin was built for an incompatible ABI major version or toolchain.
        case abiMismatch
        /// The plugin's init failed, crashed, or filled an invalid descriptor.
        case pluginFailed
        /// A registry file is unreadable, malformed, or has no such entry.
        case registry
        /// A library's checksum differs from the one its registry entry pins.
        case checksumMismatch
        /// The user asked for something invalid (bad name, bad path, bad config).
        case invalidArgument
        /// Reading or writing a file failed.
        case io
        /// A plugin operation (open, discover, read, write, commit, ...)
        /// returned an error.
        case operationFailed
        /// Input data is malformed or does not fit its column.
        case badData
        /// The run was cancelled (SIGINT, SIGTERM); nothing half-done was kept.
        case cancelled
    }

    /// The coarse class of the failure.
    public let kind: Kind
    /// The full, actionable message.
    public let message: String

    /// For `.operationFailed`: the plugin's status code (`etl_status_code`).
    public let pluginStatus: Int32?
    /// For `.operationFailed`: whether the plugin said a retry may succeed.
    public let retryable: Bool
    /// Seconds the plugin asked the host to wait before a retry
    /// (`etl_error_detail.retry_after_seconds`, ABI 1.2); honoured by
    /// ``RetryPolicy``.
    public let retryAfterSeconds: Double?
    /// The SQLSTATE of the plugin's database error (`etl_error_detail`).
    public let sqlstate: String?
    /// The vendor's own error code (`etl_error_detail.vendor_code`).
    public let vendorCode: Int32?

    /// The plugin that failed or was being used: its registry name, or
    /// the library's path when the error came before its descriptor was
    /// read (loading, init). Also named in ``message``; nil when no plugin
    /// was involved.
    public private(set) var plugin: String?
    /// The source stream being read or loaded, when there was one.
    public private(set) var stream: String?
    /// The warehouse table being written or read, when there was one.
    public private(set) var table: String?
    /// Where in the stream's data the failure is, as the message says it,
    /// e.g. `row 3, column 'amount'`; nil when the error is not about one
    /// row or record.
    public private(set) var location: String?

    /// Creates an error of `kind` with `message`, and the context fields
    /// the place that makes it knows (each also named in `message`).
    public init(_ kind: Kind, _ message: String, pluginStatus: Int32? = nil, retryable: Bool = false,
                retryAfterSeconds: Double? = nil, sqlstate: String? = nil, vendorCode: Int32? = nil,
                plugin: String? = nil, stream: String? = nil, table: String? = nil, location: String? = nil) {
        self.kind = kind
        self.message = message
        self.pluginStatus = pluginStatus
        self.retryable = retryable
        self.retryAfterSeconds = retryAfterSeconds
        self.sqlstate = sqlstate
        self.vendorCode = vendorCode
        self.plugin = plugin
        self.stream = stream
        self.table = table
        self.location = location
    }

    /// A copy of this error with the context fields that are still nil
    /// set from the arguments (the place closest to the failure knows
    /// best, so fields already set are kept). The message is unchanged.
    ///
    /// ```swift
    /// catch let error as HostError { throw error.adding(stream: "orders", table: "orders") }
    /// ```
    public func adding(plugin: String? = nil, stream: String? = nil, table: String? = nil,
                       location: String? = nil) -> HostError {
        var copy = self
        copy.plugin = self.plugin ?? plugin
        copy.stream = self.stream ?? stream
        copy.table = self.table ?? table
        copy.location = self.location ?? location
        return copy
    }

    /// A copy of this error with another message (the same failure told
    /// from a wider place), with kind, codes and context kept.
    public func replacingMessage(with message: String) -> HostError {
        HostError(kind, message, pluginStatus: pluginStatus, retryable: retryable,
                  retryAfterSeconds: retryAfterSeconds, sqlstate: sqlstate, vendorCode: vendorCode,
                  plugin: plugin, stream: stream, table: table, location: location)
    }

    /// A copy of this error of another kind, with everything else (message,
    /// plugin status, retry hints, database codes, context) kept.
    public func changingKind(to kind: Kind, retryable: Bool? = nil) -> HostError {
        HostError(kind, message, pluginStatus: pluginStatus, retryable: retryable ?? self.retryable,
                  retryAfterSeconds: retryAfterSeconds, sqlstate: sqlstate, vendorCode: vendorCode,
                  plugin: plugin, stream: stream, table: table, location: location)
    }

    public var description: String { message }
}

/// The text of the current `errno` (or of `code`), as `strerror` gives it.
package func errnoDescription(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
}

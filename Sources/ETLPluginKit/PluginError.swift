#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The one error type of ETLPluginKit: a status code of the contract, an
/// actionable message and whether retrying may help.
///
/// Everything in the kit throws it (batch building and validation, stream
/// import, config parsing, CSV reading), and the entry-point trampolines turn
/// whatever a plugin throws into an `etl_error` with it. Messages name the
/// failing input (file and line, column, config key) and the fix; they must
/// never contain secrets or row values.
///
/// ```swift
/// throw PluginError(.invalidArgument,
///                   "config \"delimiter\" must be one character, got \"::\"")
/// throw PluginError.io("orders.csv: read failed: \(reason)", retryable: true)
/// ```
public struct PluginError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A status code of the contract (`enum etl_status_code`).
    public enum Code: Int32, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// `ETL_ERR_UNKNOWN`: a failure with no better code.
        case unknown = 1
        /// `ETL_ERR_INVALID_ARGUMENT`: bad config, unknown stream, misuse.
        case invalidArgument = 2
        /// `ETL_ERR_NOT_FOUND`: a file, table or state key does not exist.
        case notFound = 3
        /// `ETL_ERR_IO`: reading or writing failed (disk, network, database).
        case io = 4
        /// `ETL_ERR_UNAUTHENTICATED`: credentials missing, wrong or expired.
        case unauthenticated = 5
        /// `ETL_ERR_PERMISSION_DENIED`: valid credentials, operation refused.
        case permissionDenied = 6
        /// `ETL_ERR_CANCELLED`: stopped because cancel() was called.
        case cancelled = 7
        /// `ETL_ERR_NOT_IMPLEMENTED`: operation or option not supported.
        case unsupported = 8
        /// `ETL_ERR_ABI_MISMATCH`: the other side speaks another ABI major.
        case abiMismatch = 9
        /// `ETL_ERR_DATA`: malformed data: a bad row, a wrong type, a corrupt
        /// Arrow array.
        case data = 10
        /// `ETL_ERR_RATE_LIMITED`: the other end asked us to slow down.
        case rateLimited = 11
        /// `ETL_ERR_TIMEOUT`: a deadline passed.
        case timeout = 12
        /// `ETL_ERR_INTERNAL`: a bug: an invariant was violated.
        case `internal` = 13
        /// `ETL_ERR_RESOURCE_EXHAUSTED`: out of memory, disk full, quota exceeded.
        case resourceExhausted = 14

        /// The code for a raw `etl_status`; unknown values (and 0, which is
        /// not an error) become ``unknown``, as the contract requires.
        public init(status: Int32) {
            self = Code(rawValue: status) ?? .unknown
        }

        /// The C spelling, e.g. `"ETL_ERR_NOT_FOUND"`, for logs and searches.
        public var description: String {
            switch self {
            case .unknown: "ETL_ERR_UNKNOWN"
            case .invalidArgument: "ETL_ERR_INVALID_ARGUMENT"
            case .notFound: "ETL_ERR_NOT_FOUND"
            case .io: "ETL_ERR_IO"
            case .unauthenticated: "ETL_ERR_UNAUTHENTICATED"
            case .permissionDenied: "ETL_ERR_PERMISSION_DENIED"
            case .cancelled: "ETL_ERR_CANCELLED"
            case .unsupported: "ETL_ERR_NOT_IMPLEMENTED"
            case .abiMismatch: "ETL_ERR_ABI_MISMATCH"
            case .data: "ETL_ERR_DATA"
            case .rateLimited: "ETL_ERR_RATE_LIMITED"
            case .timeout: "ETL_ERR_TIMEOUT"
            case .internal: "ETL_ERR_INTERNAL"
            case .resourceExhausted: "ETL_ERR_RESOURCE_EXHAUSTED"
            }
        }
    }

    /// What kind of failure this is; the status returned across the ABI.
    public var code: Code
    /// A human-readable, actionable message.
    public var message: String
    /// Whether the same operation may succeed if retried later.
    public var retryable: Bool
    /// Seconds the source asked to wait before a retry (HTTP Retry-After,
    /// a rate limit's reset), when it asked (`etl_error_detail`, ABI 1.2).
    public var retryAfterSeconds: Double?
    /// The SQLSTATE of a database error (5 characters, e.g. `"40001"`).
    public var sqlstate: String?
    /// The vendor's own error code (an HTTP status, a driver's errno).
    public var vendorCode: Int32?

    /// Whether the error carries any detail beyond code, message and
    /// retryable (what `etl_plugin.error_detail` hands the host).
    public var hasDetail: Bool { retryAfterSeconds != nil || sqlstate != nil || vendorCode != nil }

    /// Creates an error. `retryable` defaults to `true` for the transient
    /// codes (``Code/rateLimited``, ``Code/timeout``) and `false` otherwise.
    ///
    /// The detail (since ABI 1.2) reaches the host through
    /// `etl_plugin.error_detail`:
    ///
    /// ```swift
    /// throw PluginError(.io, "the transaction was aborted (SQLSTATE 40001)", retryable: true,
    ///                   retryAfterSeconds: 0.5, sqlstate: "40001")
    /// ```
    public init(_ code: Code, _ message: String, retryable: Bool? = nil, retryAfterSeconds: Double? = nil,
                sqlstate: String? = nil, vendorCode: Int32? = nil) {
        self.code = code
        self.message = message
        self.retryable = retryable ?? (code == .rateLimited || code == .timeout)
        self.retryAfterSeconds = retryAfterSeconds.flatMap { $0 > 0 && $0.isFinite ? $0 : nil }
        self.sqlstate = sqlstate.flatMap { $0.isEmpty ? nil : $0 }
        self.vendorCode = vendorCode
    }

    /// `"<message>"` prefixed with nothing: the message is meant for people.
    public var description: String { message }

    /// An ``Code/invalidArgument`` error.
    public static func invalidArgument(_ message: String) -> PluginError {
        PluginError(.invalidArgument, message)
    }

    /// A ``Code/notFound`` error.
    public static func notFound(_ message: String) -> PluginError {
        PluginError(.notFound, message)
    }

    /// An ``Code/io`` error, retryable when the failure is transient.
    public static func io(_ message: String, retryable: Bool = false) -> PluginError {
        PluginError(.io, message, retryable: retryable)
    }

    /// A ``Code/data`` error: malformed input.
    public static func data(_ message: String) -> PluginError {
        PluginError(.data, message)
    }

    /// A ``Code/cancelled`` error.
    public static func cancelled(_ message: String = "the operation was cancelled") -> PluginError {
        PluginError(.cancelled, message)
    }

    /// An ``Code/internal`` error: a bug in the plugin or the kit.
    public static func internalError(_ message: String) -> PluginError {
        PluginError(.internal, message)
    }

    /// `error` itself when it is a `PluginError`, otherwise an
    /// ``Code/unknown`` error describing it.
    public static func wrapping(_ error: any Error) -> PluginError {
        if let error = error as? PluginError { return error }
        return PluginError(.unknown, String(describing: error))
    }

    /// An error for a failed C call that set `errno`, e.g.
    /// `PluginError.posix(errno, "open orders.csv")` gives
    /// `"open orders.csv: No such file or directory"` with code
    /// ``Code/notFound``.
    public static func posix(_ number: Int32, _ what: String) -> PluginError {
        let reason = String(cString: strerror(number))
        let code: Code
        switch number {
        case ENOENT, ENOTDIR: code = .notFound
        case EACCES, EPERM: code = .permissionDenied
        case EINVAL, EISDIR: code = .invalidArgument
        case ECANCELED: code = .cancelled
        default: code = .io
        }
        let retryable = number == EAGAIN || number == EINTR || number == ETIMEDOUT
        return PluginError(code, "\(what): \(reason)", retryable: retryable)
    }
}

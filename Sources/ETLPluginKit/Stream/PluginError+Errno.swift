#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension PluginError {
    /// The errno an `ArrowArrayStream.get_next` returns for this error, as
    /// `etl_plugin.h` documents (its `ETL_STREAM_ERR_*` macros, used here): `ECANCELED` when cancelled, `EACCES` for
    /// refused credentials (unauthenticated), `EPERM` for credentials that
    /// lack a permission (permission denied), `EAGAIN`
    /// when retrying may help (``retryable``, rate limits, timeouts), and
    /// otherwise a permanent one: `EINVAL` (invalid argument), `ENOENT`
    /// (not found), `EBADMSG` (bad data), `ENOTSUP` (not implemented) or
    /// `EIO`.
    public var streamErrno: Int32 {
        switch code {
        case .cancelled: return ETL_STREAM_ERR_CANCELLED
        case .unauthenticated: return ETL_STREAM_ERR_UNAUTHENTICATED
        case .permissionDenied: return ETL_STREAM_ERR_PERMISSION_DENIED
        default: break
        }
        if retryable || code == .rateLimited || code == .timeout { return ETL_STREAM_ERR_TRANSIENT }
        switch code {
        case .invalidArgument: return ETL_STREAM_ERR_INVALID_ARGUMENT
        case .notFound: return ETL_STREAM_ERR_NOT_FOUND
        case .data: return ETL_STREAM_ERR_BAD_DATA
        case .unsupported: return ETL_STREAM_ERR_NOT_IMPLEMENTED
        default: return ETL_STREAM_ERR_IO
        }
    }

    /// The error a consumer makes of a failed `get_next`/`get_schema`:
    /// the inverse of ``streamErrno`` (`EAGAIN` gives a retryable
    /// ``Code/io``), with `message` from `get_last_error` or, without one,
    /// the system's text for the errno.
    public init(streamErrno: Int32, message: String?) {
        let code: Code
        switch streamErrno {
        case ETL_STREAM_ERR_CANCELLED: code = .cancelled
        case ETL_STREAM_ERR_UNAUTHENTICATED: code = .unauthenticated
        case ETL_STREAM_ERR_PERMISSION_DENIED: code = .permissionDenied
        case ETL_STREAM_ERR_INVALID_ARGUMENT: code = .invalidArgument
        case ETL_STREAM_ERR_NOT_FOUND: code = .notFound
        case ETL_STREAM_ERR_BAD_DATA: code = .data
        case ETL_STREAM_ERR_NOT_IMPLEMENTED: code = .unsupported
        default: code = .io
        }
        let text = message ?? "the stream failed: \(String(cString: strerror(streamErrno))) (errno \(streamErrno))"
        self.init(code, text, retryable: streamErrno == ETL_STREAM_ERR_TRANSIENT)
    }
}

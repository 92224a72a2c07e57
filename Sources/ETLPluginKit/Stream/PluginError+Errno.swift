#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension PluginError {
    /// The errno an `ArrowArrayStream.get_next` returns for this error, as
    /// `etl_plugin.h` documents: `ECANCELED` when cancelled, `EACCES` for
    /// refused credentials (unauthenticated), `EPERM` for credentials that
    /// lack a permission (permission denied), `EAGAIN`
    /// when retrying may help (``retryable``, rate limits, timeouts), and
    /// otherwise a permanent one: `EINVAL` (invalid argument), `ENOENT`
    /// (not found), `EBADMSG` (bad data), `ENOTSUP` (not implemented) or
    /// `EIO`.
    public var streamErrno: Int32 {
        switch code {
        case .cancelled: return ECANCELED
        case .unauthenticated: return EACCES
        case .permissionDenied: return EPERM
        default: break
        }
        if retryable || code == .rateLimited || code == .timeout { return EAGAIN }
        switch code {
        case .invalidArgument: return EINVAL
        case .notFound: return ENOENT
        case .data: return EBADMSG
        case .unsupported: return ENOTSUP
        default: return EIO
        }
    }

    /// The error a consumer makes of a failed `get_next`/`get_schema`:
    /// the inverse of ``streamErrno`` (`EAGAIN` gives a retryable
    /// ``Code/io``), with `message` from `get_last_error` or, without one,
    /// the system's text for the errno.
    public init(streamErrno: Int32, message: String?) {
        let code: Code
        switch streamErrno {
        case ECANCELED: code = .cancelled
        case EACCES: code = .unauthenticated
        case EPERM: code = .permissionDenied
        case EINVAL: code = .invalidArgument
        case ENOENT: code = .notFound
        case EBADMSG: code = .data
        case ENOTSUP: code = .unsupported
        default: code = .io
        }
        let text = message ?? "the stream failed: \(String(cString: strerror(streamErrno))) (errno \(streamErrno))"
        self.init(code, text, retryable: streamErrno == EAGAIN)
    }
}

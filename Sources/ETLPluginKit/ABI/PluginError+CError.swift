#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension PluginError {
    /// Fills a host-allocated `etl_error` with this error and returns the
    /// status to return from the operation (the raw ``code``).
    ///
    /// The message is `strdup`'d and freed by the `release` callback set
    /// here, which the host calls once. Only fields within the host's
    /// `struct_size` are written; if `release` does not fit, no message is
    /// attached (a message without `release` would have to be static).
    /// A `nil` `error` is allowed: the status is still returned.
    ///
    /// ```swift
    /// return PluginError.notFound("no table \"orders\"").export(to: error)
    /// ```
    @discardableResult
    public func export(to error: UnsafeMutablePointer<etl_error>?) -> Int32 {
        let status = code.rawValue
        guard let error else { return status }
        // A previous failure in the same call may have filled it already.
        if let release = CStructField.read(\etl_error.release, from: error), let release {
            release(error)
        }
        CStructField.write(status, to: \etl_error.code, of: error)
        CStructField.write(retryable ? 1 : 0, to: \etl_error.retryable, of: error)
        CStructField.write(nil, to: \etl_error.private_data, of: error)
        if CStructField.has(\etl_error.release, in: error),
           CStructField.has(\etl_error.message, in: error) {
            CStructField.write(strdup(message), to: \etl_error.message, of: error)
            CStructField.write(releaseErrorMessage, to: \etl_error.release, of: error)
        } else {
            CStructField.write(nil, to: \etl_error.message, of: error)
        }
        return status
    }

    /// Reads and releases an `etl_error` that a plugin filled after an
    /// operation returned `status` (host side, and tests).
    ///
    /// The error's `release` is called exactly once, here. A missing message
    /// becomes `"<plugin> failed with ETL_ERR_IO (no message)"`-style text
    /// naming the code.
    ///
    /// ```swift
    /// var err = etl_error(); err.struct_size = UInt32(MemoryLayout<etl_error>.size)
    /// let status = ops.discover(instance, &buffer, &err)
    /// if status != 0 { throw PluginError(taking: &err, status: status) }
    /// ```
    public init(taking error: UnsafeMutablePointer<etl_error>, status: Int32) {
        let code = Code(status: status)
        var text: String?
        if let message = CStructField.read(\etl_error.message, from: error), let message {
            text = String(validatingCString: message) ?? String(decoding: UnsafeRawBufferPointer(
                start: message, count: strlen(message)), as: UTF8.self)
        }
        let retryable = (CStructField.read(\etl_error.retryable, from: error) ?? 0) != 0
        if let release = CStructField.read(\etl_error.release, from: error), let release {
            release(error)
        }
        self.init(code, text ?? "failed with \(code) (no message)", retryable: retryable)
    }
}

/// The `release` of every `etl_error` the kit fills: frees the message.
private let releaseErrorMessage: @convention(c) (UnsafeMutablePointer<etl_error>?) -> Void = { error in
    guard let error else { return }
    if let message = CStructField.read(\etl_error.message, from: error), let message {
        free(message)
    }
    CStructField.write(nil, to: \etl_error.message, of: error)
    CStructField.write(nil, to: \etl_error.release, of: error)
}

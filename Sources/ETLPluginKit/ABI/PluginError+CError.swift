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
    /// A `nil` `error` is allowed: the status is still returned. The
    /// detail (``retryAfterSeconds``, ``sqlstate``, ``vendorCode``) is kept
    /// in `private_data` for `etl_plugin.error_detail` (ABI 1.2) and freed
    /// by the same `release`.
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
            if hasDetail, CStructField.has(\etl_error.private_data, in: error) {
                let box = Unmanaged.passRetained(ErrorDetailBox(self)).toOpaque()
                CStructField.write(box, to: \etl_error.private_data, of: error)
            }
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
    /// naming the code. With `detail` (the plugin's `etl_plugin.error_detail`,
    /// ABI 1.2) the retry-after, SQLSTATE and vendor code are read first.
    ///
    /// ```swift
    /// var err = etl_error(); err.struct_size = UInt32(MemoryLayout<etl_error>.size)
    /// let status = ops.discover(instance, &buffer, &err)
    /// if status != 0 { throw PluginError(taking: &err, status: status) }
    /// ```
    public init(taking error: UnsafeMutablePointer<etl_error>, status: Int32, detail: ErrorDetailFunction? = nil) {
        let code = Code(status: status)
        var text: String?
        if let message = CStructField.read(\etl_error.message, from: error), let message {
            text = String(validatingCString: message) ?? String(decoding: UnsafeRawBufferPointer(
                start: message, count: strlen(message)), as: UTF8.self)
        }
        let retryable = (CStructField.read(\etl_error.retryable, from: error) ?? 0) != 0
        var found = etl_error_detail()
        found.struct_size = UInt32(MemoryLayout<etl_error_detail>.size)
        let described = detail.map { $0(UnsafePointer(error), &found) == Int32(ETL_OK.rawValue) } ?? false
        if let release = CStructField.read(\etl_error.release, from: error), let release {
            release(error)
        }
        self.init(code, text ?? "failed with \(code) (no message)", retryable: retryable)
        if described { apply(found) }
    }

    /// Takes the fields of a filled `etl_error_detail` (zero: not known).
    mutating func apply(_ detail: etl_error_detail) {
        if detail.retry_after_seconds > 0, detail.retry_after_seconds.isFinite {
            retryAfterSeconds = detail.retry_after_seconds
        }
        if detail.has_vendor_code != 0 { vendorCode = detail.vendor_code }
        let state = withUnsafeBytes(of: detail.sqlstate) { bytes in
            String(decoding: bytes.prefix(5).prefix { $0 != 0 }, as: UTF8.self)
        }
        if !state.isEmpty { sqlstate = state }
    }

    /// Fills a host-allocated `etl_error_detail` with this error's detail,
    /// writing only the fields within its `struct_size`.
    func fill(_ detail: UnsafeMutablePointer<etl_error_detail>) {
        if let seconds = retryAfterSeconds {
            CStructField.write(seconds, to: \etl_error_detail.retry_after_seconds, of: detail)
        }
        if let vendorCode, CStructField.has(\etl_error_detail.vendor_code, in: detail) {
            CStructField.write(vendorCode, to: \etl_error_detail.vendor_code, of: detail)
            CStructField.write(1, to: \etl_error_detail.has_vendor_code, of: detail)
        }
        if let sqlstate, CStructField.has(\etl_error_detail.sqlstate, in: detail) {
            var bytes = (CChar(0), CChar(0), CChar(0), CChar(0), CChar(0), CChar(0))
            withUnsafeMutableBytes(of: &bytes) { raw in
                for (index, byte) in sqlstate.utf8.prefix(5).enumerated() { raw[index] = byte }
            }
            CStructField.write(bytes, to: \etl_error_detail.sqlstate, of: detail)
        }
    }
}

/// The signature of `etl_plugin.error_detail`.
public typealias ErrorDetailFunction = @convention(c) (
    UnsafePointer<etl_error>?, UnsafeMutablePointer<etl_error_detail>?
) -> Int32

/// The detail of an error the kit exported, kept in its `private_data`.
final class ErrorDetailBox {
    let error: PluginError
    init(_ error: PluginError) { self.error = error }
}

/// `etl_plugin.error_detail` of every plugin built with the kit: reads the
/// ``ErrorDetailBox`` that ``PluginError/export(to:)`` left in
/// `private_data` (only on errors this kit filled).
let exportedErrorDetail: ErrorDetailFunction = { error, detail in
    guard let error, let detail,
          let release = CStructField.read(\etl_error.release, from: error), let release,
          unsafeBitCast(release, to: UnsafeRawPointer.self) == unsafeBitCast(releaseErrorMessage, to: UnsafeRawPointer.self),
          let data = CStructField.read(\etl_error.private_data, from: error), let data
    else { return Int32(ETL_ERR_NOT_FOUND.rawValue) }
    Unmanaged<ErrorDetailBox>.fromOpaque(data).takeUnretainedValue().error.fill(detail)
    return Int32(ETL_OK.rawValue)
}

/// The `release` of every `etl_error` the kit fills: frees the message.
private let releaseErrorMessage: @convention(c) (UnsafeMutablePointer<etl_error>?) -> Void = { error in
    guard let error else { return }
    if let message = CStructField.read(\etl_error.message, from: error), let message {
        free(message)
    }
    if let data = CStructField.read(\etl_error.private_data, from: error), let data {
        Unmanaged<ErrorDetailBox>.fromOpaque(data).release()
    }
    CStructField.write(nil, to: \etl_error.private_data, of: error)
    CStructField.write(nil, to: \etl_error.message, of: error)
    CStructField.write(nil, to: \etl_error.release, of: error)
}

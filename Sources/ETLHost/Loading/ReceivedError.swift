import CETLPlugin

/// Host-side handling of the `etl_error` a plugin fills.
enum ReceivedError {
    /// A zeroed `etl_error` with struct_size set, ready to pass to a plugin.
    static func empty() -> etl_error {
        var error = etl_error()
        error.struct_size = UInt32(MemoryLayout<etl_error>.size)
        return error
    }

    /// Reads the message (if any), calls the plugin's release exactly once,
    /// and leaves `error` empty again.
    static func take(_ error: inout etl_error) -> String? {
        let message = error.message.map { String(cString: $0) }
        if let release = error.release { release(&error) }
        error = empty()
        return message.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Whether the plugin marked the error retryable; read before ``take(_:)``.
    static func isRetryable(_ error: etl_error) -> Bool { error.retryable != 0 }
}

/// Runs `body`, turning anything it throws into a filled `etl_error` and
/// its status: no Swift error crosses the boundary.
func guarded(_ error: UnsafeMutablePointer<etl_error>?, _ body: () throws -> Void) -> Int32 {
    do {
        try body()
        return 0
    } catch let failure {
        return PluginError.wrapping(failure).export(to: error)
    }
}

/// A borrowed C string as a Swift `String` (invalid UTF-8 repaired).
func string(from pointer: UnsafePointer<CChar>?) -> String? {
    pointer.map { String(cString: $0) }
}

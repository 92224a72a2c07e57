import CETLPlugin

/// A zeroed `etl_error` with struct_size set, ready to pass to a plugin.
/// Read and release what the plugin filled with `PluginError(taking:status:)`.
package func emptyError() -> etl_error {
    var error = etl_error()
    error.struct_size = UInt32(MemoryLayout<etl_error>.size)
    return error
}

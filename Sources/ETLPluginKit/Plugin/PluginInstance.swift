/// The object behind an `etl_instance*`: a retained box around the
/// author's extractor or warehouse, released by close().
class PluginInstance {
    let host: HostContext

    init(host: HostContext) {
        self.host = host
    }

    func check() throws {}

    /// The author's cancel hook; the flag is raised before it is called.
    func cancelHook() {}

    /// The instance behind a C handle, unretained.
    static func from(_ handle: OpaquePointer?) -> PluginInstance? {
        guard let handle else { return nil }
        return Unmanaged<PluginInstance>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
    }

    /// A retained C handle for `self`; close() releases it.
    func retainedHandle() -> OpaquePointer {
        OpaquePointer(Unmanaged<PluginInstance>.passRetained(self).toOpaque())
    }
}

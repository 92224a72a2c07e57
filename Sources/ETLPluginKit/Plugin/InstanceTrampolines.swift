// The C functions of `etl_plugin` shared by both kinds: open, check, cancel,
// close.

let instanceOpen: @convention(c) (
    UnsafePointer<etl_open_request>?, UnsafeMutablePointer<OpaquePointer?>?, UnsafeMutablePointer<etl_error>?
) -> Int32 = { request, out, error in
    guarded(error) {
        guard let request, let out else {
            throw PluginError.invalidArgument("open: request and out must not be NULL")
        }
        guard let registration = Registration.registered else {
            throw PluginError.internalError("open was called before etl_plugin_init")
        }
        guard let json = CStructField.read(\etl_open_request.config_json, from: request) ?? nil else {
            throw PluginError.invalidArgument("open: config_json is NULL; pass \"{}\" for an empty config")
        }
        let context = CStructField.read(\etl_open_request.host_context, from: request) ?? nil
        let config = try PluginConfig(json: String(cString: json))
        let host = HostContext(api: registration.hostAPI.pointer, context: context)
        let instance = try registration.open(config, host)
        out.pointee = instance.retainedHandle()
    }
}

let instanceCheck: @convention(c) (OpaquePointer?, UnsafeMutablePointer<etl_error>?) -> Int32 = {
    handle, error in
    guarded(error) {
        guard let instance = PluginInstance.from(handle) else {
            throw PluginError.invalidArgument("check: the instance is NULL")
        }
        try instance.check()
    }
}

let instanceCancel: @convention(c) (OpaquePointer?) -> Void = { handle in
    guard let instance = PluginInstance.from(handle) else { return }
    instance.host.cancellation.cancel()
    instance.cancelHook()
}

let instanceClose: @convention(c) (OpaquePointer?) -> Void = { handle in
    guard let handle else { return }
    Unmanaged<PluginInstance>.fromOpaque(UnsafeRawPointer(handle)).release()
}

/// The C functions of `etl_extractor_ops`, calling the instance's
/// ``Extractor``.
enum ExtractorTrampolines {
    /// The operation table. `checkpoint` is `NULL` unless the extractor is
    /// incremental, as the contract says.
    static func makeOps(incremental: Bool) -> etl_extractor_ops {
        var ops = etl_extractor_ops()
        ops.struct_size = UInt32(MemoryLayout<etl_extractor_ops>.size)
        ops.discover = discover
        ops.read = read
        ops.checkpoint = incremental ? checkpoint : nil
        ops.stream_error = streamError
        return ops
    }

    static func instance(_ handle: OpaquePointer?, _ operation: String) throws(PluginError) -> ExtractorInstance {
        guard let handle else {
            throw PluginError.invalidArgument("\(operation): the instance is NULL")
        }
        return Unmanaged<ExtractorInstance>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
    }
}

/// `stream_error` (ABI 1.2): the full error behind the last failed
/// get_next or get_schema of a stream this kit exported.
private let streamError: @convention(c) (
    OpaquePointer?, UnsafeMutablePointer<ArrowArrayStream>?, UnsafeMutablePointer<etl_error>?
) -> Int32 = { _, stream, error in
    guard let failure = ExportedStream.from(stream)?.lastFailure else { return Int32(ETL_OK.rawValue) }
    return failure.export(to: error)
}

private let discover: @convention(c) (
    OpaquePointer?, UnsafeMutablePointer<etl_buffer>?, UnsafeMutablePointer<etl_error>?
) -> Int32 = { handle, catalog, error in
    guarded(error) {
        let instance = try ExtractorTrampolines.instance(handle, "discover")
        guard let catalog else { throw PluginError.invalidArgument("discover: catalog is NULL") }
        try instance.host.checkCancelled("discover")
        let json = try instance.extractor.discover().jsonText()
        try ETLBuffer.fill(catalog, with: json)
    }
}

private let read: @convention(c) (
    OpaquePointer?, UnsafePointer<etl_read_request>?, UnsafeMutablePointer<ArrowArrayStream>?,
    UnsafeMutablePointer<etl_error>?
) -> Int32 = { handle, request, out, error in
    guarded(error) {
        let instance = try ExtractorTrampolines.instance(handle, "read")
        guard let request, let out else { throw PluginError.invalidArgument("read: request and out must not be NULL") }
        guard let stream = string(from: CStructField.read(\etl_read_request.stream, from: request) ?? nil) else {
            throw PluginError.invalidArgument("read: the stream name is NULL; pass a name from discover()")
        }
        let state = string(from: CStructField.read(\etl_read_request.state_json, from: request) ?? nil)
        let keysOnly = (CStructField.read(\etl_read_request.keys_only, from: request) ?? 0) != 0
        try instance.host.checkCancelled("reading stream \"\(stream)\"")
        let source: any BatchSource
        if keysOnly {
            guard type(of: instance.extractor).info.capabilities.contains(.keyListing) else {
                throw PluginError(.unsupported, "read: this extractor cannot list the keys of stream \"\(stream)\" "
                    + "(no key_listing capability)")
            }
            source = try instance.extractor.readKeys(stream: stream)
        } else {
            source = try instance.extractor.read(stream: stream, state: state)
        }
        try ArrowStreamExporter.export(source, to: out, host: instance.host, streamName: stream,
                                       batchCapacity: 1024, keepAlive: instance)
    }
}

private let checkpoint: @convention(c) (
    OpaquePointer?, UnsafePointer<CChar>?, UnsafeMutablePointer<etl_buffer>?, UnsafeMutablePointer<etl_error>?
) -> Int32 = { handle, stream, state, error in
    guarded(error) {
        let instance = try ExtractorTrampolines.instance(handle, "checkpoint")
        guard let stream = string(from: stream), let state else {
            throw PluginError.invalidArgument("checkpoint: stream and state must not be NULL")
        }
        let json = try instance.extractor.checkpoint(stream: stream) ?? "null"
        try ETLBuffer.fill(state, with: json)
    }
}

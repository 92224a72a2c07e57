#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Serves a ``BatchSource`` as an Arrow C `ArrowArrayStream`.
///
/// The stream's callbacks are C functions of this kit; its `private_data`
/// is a retained box holding the source, its builder and the last error.
/// Before each batch it checks for cancellation (``HostContext/isCancelled``)
/// and after each it reports progress to the host. No Swift error crosses
/// the boundary: a thrown error becomes the errno of
/// ``PluginError/streamErrno`` and its message is served by
/// `get_last_error` until the next call.
///
/// ```swift
/// try ArrowStreamExporter.export(source, to: out, host: host, streamName: "orders")
/// ```
public enum ArrowStreamExporter {
    /// Initializes `out` as a stream of `source`'s batches. The consumer
    /// owns it and calls its `release` exactly once.
    ///
    /// - Parameters:
    ///   - host: for cancellation and progress; `nil` for neither.
    ///   - streamName: the name used in progress reports and messages.
    ///   - batchCapacity: the row capacity the builder starts with.
    ///   - keepAlive: an object the stream retains until it is released.
    /// - Throws: ``PluginError/Code/data`` when the source's schema is
    ///   invalid (`out` is left untouched).
    public static func export(
        _ source: any BatchSource, to out: UnsafeMutablePointer<ArrowArrayStream>,
        host: HostContext? = nil, streamName: String = "stream", batchCapacity: Int = 1024,
        keepAlive: AnyObject? = nil
    ) throws(PluginError) {
        let builder = try ArrowBatchBuilder(schema: source.schema, capacity: batchCapacity)
        let box = ExportedStream(source: source, builder: builder, host: host, streamName: streamName,
                                 keepAlive: keepAlive)
        out.initialize(to: ArrowArrayStream(
            get_schema: streamGetSchema, get_next: streamGetNext, get_last_error: streamGetLastError,
            release: streamRelease, private_data: Unmanaged.passRetained(box).toOpaque()))
    }
}

private let streamGetSchema: @convention(c) (
    UnsafeMutablePointer<ArrowArrayStream>?, UnsafeMutablePointer<ArrowSchema>?
) -> Int32 = { stream, out in
    guard let box = ExportedStream.from(stream) else { return EINVAL }
    guard let out else { return box.fail(PluginError.invalidArgument("get_schema: out is NULL")) }
    box.source.schema.export(to: out)
    return 0
}

private let streamGetNext: @convention(c) (
    UnsafeMutablePointer<ArrowArrayStream>?, UnsafeMutablePointer<ArrowArray>?
) -> Int32 = { stream, out in
    guard let box = ExportedStream.from(stream) else { return EINVAL }
    guard let out else { return box.fail(PluginError.invalidArgument("get_next: out is NULL")) }
    return box.next(into: out)
}

private let streamGetLastError: @convention(c) (
    UnsafeMutablePointer<ArrowArrayStream>?
) -> UnsafePointer<CChar>? = { stream in
    guard let box = ExportedStream.from(stream), let message = box.lastError else { return nil }
    return UnsafePointer(message)
}

private let streamRelease: @convention(c) (UnsafeMutablePointer<ArrowArrayStream>?) -> Void = { stream in
    guard let stream, stream.pointee.release != nil else { return }
    if let data = stream.pointee.private_data {
        Unmanaged<ExportedStream>.fromOpaque(data).release()
    }
    stream.pointee.release = nil
    stream.pointee.private_data = nil
}

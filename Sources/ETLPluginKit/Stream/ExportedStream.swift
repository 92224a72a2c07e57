#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The state behind one exported stream.
final class ExportedStream {
    let source: any BatchSource
    let builder: ArrowBatchBuilder
    let host: HostContext?
    let streamName: String
    let keepAlive: AnyObject?
    var ended = false
    var rowsDone: Int64 = 0
    var lastError: UnsafeMutablePointer<CChar>?
    /// The error of the last failed call, for `stream_error` (ABI 1.2).
    var lastFailure: PluginError?

    init(source: any BatchSource, builder: ArrowBatchBuilder, host: HostContext?, streamName: String,
         keepAlive: AnyObject?) {
        self.source = source
        self.builder = builder
        self.host = host
        self.streamName = streamName
        self.keepAlive = keepAlive
    }

    deinit { free(lastError) }

    static func from(_ stream: UnsafeMutablePointer<ArrowArrayStream>?) -> ExportedStream? {
        guard let stream, stream.pointee.release != nil, let data = stream.pointee.private_data else {
            return nil
        }
        return Unmanaged<ExportedStream>.fromOpaque(data).takeUnretainedValue()
    }

    /// Remembers `error` for get_last_error and returns its errno.
    func fail(_ error: any Error) -> Int32 {
        let error = PluginError.wrapping(error)
        lastFailure = error
        free(lastError)
        lastError = strdup(error.message)
        return error.streamErrno
    }

    func next(into out: UnsafeMutablePointer<ArrowArray>) -> Int32 {
        if ended {
            out.initialize(to: ArrowArray())
            return 0
        }
        do {
            if let host, host.isCancelled {
                throw PluginError.cancelled("reading stream \"\(streamName)\" was cancelled")
            }
            let more = try source.nextBatch(into: builder)
            if !more {
                ended = true
                if builder.rowCount == 0 {
                    // Still refuse a half-built row, as finish() does.
                    var empty = ArrowArray()
                    try builder.finish(into: &empty)
                    empty.release(&empty)
                    out.initialize(to: ArrowArray())
                    return 0
                }
            }
            let rows = builder.rowCount
            try builder.finish(into: out)
            rowsDone += Int64(rows)
            host?.progress(stream: streamName, rowsDone: rowsDone)
            return 0
        } catch {
            builder.reset()
            return fail(error)
        }
    }
}

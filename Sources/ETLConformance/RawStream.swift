import CETLPlugin
import ETLHost
import ETLPluginKit
import Foundation

/// One read() of an extractor and the ArrowArrayStream it returned, driven
/// through the raw C interface (the host's reader would validate, and so
/// hide, what the checks look for).
final class RawStream {
    /// The stream's name.
    let name: String
    /// The host-allocated stream struct the plugin initialised.
    let stream: UnsafeMutablePointer<ArrowArrayStream>
    private var released = false

    private init(name: String, stream: UnsafeMutablePointer<ArrowArrayStream>) {
        self.name = name
        self.stream = stream
    }

    deinit {
        _ = release()
        stream.deallocate()
    }

    /// Calls read(); a failed read's stream is released if the plugin set
    /// its release anyway.
    ///
    /// - Parameter request: a request to pass instead of a full-size one
    ///   (the struct-size check passes a 1.0-sized one).
    static func read(_ instance: OpenedInstance, stream name: String, state: String? = nil,
                     request: UnsafePointer<etl_read_request>? = nil,
                     error: UnsafeMutablePointer<etl_error>? = nil) -> Result<RawStream, CallFailure> {
        let stream = UnsafeMutablePointer<ArrowArrayStream>.allocate(capacity: 1)
        stream.initialize(to: ArrowArrayStream())
        let read = instance.extractor.read!
        let handle = instance.live
        let ownError = error == nil ? UnsafeMutablePointer<etl_error>.allocate(capacity: 1) : nil
        defer { ownError?.deallocate() }
        let errorStruct = error ?? ownError!
        if error == nil { errorStruct.initialize(to: emptyError()) }
        let status: Int32
        if let request {
            status = read(handle, request, stream, errorStruct)
        } else {
            status = name.withCString { cName in
                withOptionalCString(state) { cState in
                    var full = etl_read_request()
                    full.struct_size = UInt32(MemoryLayout<etl_read_request>.size)
                    full.stream = cName
                    full.state_json = cState
                    return read(handle, &full, stream, errorStruct)
                }
            }
        }
        let failure = CallFailure.take(errorStruct, status: status)
        if let failure {
            if let release = stream.pointee.release { release(stream) }
            stream.deallocate()
            return .failure(failure)
        }
        return .success(RawStream(name: name, stream: stream))
    }

    /// What is wrong with the stream struct itself, or `nil`.
    var structureProblem: String? {
        let value = stream.pointee
        if value.release == nil {
            return "read of stream '\(name)' returned ETL_OK but the stream's release is NULL (a released "
                + "stream: the host cannot use or free it)"
        }
        var missing: [String] = []
        if value.get_schema == nil { missing.append("get_schema") }
        if value.get_next == nil { missing.append("get_next") }
        if value.get_last_error == nil { missing.append("get_last_error") }
        return missing.isEmpty ? nil : "the stream of '\(name)' has no \(missing.joined(separator: ", ")) callback"
    }

    /// get_schema into a host-allocated struct.
    func getSchema(_ out: UnsafeMutablePointer<ArrowSchema>) -> Int32 {
        stream.pointee.get_schema(stream, out)
    }

    /// get_next into a host-allocated struct.
    func getNext(_ out: UnsafeMutablePointer<ArrowArray>) -> Int32 {
        stream.pointee.get_next(stream, out)
    }

    /// The message of the last failed call, from get_last_error.
    var lastError: String? {
        guard let getLastError = stream.pointee.get_last_error, let message = getLastError(stream) else { return nil }
        return String(cString: message)
    }

    /// Releases the stream (the first time only). Returns whether its
    /// release marked it released (`release = NULL`).
    @discardableResult
    func release() -> Bool {
        guard !released else { return true }
        released = true
        guard let release = stream.pointee.release else { return true }
        release(stream)
        return stream.pointee.release == nil
    }

    /// A failed get_next as text: the errno's name and the plugin's message.
    func failure(_ status: Int32) -> String {
        "\(Errno.name(status))\(lastError.map { ": \($0)" } ?? " (get_last_error gave no message)")"
    }
}

/// Names of the errno values streams return.
enum Errno {
    /// "ECANCELED (125)" and so on.
    static func name(_ code: Int32) -> String {
        let names: [Int32: String] = [
            EAGAIN: "EAGAIN", ECANCELED: "ECANCELED", EACCES: "EACCES", EINVAL: "EINVAL", ENOENT: "ENOENT",
            EBADMSG: "EBADMSG", ENOTSUP: "ENOTSUP", EIO: "EIO", ENOMEM: "ENOMEM", EPERM: "EPERM",
            ETIMEDOUT: "ETIMEDOUT", ENOSPC: "ENOSPC",
        ]
        return "\(names[code] ?? "errno") (\(code))"
    }
}

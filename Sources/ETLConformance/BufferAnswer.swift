import CETLPlugin
import ETLHost
import ETLPluginKit
import Foundation

/// Calls an operation that fills an `etl_buffer` (a catalog, a state, a
/// schema) and checks the buffer: data set, length matching, NUL at
/// data[length], UTF-8, a release callback; then releases it.
struct BufferAnswer {
    /// The text, when the call succeeded and the buffer was readable.
    var text: String?
    /// The failure, when the call failed.
    var failure: CallFailure?
    /// Rules of `etl_buffer` broken.
    var problems: [String] = []
    /// Whether the plugin left `release` NULL.
    var releaseMissing = false

    /// Calls `body` with a zeroed host buffer and error.
    static func call(_ operation: String, memory: inout MemoryMap,
                     _ body: (UnsafeMutablePointer<etl_buffer>, UnsafeMutablePointer<etl_error>) -> Int32) -> BufferAnswer {
        let buffer = UnsafeMutablePointer<etl_buffer>.allocate(capacity: 1)
        defer { buffer.deallocate() }
        buffer.initialize(to: etl_buffer())
        buffer.pointee.struct_size = UInt32(MemoryLayout<etl_buffer>.size)
        var answer = BufferAnswer()
        answer.failure = CallFailure.calling { body(buffer, $0) }
        guard answer.failure == nil else {
            if let release = buffer.pointee.release { release(buffer) }
            return answer
        }
        let value = buffer.pointee
        answer.releaseMissing = value.release == nil
        if let data = value.data {
            let length = Int(value.length)
            if length < 0 {
                answer.problems.append("\(operation) returned a buffer of length \(length)")
            } else if !memory.isReadable(data, count: length + 1) {
                answer.problems.append("\(operation) returned a buffer whose \(length) bytes (and NUL) are not readable")
            } else {
                let bytes = UnsafeRawBufferPointer(start: data, count: length)
                if UInt8(bitPattern: data[length]) != 0 {
                    answer.problems.append("\(operation) returned a buffer that is not NUL-terminated (data[length] is not 0)")
                }
                if !UTF8Validator.isValid(bytes) {
                    answer.problems.append("\(operation) returned text that is not valid UTF-8")
                }
                answer.text = String(decoding: bytes, as: UTF8.self)
            }
        } else {
            answer.problems.append("\(operation) returned ETL_OK but left the buffer's data NULL")
        }
        if let release = value.release { release(buffer) }
        return answer
    }
}

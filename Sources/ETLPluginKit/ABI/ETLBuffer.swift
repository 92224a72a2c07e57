#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Filling and consuming `etl_buffer`, the contract's block of bytes (a
/// JSON catalog, a state).
///
/// ```swift
/// try ETLBuffer.fill(catalogBuffer, with: #"{"streams":[]}"#)   // plugin side
/// let json = ETLBuffer.take(catalogBuffer)                       // host side
/// ```
public enum ETLBuffer {
    /// Fills a host-allocated `etl_buffer` with a malloc'd, NUL-terminated
    /// copy of `text` and a `release` that frees it.
    ///
    /// - Throws: ``PluginError/Code/invalidArgument`` when the host's
    ///   `struct_size` is too small for the 1.0 fields.
    public static func fill(_ buffer: UnsafeMutablePointer<etl_buffer>, with text: String) throws(PluginError) {
        guard CStructField.has(\etl_buffer.private_data, in: buffer) else {
            throw PluginError.invalidArgument(
                "etl_buffer.struct_size is \(CStructField.structSize(at: buffer)), smaller than "
                    + "the \(CStructField.end(of: \etl_buffer.private_data)) bytes of ABI 1.0; "
                    + "the host must set struct_size to sizeof(etl_buffer)")
        }
        var text = text
        let (data, count) = text.withUTF8 { bytes -> (UnsafeMutablePointer<CChar>, Int) in
            let data = malloc(bytes.count + 1)!.assumingMemoryBound(to: CChar.self)
            if let base = bytes.baseAddress { memcpy(data, base, bytes.count) }
            data[bytes.count] = 0
            return (data, bytes.count)
        }
        CStructField.write(UnsafePointer(data), to: \etl_buffer.data, of: buffer)
        CStructField.write(Int64(count), to: \etl_buffer.length, of: buffer)
        CStructField.write(nil, to: \etl_buffer.private_data, of: buffer)
        CStructField.write(releaseBuffer, to: \etl_buffer.release, of: buffer)
    }

    /// Copies the bytes of a filled `etl_buffer` as UTF-8 text (invalid
    /// sequences repaired) and releases it (exactly once).
    public static func take(_ buffer: UnsafeMutablePointer<etl_buffer>) -> String {
        var text = ""
        if let data = CStructField.read(\etl_buffer.data, from: buffer), let data {
            let length = CStructField.read(\etl_buffer.length, from: buffer) ?? Int64(strlen(data))
            text = String(decoding: UnsafeRawBufferPointer(start: data, count: Int(max(0, length))),
                          as: UTF8.self)
        }
        if let release = CStructField.read(\etl_buffer.release, from: buffer), let release {
            release(buffer)
        }
        return text
    }
}

private let releaseBuffer: @convention(c) (UnsafeMutablePointer<etl_buffer>?) -> Void = { buffer in
    guard let buffer else { return }
    if let data = CStructField.read(\etl_buffer.data, from: buffer), let data {
        free(UnsafeMutableRawPointer(mutating: data))
    }
    CStructField.write(nil, to: \etl_buffer.data, of: buffer)
    CStructField.write(0, to: \etl_buffer.length, of: buffer)
    CStructField.write(nil, to: \etl_buffer.release, of: buffer)
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file read with plain `read(2)` calls, closed on deinit.
///
/// ```swift
/// let input = try CSVFileInput(path: "data/orders.csv")
/// ```
public final class CSVFileInput: CSVInput {
    /// The path the file was opened with.
    public let path: String
    private let descriptor: Int32

    /// Opens `path` for reading.
    ///
    /// - Throws: ``PluginError/Code/notFound``, ``PluginError/Code/permissionDenied``
    ///   or ``PluginError/Code/io`` naming the path.
    public init(path: String) throws(PluginError) {
        self.path = path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw PluginError.posix(errno, "cannot open \(path)")
        }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Reads the next bytes, retrying when interrupted.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(PluginError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            #if canImport(Glibc) || canImport(Musl)
            let count = Glibc.read(descriptor, base, buffer.count)
            #else
            let count = Darwin.read(descriptor, base, buffer.count)
            #endif
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw PluginError.posix(errno, "cannot read \(path)")
        }
    }
}

import Foundation

/// A plugin library file, opened only when it is a regular file.
///
/// ```swift
/// let digest = try LibraryFile.sha256(ofLibraryAt: "/srv/plugins/libmy.so")
/// ```
///
/// Registry entries are written by hand, so a "library" may be a FIFO (an
/// open for reading would wait for a writer forever), `/dev/zero` (hashing
/// it never ends), a folder or a socket. Every open here uses `O_NONBLOCK`
/// and checks the descriptor with `fstat` before a byte is read, so such a
/// path is refused at once, naming what it is.
public enum LibraryFile {
    /// What kind of file a path is, for messages: "a FIFO", "a character
    /// device", ...
    static func kindDescription(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFREG: "a regular file"
        case S_IFDIR: "a folder"
        case S_IFIFO: "a FIFO (named pipe)"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        default: "not a regular file"
        }
    }

    /// Opens `path` for reading and returns the descriptor, refusing
    /// anything that is not a regular file.
    ///
    /// - Throws: `.notAPlugin` naming the path and what it is ("no such
    ///   file", "a FIFO (named pipe)", "a character device", ...).
    public static func openRegular(_ path: String) throws -> Int32 {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard descriptor >= 0 else {
            if errno == ENOENT { throw HostError(.notAPlugin, "cannot load plugin '\(path)': no such file") }
            throw HostError(.notAPlugin, "cannot load plugin '\(path)': \(errnoDescription())")
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let message = errnoDescription()
            close(descriptor)
            throw HostError(.notAPlugin, "cannot load plugin '\(path)': \(message)")
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            throw notRegular(path, mode: status.st_mode)
        }
        return descriptor
    }

    /// The refusal of a path that is not a regular file.
    static func notRegular(_ path: String, mode: mode_t) -> HostError {
        let kind = kindDescription(mode)
        if mode & S_IFMT == S_IFDIR {
            return HostError(.notAPlugin, "cannot load plugin '\(path)': it is a folder, not a shared library")
        }
        return HostError(.notAPlugin, "cannot load plugin '\(path)': it is \(kind), not a regular file; only regular files are opened or hashed")
    }

    /// The hex SHA-256 of the library at `path`, read from a descriptor
    /// that was checked to be a regular file.
    public static func sha256(ofLibraryAt path: String) throws -> String {
        let descriptor = try openRegular(path)
        defer { close(descriptor) }
        var hasher = SHA256()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw HostError(.io, "cannot read '\(path)' to compute its sha256: \(errnoDescription())")
            }
            if count == 0 { break }
            hasher.update(chunk[0 ..< count])
        }
        return hasher.finalizeHex()
    }

    /// The first `count` bytes of the regular file at `path` (fewer when it
    /// is shorter).
    static func header(ofLibraryAt path: String, count: Int) throws -> [UInt8] {
        let descriptor = try openRegular(path)
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + filled, count - filled) }
            if got < 0, errno == EINTR || errno == EAGAIN { continue }
            guard got > 0 else { break }
            filled += got
        }
        return Array(bytes[0 ..< filled])
    }
}

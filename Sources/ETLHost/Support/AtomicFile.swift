import Foundation

/// Writes files so that readers see the old content or the new content,
/// never a mix: write a temporary file in the same folder, fsync it, rename
/// it over the target, fsync the folder.
public enum AtomicFile {
    /// Replaces the file at `path` with `data` atomically and durably.
    public static func write(_ data: Data, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw HostError(.io, "cannot create '\(temporary)': \(errnoDescription())")
        }
        var succeeded = false
        defer {
            if !succeeded { unlink(temporary) }
        }
        do {
            defer { close(fd) }
            try data.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let written = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw HostError(.io, "cannot write '\(temporary)': \(errnoDescription())")
                    }
                    offset += written
                }
            }
            guard fsync(fd) == 0 else { throw HostError(.io, "cannot fsync '\(temporary)': \(errnoDescription())") }
        }
        guard rename(temporary, path) == 0 else {
            throw HostError(.io, "cannot rename '\(temporary)' to '\(path)': \(errnoDescription())")
        }
        succeeded = true
        syncDirectory(directory.isEmpty ? "." : directory)
    }

    /// Copies a file atomically (temp + fsync + rename) and returns nothing.
    static func copy(from source: String, to destination: String) throws {
        guard let data = FileManager.default.contents(atPath: source) else {
            throw HostError(.io, "cannot read '\(source)': \(errnoDescription())")
        }
        try write(data, to: destination)
    }

    /// Flushes a directory entry change (a rename) to disk.
    static func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }
}

/// An exclusive advisory lock (flock) on a lock file, held until `unlock()`
/// or deinit. Serializes registry read-modify-write between processes.
final class FileLock {
    private var fd: Int32

    /// Blocks until the lock on `path` (created if missing) is held.
    init(path: String) throws {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw HostError(.io, "cannot open lock file '\(path)': \(errnoDescription())") }
        while flock(fd, LOCK_EX) != 0 {
            if errno == EINTR { continue }
            let message = errnoDescription()
            close(fd)
            throw HostError(.io, "cannot lock '\(path)': \(message)")
        }
    }

    /// Releases the lock.
    func unlock() {
        if fd >= 0 {
            flock(fd, LOCK_UN)
            close(fd)
            fd = -1
        }
    }

    deinit { unlock() }
}

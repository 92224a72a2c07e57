#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The files a file-based extractor reads, resolved from its config's
/// `path` (one file, or a glob such as `data/*.jsonl`), one stream per
/// file.
///
/// Each file's stream is named after its base name without the extension
/// (`data/orders.csv` is stream `orders`), unless `stream` is given, which
/// is allowed only when exactly one file matches. Files are sorted by path.
/// A path that names an existing regular file is taken literally, even if
/// it contains glob characters (`data[1].csv`); directories and other
/// non-regular files that a glob matches are skipped.
///
/// ```swift
/// let files = try FileSet(path: "data/*.csv")          // orders, customers ...
/// let file = try files.file(forStream: "orders")       // data/orders.csv
/// let single = try FileSet(path: "in/export-2024.jsonl", stream: "events")
/// ```
///
/// Errors are actionable and name what they are about: no match names the
/// pattern (``PluginError/Code/notFound``); two files that would give the
/// same stream name are both named, as is a `stream` given for several
/// files (``PluginError/Code/invalidArgument``).
public struct FileSet: Sendable, Hashable {
    /// One file and the stream it is read as.
    public struct File: Sendable, Hashable {
        /// The stream name.
        public let stream: String
        /// The path, as matched from the pattern (relative paths stay
        /// relative).
        public let path: String

        /// Creates a file entry.
        public init(stream: String, path: String) {
            self.stream = stream
            self.path = path
        }
    }

    /// The pattern the files were resolved from: the config's `path`.
    public let pattern: String
    /// The matched files, sorted by path, with unique stream names.
    public let files: [File]

    /// Resolves `path` (a file or a glob; `~` is expanded) into files.
    ///
    /// - Parameter stream: the stream name to use instead of the file
    ///   name; only when `path` matches exactly one file.
    /// - Throws: ``PluginError/Code/notFound`` when nothing matches,
    ///   ``PluginError/Code/invalidArgument`` when two files would give the
    ///   same stream name or `stream` is set for several files,
    ///   ``PluginError/Code/io`` when a directory cannot be read.
    public init(path: String, stream: String? = nil) throws(PluginError) {
        pattern = path
        let paths = try Self.expand(path)
        if let stream {
            guard paths.count == 1 else {
                throw PluginError.invalidArgument("config \"stream\" names the stream of a single file, "
                    + "but \"\(path)\" matches \(paths.count) files; remove \"stream\" to name each "
                    + "stream after its file")
            }
            files = [File(stream: stream, path: paths[0])]
            return
        }
        var files: [File] = []
        var byName: [String: String] = [:]
        for path in paths {
            let name = Self.streamName(forPath: path)
            if let other = byName[name] {
                throw PluginError.invalidArgument("\(other) and \(path) would both be stream \"\(name)\"; "
                    + "narrow \"path\" so that file names are unique")
            }
            byName[name] = path
            files.append(File(stream: name, path: path))
        }
        self.files = files
    }

    /// The stream names, in file order.
    public var streams: [String] { files.map(\.stream) }

    /// The file read as `stream`.
    ///
    /// - Throws: ``PluginError/Code/invalidArgument`` listing the streams
    ///   the pattern gives.
    public func file(forStream stream: String) throws(PluginError) -> File {
        guard let file = files.first(where: { $0.stream == stream }) else {
            throw PluginError.invalidArgument("unknown stream \"\(stream)\"; \"\(pattern)\" gives "
                + files.map { "\"\($0.stream)\"" }.joined(separator: ", "))
        }
        return file
    }

    /// The base name of `path` without its extension: `data/orders.csv`
    /// gives `orders`, `a.b.csv` gives `a.b`, `.hidden` stays `.hidden`.
    public static func streamName(forPath path: String) -> String {
        let base = path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? path
        guard let dot = base.lastIndex(of: "."), dot != base.startIndex else { return base }
        return String(base[..<dot])
    }

    /// The regular files matching the glob `pattern`, sorted. A path that
    /// names an existing file is taken literally.
    private static func expand(_ pattern: String) throws(PluginError) -> [String] {
        var literal = stat()
        if stat(pattern, &literal) == 0, literal.st_mode & S_IFMT == S_IFREG {
            return [pattern]
        }
        var result = glob_t()
        defer { globfree(&result) }
        let status = glob(pattern, GLOB_TILDE, nil, &result)
        switch status {
        case 0:
            break
        case GLOB_NOMATCH:
            throw PluginError.notFound(hasMagic(pattern)
                ? "no file matches \"\(pattern)\"; check the directory and the pattern"
                : "file \"\(pattern)\" does not exist")
        case GLOB_ABORTED:
            throw PluginError.io("cannot read the directories of \"\(pattern)\"")
        default:
            throw PluginError.io("cannot expand \"\(pattern)\" (glob error \(status))")
        }
        var paths: [String] = []
        var skipped: [String] = []
        for index in 0..<Int(result.gl_pathc) {
            guard let cPath = result.gl_pathv[index] else { continue }
            let path = String(cString: cPath)
            var info = stat()
            if stat(cPath, &info) == 0, info.st_mode & S_IFMT == S_IFREG {
                paths.append(path)
            } else {
                skipped.append(path)
            }
        }
        guard !paths.isEmpty else {
            throw PluginError.notFound("\"\(pattern)\" matches no regular file (only "
                + "\(skipped.joined(separator: ", ")))")
        }
        return paths.sorted()
    }

    private static func hasMagic(_ pattern: String) -> Bool {
        pattern.contains { "*?[".contains($0) }
    }

    /// Reads and checks the `path` (required, a file or a glob) and
    /// `stream` (optional) keys that file-based extractors share.
    ///
    /// - Parameter example: a file for the message when `path` is empty,
    ///   e.g. `"data/orders.csv"` (its glob form is derived).
    public static func pathAndStream(from config: PluginConfig, example: String) throws(PluginError) -> (path: String, stream: String?) {
        let path = try config.requiredString("path")
        guard !path.isEmpty else {
            let folder = example.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
            let fileExtension = example.split(separator: ".").last.map(String.init) ?? ""
            let glob = (folder.isEmpty ? "" : folder + "/") + "*." + fileExtension
            throw PluginError.invalidArgument("config \"path\" is empty; give a file such as "
                + "\"\(example)\" or a glob such as \"\(glob)\"")
        }
        let stream = try config.string("stream")
        if let stream, stream.isEmpty {
            throw PluginError.invalidArgument("config \"stream\" is empty; leave it out to name the "
                + "stream after the file")
        }
        return (path, stream)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ETLPluginKit

/// One CSV file and the stream it is read as.
struct CSVFile: Equatable {
    /// The stream name.
    let stream: String
    /// The path, as matched from the config's `path`.
    let path: String
}

/// Resolves the config's `path` (a file or a glob) into files and names
/// their streams.
enum CSVFileSet {
    /// The files `path` matches, sorted by path, each with its stream name.
    ///
    /// - Throws: ``PluginError/Code/notFound`` when nothing matches,
    ///   ``PluginError/Code/invalidArgument`` when two files would give the
    ///   same stream name or `stream` is set for several files.
    static func resolve(path: String, stream: String?) throws(PluginError) -> [CSVFile] {
        let paths = try expand(path)
        if let stream {
            guard paths.count == 1 else {
                throw PluginError.invalidArgument("config \"stream\" names the stream of a single file, "
                    + "but \"\(path)\" matches \(paths.count) files; remove \"stream\" to name each "
                    + "stream after its file")
            }
            return [CSVFile(stream: stream, path: paths[0])]
        }
        var files: [CSVFile] = []
        var byName: [String: String] = [:]
        for path in paths {
            let name = streamName(forPath: path)
            if let other = byName[name] {
                throw PluginError.invalidArgument("\(other) and \(path) would both be stream \"\(name)\"; "
                    + "narrow \"path\" so that file names are unique")
            }
            byName[name] = path
            files.append(CSVFile(stream: name, path: path))
        }
        return files
    }

    /// The base name of `path` without its extension: `data/orders.csv`
    /// gives `orders`, `a.b.csv` gives `a.b`, `.hidden` stays `.hidden`.
    static func streamName(forPath path: String) -> String {
        let base = path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? path
        guard let dot = base.lastIndex(of: "."), dot != base.startIndex else { return base }
        return String(base[..<dot])
    }

    /// The regular files matching the glob `pattern`, sorted. A path that
    /// names an existing file is taken literally, even if it contains glob
    /// characters (`data[1].csv`).
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
}

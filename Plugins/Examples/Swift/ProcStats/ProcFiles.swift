import ETLPluginKit
import Glibc

/// Reads and parses the files of a `/proc` tree (proc(5)).
///
/// Every path is relative to ``root``, so that a copy of the files (in
/// tests) reads exactly like the real thing.
struct ProcFiles {
    /// The proc file system's mount point, normally `/proc`.
    let root: String

    /// The bytes of `root/relative`.
    func read(_ relative: String) throws(PluginError) -> [UInt8] {
        guard let bytes = try readIfPresent(relative) else {
            throw PluginError.notFound("\(root)/\(relative) does not exist")
        }
        return bytes
    }

    /// The bytes of `root/relative`, or nil when it does not exist (or,
    /// for a process's file, when the process has exited).
    func readIfPresent(_ relative: String) throws(PluginError) -> [UInt8]? {
        let path = root + "/" + relative
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT || errno == ESRCH { return nil }
            throw PluginError.posix(errno, "open \(path)")
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == ESRCH { return nil }
                throw PluginError.posix(errno, "read \(path)")
            }
            if n == 0 { return bytes }
            bytes.append(contentsOf: chunk[0 ..< n])
        }
    }

    /// The text of `root/relative` (invalid UTF-8 shown as U+FFFD).
    func text(_ relative: String) throws(PluginError) -> String {
        String(decoding: try read(relative), as: UTF8.self)
    }

    /// The process ids: the all-digit entries of `root`, ascending.
    func processIDs() throws(PluginError) -> [Int64] {
        guard let dir = opendir(root) else { throw PluginError.posix(errno, "list \(root)") }
        defer { closedir(dir) }
        var ids: [Int64] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if !name.isEmpty, name.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let id = Int64(name) {
                ids.append(id)
            }
        }
        return ids.sorted()
    }

    /// `/proc/loadavg`: "0.52 0.58 0.59 2/1047 12345".
    func loadAverage() throws(PluginError) -> LoadAverage {
        let fields = try text("loadavg").split(whereSeparator: \.isWhitespace)
        let tasks = fields.count > 3 ? fields[3].split(separator: "/") : []
        guard fields.count >= 5, tasks.count == 2,
              let one = Double(fields[0]), let five = Double(fields[1]), let fifteen = Double(fields[2]),
              let runnable = Int64(tasks[0]), let total = Int64(tasks[1]), let last = Int64(fields[4])
        else { throw PluginError.data("\(root)/loadavg: expected \"1m 5m 15m runnable/total last_pid\"") }
        let uptime = try text("uptime").split(whereSeparator: \.isWhitespace).first.flatMap { Double($0) }
        return LoadAverage(oneMinute: one, fiveMinutes: five, fifteenMinutes: fifteen, runnable: runnable,
                           scheduled: total, lastPID: last, uptimeSeconds: uptime)
    }

    /// `/proc/meminfo`: "MemTotal:       16314372 kB" per line; values in
    /// kB become bytes, the others (HugePages_Total: 0) stay counts.
    func memoryInfo() throws(PluginError) -> [MemoryEntry] {
        var entries: [MemoryEntry] = []
        for (number, line) in try text("meminfo").split(separator: "\n").enumerated() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = String(line[..<colon])
            let rest = line[line.index(after: colon)...].split(whereSeparator: \.isWhitespace)
            guard let first = rest.first, let value = Int64(first) else {
                throw PluginError.data("\(root)/meminfo line \(number + 1): \"\(name)\" has no number")
            }
            let inKiB = rest.count > 1 && rest[1] == "kB"
            entries.append(MemoryEntry(name: name, value: inKiB ? value * 1024 : value, isBytes: inKiB))
        }
        return entries
    }

    /// The boot time, from the "btime" line of `/proc/stat` (seconds since
    /// the epoch); nil when it is missing.
    func bootTime() throws(PluginError) -> Int64? {
        for line in try text("stat").split(separator: "\n") where line.hasPrefix("btime ") {
            return Int64(line.dropFirst(6).trimmingPrefixSpaces())
        }
        return nil
    }

    /// `/proc/<pid>/stat`, or nil when the process ended meanwhile.
    ///
    /// The name (field 2) is in parentheses and may itself hold spaces and
    /// parentheses, so the fields after it are split after the LAST ')'.
    func process(_ pid: Int64) throws(PluginError) -> ProcessStat? {
        // nil: it exited between the listing and now
        guard let bytes = try readIfPresent("\(pid)/stat") else { return nil }
        guard let open = bytes.firstIndex(of: UInt8(ascii: "(")),
              let close = bytes.lastIndex(of: UInt8(ascii: ")")), open < close
        else { throw PluginError.data("\(root)/\(pid)/stat: no \"(name)\" field") }
        let name = String(decoding: bytes[(open + 1) ..< close], as: UTF8.self)
        let rest = String(decoding: bytes[(close + 1)...], as: UTF8.self).split(whereSeparator: \.isWhitespace)
        // rest[0] is field 3 (state): field n is rest[n - 3].
        func field(_ n: Int) throws(PluginError) -> Int64 {
            guard rest.count > n - 3, let value = Int64(rest[n - 3]) else {
                throw PluginError.data("\(root)/\(pid)/stat: field \(n) is missing or not a number")
            }
            return value
        }
        guard let state = rest.first else { throw PluginError.data("\(root)/\(pid)/stat: no state field") }
        return ProcessStat(pid: pid, parentPID: try field(4), name: name, state: String(state),
                           userTicks: try field(14), systemTicks: try field(15), threads: try field(20),
                           startTicks: try field(22), virtualBytes: try field(23), residentPages: try field(24))
    }
}

/// `/proc/loadavg` and `/proc/uptime`.
struct LoadAverage {
    var oneMinute, fiveMinutes, fifteenMinutes: Double
    var runnable, scheduled, lastPID: Int64
    var uptimeSeconds: Double?
}

/// One line of `/proc/meminfo`.
struct MemoryEntry {
    var name: String
    var value: Int64
    /// The file gave kB (converted to bytes); otherwise a plain count.
    var isBytes: Bool
}

/// The fields of `/proc/<pid>/stat` the processes stream uses.
struct ProcessStat {
    var pid, parentPID: Int64
    var name, state: String
    var userTicks, systemTicks, threads, startTicks, virtualBytes, residentPages: Int64
}

extension Substring {
    fileprivate func trimmingPrefixSpaces() -> Substring { drop { $0 == " " } }
}

import ETLPluginKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The pacing state of one base: when the next request may start, and
/// until when a 429 penalty holds. Times are seconds on the monotonic clock
/// (``MonotonicClock``), which every process of the machine shares.
public struct PacingState: Equatable {
    /// No request may start before this time: the slot after the last one
    /// handed out.
    public var nextStart = 0.0
    /// No request may start before this time either: a 429 penalty.
    public var penaltyUntil = 0.0
}

/// The pacing state of one base in a file, shared by every process that
/// reads the base on this machine (two syncs at once, or one right after
/// another), under an exclusive `flock` held only while the state is read
/// and written.
///
/// A process killed while it holds the lock releases it (the kernel drops a
/// `flock` with the last descriptor). The file is text, its first line
/// naming the extractor that wrote it last:
///
///     etl-host pacing 1 rest
///     boot 5d0f0a4e-…            (the kernel's boot id)
///     next_start 8123.456789
///     penalty_until 0.000000
///
/// Monotonic times mean nothing after a reboot, so a file written under
/// another boot id, or one that does not parse (a crash half-way through
/// a write), reads as a fresh state. Files written before the first line
/// named its writer begin `etl-host airtable pacing 1` (whichever extractor
/// wrote them) and are read the same.
public final class PacingFile: Sendable {
    /// The file's path, for messages.
    public let path: String
    /// The extractor that writes the file (`airtable`, `rest`), named on its
    /// first line.
    public let writer: String
    private let descriptor: Int32

    /// The first line's beginning; the writer's name follows.
    private static let headerPrefix = "etl-host pacing 1"
    /// The first line of the files written before it named their writer.
    private static let legacyHeader = "etl-host airtable pacing 1"

    /// The kernel's boot id (`/proc/sys/kernel/random/boot_id`), or
    /// `"unknown"`.
    public static let bootID: String = {
        guard let file = fopen("/proc/sys/kernel/random/boot_id", "r") else { return "unknown" }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 64)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return "unknown" }
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text.trimmingSpaces.isEmpty ? "unknown" : text.trimmingSpaces
    }()

    /// Opens (creating it, and its folder, when missing) the pacing file at
    /// `path`, for the extractor `writer`.
    ///
    /// - Throws: ``PluginError/Code/io`` naming the path and the system's
    ///   reason when the folder or the file cannot be created or opened.
    public init(path: String, writer: String) throws(PluginError) {
        self.path = path
        self.writer = writer
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            try Self.makeFolders(String(path[..<slash]))
        }
        let opened = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard opened >= 0 else {
            throw PluginError.io("cannot open the pacing file \(path): \(String(cString: strerror(errno)))")
        }
        descriptor = opened
    }

    deinit { close(descriptor) }

    /// Runs `body` on the state under the file's exclusive lock, writing
    /// the state back when `body` changed it; returns what `body` returned.
    ///
    /// - Throws: ``PluginError/Code/io`` when the file cannot be locked,
    ///   read or written.
    public func update<Result>(_ body: (inout PacingState) -> Result) throws(PluginError) -> Result {
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw failure("lock") }
        }
        defer { _ = flock(descriptor, LOCK_UN) }
        let before = try read()
        var state = before
        let result = body(&state)
        if state != before { try write(state) }
        return result
    }

    private func read() throws(PluginError) -> PacingState {
        var bytes = [UInt8](repeating: 0, count: 512)
        let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count >= 0 else { throw failure("read") }
        return Self.parse(String(decoding: bytes.prefix(count), as: UTF8.self)) ?? PacingState()
    }

    private func write(_ state: PacingState) throws(PluginError) {
        let text = Self.render(state, writer: writer)
        let written = text.utf8CString.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count - 1, 0) }
        guard written == text.utf8.count, ftruncate(descriptor, off_t(written)) == 0 else { throw failure("write") }
    }

    /// The state in `text`, or nil when it is not a pacing file of this
    /// boot; any writer's file (and a file of the old first line) is read.
    public static func parse(_ text: String) -> PacingState? {
        let lines = text.split(separator: "\n").map(String.init)
        guard lines.count >= 4, isHeader(lines[0]), lines[1] == "boot \(bootID)" else { return nil }
        guard let next = value(lines[2], "next_start"), let penalty = value(lines[3], "penalty_until") else { return nil }
        return PacingState(nextStart: next, penaltyUntil: penalty)
    }

    /// The file's text for `state`, written by the extractor `writer`.
    public static func render(_ state: PacingState, writer: String) -> String {
        "\(headerPrefix) \(writer)\nboot \(bootID)\nnext_start \(state.nextStart)\npenalty_until \(state.penaltyUntil)\n"
    }

    /// Whether `line` is a pacing file's first line: `etl-host pacing 1 WRITER`, or the old one.
    private static func isHeader(_ line: String) -> Bool {
        line == legacyHeader || line.hasPrefix(headerPrefix + " ") && line.count > headerPrefix.count + 1
    }

    private static func value(_ line: String, _ name: String) -> Double? {
        guard line.hasPrefix(name + " ") else { return nil }
        return Double(line.dropFirst(name.count + 1)).flatMap { $0.isFinite ? $0 : nil }
    }

    private func failure(_ action: String) -> PluginError {
        PluginError.io("cannot \(action) the pacing file \(path): \(String(cString: strerror(errno)))")
    }

    /// `mkdir -p`.
    private static func makeFolders(_ folder: String) throws(PluginError) {
        var current = folder.hasPrefix("/") ? "" : "."
        for part in folder.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o755) != 0, errno != EEXIST {
                throw PluginError.io("cannot create the folder \(current) for the pacing file: "
                    + String(cString: strerror(errno)))
            }
        }
    }
}

import ETLHost
import Foundation

/// A run id chosen by the caller (`etl-host run --run-id ID`): the
/// scheduler and exported crontab/systemd/Kubernetes jobs derive it from
/// the fire time, so a job fired twice runs once. The second start finds
/// the id taken and does nothing.
///
/// An id is taken when its run folder exists: ``claim(in:)`` creates it
/// with `mkdir`, which only one process can win, and writes
/// `claim.txt` (`pid N`) so a start that loses can say who holds it before
/// the run's record exists.
///
/// ```swift
/// let id = try RequestedRunID("20261206T020000Z-shop-0")
/// if let existing = id.existing(in: PipelineRunStore()) { print(existing) }   // run ... already exists
/// ```
public struct RequestedRunID: Sendable, Equatable, CustomStringConvertible {
    /// The id as given.
    public let text: String

    /// Why an id is refused.
    public struct Invalid: Error, Equatable, CustomStringConvertible {
        /// The id as given.
        public var text: String
        /// What a run id may be.
        public var description: String {
            "--run-id '\(text)' is not a valid run id: use 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit (it names a folder)"
        }
    }

    /// Checks the id's form: it must be safe as one folder name.
    public init(_ text: String) throws(Invalid) {
        guard Self.isValid(text) else { throw Invalid(text: text) }
        self.text = text
    }

    /// 1 to 100 ASCII letters, digits, `.`, `_`, `-`, starting with a letter or digit.
    public static func isValid(_ text: String) -> Bool {
        guard (1 ... 100).contains(text.utf8.count), let first = text.unicodeScalars.first,
              first.isASCII, first.properties.isAlphabetic || ("0" ... "9").contains(first) else { return false }
        return text.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0" ... "9").contains($0) || $0 == "." || $0 == "_" || $0 == "-")
        }
    }

    /// The id.
    public var description: String { text }

    /// What already holds this id, as a sentence, or nil when it is free.
    public func existing(in store: PipelineRunStore) -> String? {
        let folder = store.runs.folder(text)
        guard FileManager.default.fileExists(atPath: folder) else { return nil }
        if let record = try? store.load(text), record.id == text {
            switch record.status {
            case .running:
                return "run \(text) is already running (pipeline '\(record.pipeline)', pid \(record.pid), started \(record.startedAt)); nothing was run"
            default:
                return "run \(text) already exists (pipeline '\(record.pipeline)', \(record.status.rawValue), started \(record.startedAt)); nothing was run"
            }
        }
        if FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent("run.json")) {
            return "run \(text) already exists (a sync run); nothing was run"
        }
        let claim = FileManager.default.contents(atPath: Self.claimPath(folder)).map { String(decoding: $0, as: UTF8.self) }?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        if let claim, claim.hasPrefix("pid "), let pid = Int32(claim.dropFirst(4)), kill(pid, 0) == 0 || errno == EPERM {
            return "run \(text) is already starting (pid \(pid), waiting for the pipeline's lock or about to record it); nothing was run"
        }
        return "run \(text) already exists (its folder \(folder) has no record: a start that ended before recording); nothing was run"
    }

    /// Takes the id for this process: creates its run folder (failing when
    /// it exists) and writes `claim.txt`. Returns false when another
    /// process took it first.
    ///
    /// - Throws: `.io` when the folder cannot be created for another reason.
    public func claim(in store: PipelineRunStore) throws -> Bool {
        let folder = store.runs.folder(text)
        if mkdir(folder, 0o755) != 0 {
            if errno == EEXIST { return false }
            throw HostError(.io, "cannot create the run folder '\(folder)': \(String(cString: strerror(errno))); set ETL_STATE_DIR to a writable folder")
        }
        try? AtomicFile.write(Data("pid \(getpid())\n".utf8), to: Self.claimPath(folder))
        return true
    }

    private static func claimPath(_ folder: String) -> String { (folder as NSString).appendingPathComponent("claim.txt") }
}

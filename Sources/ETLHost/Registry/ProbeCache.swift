import ETLPluginKit
import Foundation

/// What a probe child found when it loaded a library (see ``PluginProbe``),
/// as remembered in the ``ProbeCache``.
public struct ProbeRecord: Codable, Equatable, Sendable {
    /// The format version of a record file.
    public static let currentVersion = 1

    /// How the probe ended.
    public enum Outcome: String, Codable, Sendable {
        /// The library loaded and its descriptor is valid.
        case ok
        /// The child crashed, timed out, or refused the library.
        case failed
    }

    /// Format version of the record.
    public var probeVersion: Int
    /// The library's real path (symbolic links resolved).
    public var library: String
    /// SHA-256 of the library's bytes when probed.
    public var sha256: String
    /// The host toolchain that probed it.
    public var toolchain: String
    /// The host ABI that probed it, "major.minor".
    public var abi: String
    /// When it was probed, ISO 8601 UTC.
    public var probedAt: String
    /// How the probe ended.
    public var outcome: Outcome
    /// For a failure, the short reason shown by `plugins list`: a signal
    /// name (`SIGSEGV`), `timeout`, or the error kind.
    public var reason: String?
    /// For a failure, the full message.
    public var message: String?

    private enum CodingKeys: String, CodingKey {
        case probeVersion = "probe_version", library, sha256, toolchain, abi
        case probedAt = "probed_at", outcome, reason, message
    }

    /// The day of ``probedAt``, `2026-12-06`.
    public var probedOn: String { String(probedAt.prefix(10)) }
}

/// The probe results of this machine, one small JSON file per library
/// version under `<state folder>/probes/`, keyed by the library's real
/// path, its sha256, and the host's toolchain and ABI: a library that
/// changes, moves, or meets another etl-host build is probed again.
///
/// ```swift
/// let cache = ProbeCache()
/// if cache.record(library: path, sha256: digest) == nil { /* probe it first */ }
/// ```
///
/// Records are written atomically (temporary file, fsync, rename); an
/// unreadable record counts as absent, so the library is probed again.
public struct ProbeCache: Sendable {
    /// The folder holding the records.
    public let directory: String
    /// The toolchain part of the key.
    public let toolchain: String
    /// The ABI part of the key.
    public let abi: String

    /// The cache of the state folder (`$ETL_STATE_DIR`, else
    /// `$XDG_STATE_HOME/etl-host`, else `~/.local/state/etl-host`).
    public init(
        stateDirectory: String = HostEnvironment.stateDirectory(), toolchain: String = ETLToolchain.current,
        abi: UInt32 = HostABI.current
    ) {
        directory = (stateDirectory as NSString).appendingPathComponent("probes")
        self.toolchain = toolchain
        self.abi = HostABI.string(abi)
    }

    /// The real path of `path` (symbolic links resolved), or `path` itself.
    static func realPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The record file of a library version.
    public func recordPath(library: String, sha256: String) -> String {
        var hasher = SHA256()
        hasher.update(Array("\(Self.realPath(library))\n\(sha256)\n\(toolchain)\n\(abi)".utf8))
        return (directory as NSString).appendingPathComponent("\(hasher.finalizeHex().prefix(32)).json")
    }

    /// The remembered probe of this library version, if any.
    public func record(library: String, sha256: String) -> ProbeRecord? {
        guard let data = FileManager.default.contents(atPath: recordPath(library: library, sha256: sha256)),
              let record = try? JSONDecoder().decode(ProbeRecord.self, from: data),
              record.probeVersion == ProbeRecord.currentVersion, record.library == Self.realPath(library),
              record.sha256 == sha256, record.toolchain == toolchain, record.abi == abi
        else { return nil }
        return record
    }

    /// Remembers a probe's outcome and returns the record written.
    @discardableResult
    public func remember(library: String, sha256: String, outcome: ProbeRecord.Outcome, reason: String? = nil,
                         message: String? = nil) throws -> ProbeRecord {
        let record = ProbeRecord(
            probeVersion: ProbeRecord.currentVersion, library: Self.realPath(library), sha256: sha256,
            toolchain: toolchain, abi: abi, probedAt: Timestamp.now(), outcome: outcome, reason: reason, message: message
        )
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw HostError(.io, "cannot create the probe cache folder '\(directory)': \(error.localizedDescription)")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(record)
        data.append(0x0A)
        try AtomicFile.write(data, to: recordPath(library: library, sha256: sha256))
        return record
    }
}

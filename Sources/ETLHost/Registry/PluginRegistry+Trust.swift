import ETLPluginKit
import Foundation

/// The rules that decide whether a library may run inside etl-host:
///
/// 1. only regular files are opened or hashed (a FIFO or `/dev/zero` is
///    refused at once, see ``LibraryFile``);
/// 2. a library that is not `@host/` (built with this etl-host) must be
///    pinned by sha256, and match it;
/// 3. its ABI major and, for Swift, its toolchain must match the host's;
/// 4. a library that is not `@host/` is probed in a child process
///    (``PluginProbe``) before its first load on this machine; the outcome
///    is remembered in the ``ProbeCache`` (by real path, sha256, toolchain
///    and ABI), so a crashing library is refused without ever being loaded
///    into etl-host, and a good one is probed once.
extension PluginRegistry {
    /// What the checks found about one plugin, without loading it.
    public struct Verdict: Sendable {
        /// The status `plugins list` shows.
        public var status: Status
        /// Why it cannot be loaded; nil when it can (perhaps after a probe).
        public var problem: HostError?
        /// The library's sha256, when it was computed (pinned entries).
        public var sha256: String?
        /// The remembered probe of this library version, if any.
        public var probe: ProbeRecord?
        /// A `plugins install --link` entry (checked by content, not pinned).
        public var linked = false

        /// The status as `plugins list` prints it: `ok`, `ok (probed
        /// 2026-12-06)`, `not probed yet`, `probe failed: SIGSEGV`,
        /// `unpinned: refused`, ...
        public var summary: String {
            if linked, status == .ok { return "dev" }
            if linked, status == .notProbed { return "dev (not probed yet)" }
            return switch status {
            case .ok: probe.map { "ok (probed \($0.probedOn))" } ?? "ok"
            case .notProbed: "not probed yet"
            case .probeFailed: "probe failed: \(probe?.reason ?? "unknown")"
            case .unpinned: "unpinned: refused"
            case .notARegularFile: "not a file: refused"
            case .missing, .checksumMismatch, .abiMismatch, .toolchainMismatch: status.rawValue
            }
        }
    }

    /// Checks a plugin without running it: the library exists and is a
    /// regular file, is pinned (unless `@host/`) and matches its sha256,
    /// ABI and toolchain match, and the remembered probe (unless `@host/`).
    public func verdict(on plugin: Plugin, hostABI: UInt32 = HostABI.current,
                        hostToolchain: String = ETLToolchain.current) -> Verdict {
        let entry = plugin.entry
        let path = plugin.libraryPath
        let source = "registry \(plugin.registry.path)"
        var status = stat()
        guard stat(path, &status) == 0 else {
            return Verdict(status: .missing, problem: HostError(.registry, "plugin '\(entry.name)': its library '\(path)' does not exist (\(source)); reinstall it, or build the bundled plugins with `swift build`"))
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            return Verdict(status: .notARegularFile, problem: HostError(.notAPlugin, "plugin '\(entry.name)': refusing '\(path)': it is \(LibraryFile.kindDescription(status.st_mode)), not a regular file (\(source)); only regular files are opened or hashed"))
        }
        guard let pinned = entry.sha256 else {
            if plugin.isHostBuilt { return abiVerdict(plugin, hostABI: hostABI, hostToolchain: hostToolchain) ?? Verdict(status: .ok) }
            if entry.link { return linkedVerdict(on: plugin, hostABI: hostABI, hostToolchain: hostToolchain) }
            return Verdict(status: .unpinned, problem: HostError(.checksumMismatch, "plugin '\(entry.name)': refusing to load '\(path)': the \(plugin.scope.rawValue) \(source) does not pin it by sha256 (\"sha256\": null), and only libraries built with this etl-host (@host/) run unpinned. To trust this file, run `etl-host plugins install \(path) --name \(entry.name)`, which probes it in a child process and pins it"))
        }
        let actual: String
        do { actual = try LibraryFile.sha256(ofLibraryAt: path) } catch {
            return Verdict(status: .missing, problem: error as? HostError)
        }
        guard actual == pinned.lowercased() else {
            return Verdict(status: .checksumMismatch, problem: HostError(.checksumMismatch, "plugin '\(entry.name)': refusing to load '\(path)': its sha256 is \(actual) but the registry \(plugin.registry.path) pins \(pinned); the library changed after it was installed. If you trust the new file, run `etl-host plugins install \(path) --name \(entry.name)`"), sha256: actual)
        }
        if var mismatch = abiVerdict(plugin, hostABI: hostABI, hostToolchain: hostToolchain) {
            mismatch.sha256 = actual
            return mismatch
        }
        if plugin.isHostBuilt { return Verdict(status: .ok, sha256: actual) }
        guard let record = probeCache.record(library: path, sha256: actual) else {
            return Verdict(status: .notProbed, sha256: actual)
        }
        guard record.outcome == .ok else {
            let message = (record.message ?? "plugin '\(entry.name)': its library '\(path)' failed its probe")
                + " (remembered from its probe at \(record.probedAt); a changed library is probed again)"
            return Verdict(status: .probeFailed, problem: HostError(.pluginFailed, message), sha256: actual, probe: record)
        }
        return Verdict(status: .ok, sha256: actual, probe: record)
    }

    /// A `--link` entry: its library hashed now, checked like a pinned one
    /// at that hash (a content never probed here is probed before its load).
    private func linkedVerdict(on plugin: Plugin, hostABI: UInt32, hostToolchain: String) -> Verdict {
        let path = plugin.libraryPath
        let actual: String
        do { actual = try LibraryFile.sha256(ofLibraryAt: path) } catch {
            return Verdict(status: .missing, problem: error as? HostError, linked: true)
        }
        var verdict: Verdict
        if let mismatch = abiVerdict(plugin, hostABI: hostABI, hostToolchain: hostToolchain) {
            verdict = mismatch
        } else if let record = probeCache.record(library: path, sha256: actual) {
            verdict = record.outcome == .ok ? Verdict(status: .ok, probe: record) : Verdict(
                status: .probeFailed, problem: HostError(.pluginFailed, (record.message ?? "plugin '\(plugin.entry.name)': its library '\(path)' failed its probe")
                    + " (remembered from its probe at \(record.probedAt); a rebuilt library is probed again)"), probe: record)
        } else {
            verdict = Verdict(status: .notProbed)
        }
        verdict.sha256 = actual
        verdict.linked = true
        return verdict
    }

    /// The ABI or toolchain mismatch of an entry, if any.
    private func abiVerdict(_ plugin: Plugin, hostABI: UInt32, hostToolchain: String) -> Verdict? {
        let entry = plugin.entry
        guard let abi = HostABI.parse(entry.abi), abi >> 16 == hostABI >> 16 else {
            return Verdict(status: .abiMismatch, problem: HostError(.abiMismatch, "plugin '\(entry.name)': the registry says it was built for ABI \(entry.abi); this etl-host speaks ABI \(HostABI.string(hostABI)) and needs the same major version"))
        }
        if entry.language == "swift", let toolchain = entry.toolchain, toolchain != hostToolchain {
            return Verdict(status: .toolchainMismatch, problem: HostError(.abiMismatch, "plugin '\(entry.name)': built with \(toolchain); this etl-host was built with \(hostToolchain): rebuild it with the same toolchain"))
        }
        return nil
    }

    /// Verifies `plugin` and loads it in a child process (never in this
    /// one), returning its descriptor; the outcome is remembered like the
    /// probe before a first load, for a library that is not `@host/`.
    /// `plugins info` uses it.
    ///
    /// - Throws: what ``verify(_:hostABI:hostToolchain:)`` throws; the
    ///   probe's failure (see ``load(named:kind:loader:probeExecutable:)``).
    public func describe(_ plugin: Plugin, executable: String = HostEnvironment.executablePath) throws -> PluginDescriptor {
        let verdict = verdict(on: plugin)
        if let problem = verdict.problem { throw problem }
        return try probe(plugin, sha256: plugin.isHostBuilt ? nil : verdict.sha256, executable: executable)
    }

    /// Probes `plugin`'s library in a child process and, when `sha256` is
    /// given, remembers the outcome for that library version.
    ///
    /// - Throws: `.pluginFailed` naming the signal when the child crashed or
    ///   timed out; the child's error when it refused the library.
    @discardableResult
    func probe(_ plugin: Plugin, sha256: String?, executable: String) throws -> PluginDescriptor {
        let name = plugin.entry.name
        let path = plugin.libraryPath
        let failure: (reason: String, error: HostError)
        switch PluginProbe.run(libraryAt: path, entrySymbol: plugin.entry.entry, executable: executable) {
        case .loaded(let descriptor):
            if let sha256 { _ = try? probeCache.remember(library: path, sha256: sha256, outcome: .ok) }
            return descriptor
        case .crashed(let signal) where [SIGINT, SIGTERM, SIGHUP, SIGKILL].contains(signal):
            // Stopped from outside (Ctrl-C reaches the whole process group):
            // that says nothing about the library, so nothing is remembered.
            throw HostError(.cancelled, "plugin '\(name)': its probe in a child process was stopped by \(PluginProbe.shortSignalName(signal)) before it finished; nothing was loaded or remembered")
        case .crashed(let signal):
            failure = (PluginProbe.shortSignalName(signal), HostError(.pluginFailed, "plugin '\(name)': its library '\(path)' crashed while initializing in a probe child process (signal \(signal), \(PluginProbe.signalName(signal))); refused: it was not loaded into etl-host (registry \(plugin.registry.path))"))
        case .timedOut(let seconds):
            failure = ("timeout", HostError(.pluginFailed, "plugin '\(name)': its library '\(path)' did not finish initializing within \(seconds) s in a probe child process; refused: it was not loaded into etl-host (registry \(plugin.registry.path))"))
        case .refused(let error) where error.kind == .io:
            throw error  // the probe could not run: nothing is known about the library
        case .refused(let error):
            failure = (error.kind.rawValue, HostError(error.kind, "plugin '\(name)': refused by its probe in a child process: \(error.message)",
                                                        plugin: name))
        }
        if let sha256 {
            _ = try? probeCache.remember(library: path, sha256: sha256, outcome: .failed, reason: failure.reason,
                                         message: failure.error.message)
        }
        throw failure.error
    }
}

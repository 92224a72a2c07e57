import Foundation

/// Loads a plugin in a child process and reports its descriptor, so that a
/// plugin that crashes or hangs in its init cannot take the calling process
/// (or the registry it is about to change) down with it.
///
/// The child is `etl-host plugins probe PATH --entry SYMBOL`, which prints a
/// ``Report`` as JSON on standard output.
public enum PluginProbe {
    /// What the child prints: the descriptor, or the error that stopped it.
    public struct Report: Codable, Sendable {
        /// The validated descriptor, when loading succeeded.
        public var descriptor: PluginDescriptor?
        /// The error kind, when loading failed.
        public var errorKind: String?
        /// The error message, when loading failed.
        public var errorMessage: String?

        private enum CodingKeys: String, CodingKey {
            case descriptor
            case errorKind = "error_kind"
            case errorMessage = "error_message"
        }

        /// A report for the outcome of loading a library in this process.
        public static func loading(libraryAt path: String, entrySymbol: String, loader: PluginLoader = PluginLoader()) -> Report {
            do {
                let plugin = try loader.load(libraryAt: path, entrySymbol: entrySymbol)
                return Report(descriptor: plugin.descriptor)
            } catch let error as HostError {
                return Report(errorKind: error.kind.rawValue, errorMessage: error.message)
            } catch {
                return Report(errorKind: HostError.Kind.pluginFailed.rawValue, errorMessage: "\(error)")
            }
        }

        /// The report as one line of JSON.
        public func json() -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
        }
    }

    /// How a probe child ended.
    public enum Outcome: Sendable {
        /// The library loaded; its validated descriptor.
        case loaded(PluginDescriptor)
        /// The child died of `signal` (the plugin crashed while initializing).
        case crashed(signal: Int32)
        /// The child did not finish within `seconds` and was killed.
        case timedOut(seconds: Int)
        /// The child refused the library (not a plugin, ABI mismatch, init
        /// failed, invalid descriptor), or could not run.
        case refused(HostError)
    }

    /// Runs the probe child for the library at `path`, waiting at most
    /// `timeout` seconds, and returns the plugin's descriptor.
    ///
    /// - Throws: the child's ``HostError``; `.pluginFailed` when the child
    ///   crashed (naming the signal) or did not finish in time.
    public static func describe(
        libraryAt path: String, entrySymbol: String, executable: String = HostEnvironment.executablePath,
        timeout: TimeInterval = 30
    ) throws -> PluginDescriptor {
        switch run(libraryAt: path, entrySymbol: entrySymbol, executable: executable, timeout: timeout) {
        case .loaded(let descriptor):
            return descriptor
        case .crashed(let signal):
            throw HostError(.pluginFailed, "plugin '\(path)' crashed while initializing (signal \(signal), \(signalName(signal))); refused, nothing was installed")
        case .timedOut(let seconds):
            throw HostError(.pluginFailed, "plugin '\(path)' did not finish initializing within \(seconds) s; refused")
        case .refused(let error):
            throw error
        }
    }

    /// Runs the probe child for the library at `path`, waiting at most
    /// `timeout` seconds, and says how it ended.
    public static func run(
        libraryAt path: String, entrySymbol: String, executable: String = HostEnvironment.executablePath,
        timeout: TimeInterval = 30
    ) -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["plugins", "probe", path, "--entry", entrySymbol]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            return .refused(HostError(.io, "cannot start the plugin probe '\(executable)': \(error)"))
        }
        let deadline = DispatchTime.now() + timeout
        let killer = DispatchWorkItem { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: deadline, execute: killer)
        // Read standard error concurrently, so that neither pipe can fill up and block the child.
        nonisolated(unsafe) var stderr = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            stderr = errors.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        killer.cancel()

        let name = (path as NSString).lastPathComponent
        if process.terminationReason == .uncaughtSignal {
            let signal = process.terminationStatus
            if signal == SIGKILL, DispatchTime.now() >= deadline { return .timedOut(seconds: Int(timeout)) }
            return .crashed(signal: signal)
        }
        guard let report = try? JSONDecoder().decode(Report.self, from: stdout) else {
            let detail = String(decoding: stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            let cause = stdout.isEmpty
                ? "the probe process ended with exit \(process.terminationStatus) before reporting: the plugin (or a library it uses) called exit() during init instead of returning an error"
                : "the probe process ended with exit \(process.terminationStatus) and an unreadable report"
            return .refused(HostError(.pluginFailed, "probing plugin '\(name)' failed: \(cause)\(detail.isEmpty ? "" : ": \(detail)")"))
        }
        if let descriptor = report.descriptor { return .loaded(descriptor) }
        let kind = report.errorKind.flatMap(HostError.Kind.init(rawValue:)) ?? .pluginFailed
        return .refused(HostError(kind, report.errorMessage ?? "probing plugin '\(path)' failed", plugin: path))
    }

    /// The short name of a signal: `SIGSEGV`.
    static func shortSignalName(_ signal: Int32) -> String {
        switch signal {
        case SIGSEGV: "SIGSEGV"
        case SIGBUS: "SIGBUS"
        case SIGABRT: "SIGABRT"
        case SIGILL: "SIGILL"
        case SIGFPE: "SIGFPE"
        case SIGKILL: "SIGKILL"
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        case SIGHUP: "SIGHUP"
        case SIGTRAP: "SIGTRAP"
        default: "signal \(signal)"
        }
    }

    static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGSEGV: "SIGSEGV, a segmentation fault"
        case SIGBUS: "SIGBUS"
        case SIGABRT: "SIGABRT, the plugin aborted"
        case SIGILL: "SIGILL"
        case SIGFPE: "SIGFPE"
        case SIGKILL: "SIGKILL"
        case SIGTRAP: "SIGTRAP, a Swift runtime trap"
        default: "signal \(signal)"
        }
    }
}

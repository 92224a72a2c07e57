import Foundation

/// Makes sure a process exit that etl-host did not decide never looks like
/// success.
///
/// A plugin (or a library it links) may call `exit(0)` in the middle of a
/// run: in init, open or read. The process would end with status 0, nothing
/// loaded, and the run left `running` (read later as `interrupted`). While
/// the guard is armed, an `atexit` handler catches such an exit: it prints
/// what was under way, lets the open run record itself as failed
/// (``setRunHook(_:)``) and ends the process with ``ExitStatus/pluginRefused``
/// (during plugin loading) or ``ExitStatus/failure`` (during a run).
/// The command disarms it just before it returns its own status.
///
/// ```swift
/// ExitGuard.arm(.loadingPlugins)
/// defer { ExitGuard.disarm() }
/// let plugin = try registry.load(named: "csv")
/// ExitGuard.enter(.running)
/// ```
public enum ExitGuard {
    /// What the command is doing, for the message and the exit code.
    public enum Phase: Sendable {
        /// Loading plugins: `dlopen` and the plugins' init.
        case loadingPlugins
        /// A run is under way: plugins are opened, read and written.
        case running

        var exitStatus: ExitStatus { self == .loadingPlugins ? .pluginRefused : .failure }
        var activity: String { self == .loadingPlugins ? "loading the plugins (their init)" : "the run was under way" }
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var phase: Phase?
    nonisolated(unsafe) private static var runHook: (@Sendable (String) -> String?)?
    nonisolated(unsafe) private static var installed = false

    /// Arms the guard in `phase` (installing the `atexit` handler once).
    public static func arm(_ phase: Phase) {
        lock.withLock {
            self.phase = phase
            if !installed {
                installed = true
                atexit { ExitGuard.processIsExiting() }
            }
        }
    }

    /// Moves an armed guard to `phase` (does nothing when disarmed).
    public static func enter(_ phase: Phase) {
        lock.withLock { if self.phase != nil { self.phase = phase } }
    }

    /// Registers what to do when the process exits during the run: record
    /// it as failed with the message given, and return where the run
    /// stood (e.g. `reading stream 'orders'`), or nil.
    public static func setRunHook(_ hook: (@Sendable (String) -> String?)?) {
        lock.withLock { runHook = hook }
    }

    /// Disarms the guard: the command is about to exit with its own status.
    public static func disarm() {
        lock.withLock {
            phase = nil
            runHook = nil
        }
    }

    /// The `atexit` handler.
    private static func processIsExiting() {
        guard let (phase, hook) = lock.withLock({ () -> (Phase, (@Sendable (String) -> String?)?)? in
            guard let phase else { return nil }
            self.phase = nil
            return (phase, runHook)
        }) else { return }
        let message = "the process was ended by a call to exit() while \(phase.activity), not by etl-host: a plugin (or a library it uses) must return an error instead of exiting"
        let place = hook?(message)
        let line = "etl-host: error: \(message)" + (place.map { " (\($0))" } ?? "") + "\n"
        FileHandle.standardError.write(Data(line.utf8))
        _exit(phase.exitStatus.rawValue)
    }
}

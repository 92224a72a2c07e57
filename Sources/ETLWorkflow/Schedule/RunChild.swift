import ETLHost
import Foundation

/// An `etl-host run` started by the scheduler: a child process in a
/// process group of its own (a Ctrl-C meant for serve does not reach it;
/// serve decides when to stop it), SIGINT/SIGTERM at their default
/// actions and unblocked, standard input from /dev/null, standard output
/// and error appended to `outputPath`. A thread waits for it and calls
/// `ended` with its exit status (128 + N when signal N killed it).
final class RunChild: Sendable {
    /// The child's pid.
    let pid: pid_t

    /// Starts `arguments` (`arguments[0]` is a path) in `workingDirectory`.
    ///
    /// - Throws: `.io` when it cannot be started.
    init(arguments: [String], environment: [String: String], workingDirectory: String, outputPath: String,
         ended: @escaping @Sendable (Int32) -> Void) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Serve's own descriptors (its listening socket) stay with serve.
        _ = Self.addCloseFrom.map { $0(&actions, 3) }
        guard ProcessSpawn.addChdir(&actions, workingDirectory) else {
            throw HostError(.io, "cannot start a run in \(workingDirectory): this C library cannot set a spawned program's folder")
        }
        let child: pid_t
        switch ProcessSpawn.spawn(arguments, environment: environment, actions: &actions, searchPath: false) {
        case .success(let started): child = started
        case .failure(let error): throw HostError(.io, "cannot start '\(arguments[0])' in \(workingDirectory): \(error)")
        }
        pid = child
        let spawned = child
        Thread.detachNewThread {
            var status: Int32 = 0
            while waitpid(spawned, &status, 0) < 0 && errno == EINTR {}
            let signal = status & 0x7F
            ended(signal == 0 ? (status >> 8) & 0xFF : 128 + signal)
        }
    }

    /// Sends `signal` to the `etl-host run` process (it stops its own steps).
    func signal(_ signal: Int32) { kill(pid, signal) }

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), when there.
    private static let addCloseFrom: AddCloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: AddCloseFrom.self) }
}

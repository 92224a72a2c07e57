import Foundation

extension CrashPoint {
    /// What happens when a run reaches the targeted crash point.
    ///
    /// Without `ETL_CRASH_COMMAND`, the host sends itself SIGKILL. With
    /// it, the host runs the command with `/bin/sh -c` (its output goes to
    /// the host's standard error), waits for it to finish, and goes on with
    /// the run: the tests use it to restart a database server at an exact
    /// moment of a load, e.g.
    ///
    /// ```sh
    /// ETL_CRASH_AT=batch-written ETL_CRASH_COMMAND='scripts/postgres-server restart' etl-host sync ...
    /// ```
    ///
    /// A command that cannot be started or does not exit with 0 still
    /// kills the host, so that a test never goes on from a moment it did
    /// not set up.
    static func strike(_ point: String) {
        guard let command = ProcessInfo.processInfo.environment["ETL_CRASH_COMMAND"], !command.isEmpty else {
            kill(getpid(), SIGKILL)
            return
        }
        let status = runAndWait(command)
        guard status == 0 else {
            FileHandle.standardError.write(Data("etl-host: ETL_CRASH_COMMAND at \(point) failed (\(status))\n".utf8))
            kill(getpid(), SIGKILL)
            return
        }
    }

    /// Runs `/bin/sh -c command` with standard output sent to standard
    /// error, and returns its wait status (0: exited with 0). posix_spawn
    /// and waitpid rather than Foundation's Process, whose termination
    /// monitoring never fires in the host (its signal threads), leaving the
    /// wait hanging.
    private static func runAndWait(_ command: String) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, 2, 1)
        let arguments: [UnsafeMutablePointer<CChar>?] = ([String](["/bin/sh", "-c", command])).map { strdup($0) } + [nil]
        defer { arguments.forEach { free($0) } }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, "/bin/sh", &actions, nil, arguments, environ)
        guard spawned == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(child, &status, 0) == -1, errno == EINTR {}
        return status
    }
}

import ETLHost
import Foundation

/// A program started with `posix_spawn` for a command step: in a process
/// group of its own, with SIGINT and SIGTERM unblocked and at their
/// default action (etl-host blocks them in its own threads, see
/// ``ETLHost/SignalTrap``), standard input from /dev/null, standard output
/// and error to pipes.
final class ChildProcess: @unchecked Sendable {
    // @unchecked: immutable after init (a pid and two pipe handles).
    /// How the program ended.
    enum Ending: Equatable {
        /// It exited with this status.
        case exited(Int32)
        /// A signal killed it.
        case signaled(Int32)
    }

    let pid: pid_t
    /// Its standard output and standard error, to read.
    let output: FileHandle
    let errors: FileHandle

    /// Starts `arguments[0]` (looked up in PATH when it has no slash).
    ///
    /// - Throws: `.invalidArgument` when the program cannot be started
    ///   (not found, not executable, the folder is missing).
    init(arguments: [String], environment: [String: String], workingDirectory: String) throws {
        guard let program = arguments.first else { throw HostError(.invalidArgument, "a command needs a program") }
        var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else {
            throw HostError(.io, "cannot make a pipe for '\(program)': \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        for descriptor in outPipe + errPipe { posix_spawn_file_actions_addclose(&actions, descriptor) }
        guard ProcessSpawn.addChdir(&actions, workingDirectory) else {
            throw HostError(.io, "cannot run '\(program)' in \(workingDirectory): this C library cannot set a spawned program's folder")
        }
        let spawned = ProcessSpawn.spawn(arguments, environment: environment, actions: &actions, searchPath: true)
        close(outPipe[1])
        close(errPipe[1])
        switch spawned {
        case .success(let child):
            pid = child
        case .failure(let error):
            close(outPipe[0])
            close(errPipe[0])
            throw HostError(.invalidArgument, "cannot start '\(program)' in \(workingDirectory): \(error)")
        }
        output = FileHandle(fileDescriptor: outPipe[0], closeOnDealloc: false)
        errors = FileHandle(fileDescriptor: errPipe[0], closeOnDealloc: false)
    }

    /// Waits up to `seconds` for the program to end; nil when it still runs.
    func wait(upTo seconds: Double) -> Ending? {
        let end = Date().addingTimeInterval(seconds)
        repeat {
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                let signal = status & 0x7F
                return signal == 0 ? .exited((status >> 8) & 0xFF) : .signaled(signal)
            }
            if result < 0 && errno != EINTR { return .exited(-1) }
            usleep(2_000)
        } while Date() < end
        return nil
    }

    /// Sends `signal` to the program's process group.
    func signal(_ signal: Int32) {
        kill(-pid, signal)
    }
}

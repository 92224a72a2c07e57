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
        guard let addChdir = Self.addChdir, addChdir(&actions, workingDirectory) == 0 else {
            throw HostError(.io, "cannot run '\(program)' in \(workingDirectory): this C library cannot set a spawned program's folder")
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGTERM)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let result = posix_spawnp(&child, program, &actions, &attributes, argv, envp)
        close(outPipe[1])
        close(errPipe[1])
        guard result == 0 else {
            close(outPipe[0])
            close(errPipe[0])
            throw HostError(.invalidArgument, "cannot start '\(program)' in \(workingDirectory): \(String(cString: strerror(result)))")
        }
        pid = child
        output = FileHandle(fileDescriptor: outPipe[0], closeOnDealloc: false)
        errors = FileHandle(fileDescriptor: errPipe[0], closeOnDealloc: false)
    }

    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    /// glibc's `posix_spawn_file_actions_addchdir_np` (2.29+), which the Glibc module does not export.
    nonisolated(unsafe) private static let addChdir: AddChdir? = dlsym(nil, "posix_spawn_file_actions_addchdir_np")
        .map { unsafeBitCast($0, to: AddChdir.self) }

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

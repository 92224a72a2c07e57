import Foundation

/// What every program etl-host starts (a command step's program, a
/// scheduled `etl-host run`) shares: a process group of its own, SIGINT,
/// SIGTERM and SIGPIPE unblocked and at their default actions (etl-host
/// blocks them in its own threads, see ``ETLHost/SignalTrap``), and the
/// folder it starts in. The caller sets up its descriptors in `actions`.
enum ProcessSpawn {
    /// Starts `arguments[0]` (looked up in PATH when `searchPath`) with
    /// `actions`; returns its pid, or the error number of the failure.
    static func spawn(_ arguments: [String], environment: [String: String], actions: inout posix_spawn_file_actions_t,
                      searchPath: Bool) -> Result<pid_t, POSIXErrorNumber> {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGPIPE] { sigaddset(&defaults, signal) }
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
        let result = searchPath ? posix_spawnp(&child, arguments[0], &actions, &attributes, argv, envp)
            : posix_spawn(&child, arguments[0], &actions, &attributes, argv, envp)
        return result == 0 ? .success(child) : .failure(POSIXErrorNumber(result))
    }

    /// Adds "start in `folder`" to `actions`; false when this C library cannot.
    static func addChdir(_ actions: inout posix_spawn_file_actions_t, _ folder: String) -> Bool {
        guard let addChdir else { return false }
        return addChdir(&actions, folder) == 0
    }

    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    /// glibc's `posix_spawn_file_actions_addchdir_np` (2.29+), which the Glibc module does not export.
    private static let addChdir: AddChdir? = dlsym(nil, "posix_spawn_file_actions_addchdir_np")
        .map { unsafeBitCast($0, to: AddChdir.self) }
}

/// An error number of the C library, with its text.
struct POSIXErrorNumber: Error, CustomStringConvertible {
    let code: Int32
    init(_ code: Int32) { self.code = code }
    var description: String { String(cString: strerror(code)) }
}

/// The exit codes of the etl-host command, documented in `--help`.
public enum ExitStatus: Int32, Sendable, CaseIterable {
    /// Everything asked for was done.
    case success = 0
    /// The command failed: I/O, a registry problem, a run that failed.
    case failure = 1
    /// A plugin was refused: not a plugin, ABI or toolchain mismatch, crash
    /// or failure in init, invalid descriptor, checksum mismatch.
    case pluginRefused = 2
    /// A pipeline's check step found failing rows (severity error); the
    /// steps that need it did not run (`etl-host run`).
    case checkFailed = 3
    /// The command line or a config was invalid (as swift-argument-parser's
    /// validation failures).
    case usage = 64
    /// Input data was malformed or did not fit (EX_DATAERR); the warehouse
    /// is unchanged.
    case badData = 65
    /// Another run of the same pipeline holds its lock and `--no-wait` was
    /// given (EX_TEMPFAIL: try again later); nothing ran (`etl-host run`).
    case locked = 75
    /// Cancelled by SIGINT or SIGTERM (128 + SIGINT, as shells report it);
    /// the stream being loaded was rolled back.
    case cancelled = 130

    /// One line per code, for help texts.
    public static let documentation = """
        Exit codes:
          0   success: every stream committed (also when SIGINT/SIGTERM came
              after the last commit returned)
          1   failure (I/O, registry, a stream that failed; also a plugin
              that ended the process with exit() during a run)
          2   plugin refused (not a plugin, ABI/toolchain mismatch, crash,
              exit() or error in init, invalid descriptor, checksum mismatch)
          64  invalid command line or config, also when found after start-up
              (a plugin's open or discover refusing a value, no primary key
              for upsert)
          65  bad input data (malformed rows, values that do not fit or that
              the warehouse refuses, a replace with no rows refused without
              --allow-empty); the warehouse is unchanged
          130 cancelled by SIGINT/SIGTERM before every stream committed: the
              stream being loaded rolled back, later ones did not start;
              streams that committed before the signal stay, and the run
              record and summary name them (status "succeeded" per stream)
          When streams fail for different reasons, the code is the first of
          130, 64, 65, 2, 1 that applies.
          `etl-host run` adds 3 (a check step failed) and 75 (--no-wait, and
          another run of the pipeline holds its lock): see `etl-host run --help`.
        """
}

extension HostError {
    /// The exit code a command ends with when this error stops it.
    public var exitStatus: ExitStatus {
        switch kind {
        case .notAPlugin, .abiMismatch, .pluginFailed, .checksumMismatch: .pluginRefused
        case .invalidArgument: .usage
        case .registry, .io, .operationFailed: .failure
        case .badData: .badData
        case .cancelled: .cancelled
        }
    }
}

import ETLHost
import ETLPluginKit

/// The executors of the step kinds the pipeline file has, as `etl-host
/// run` composes them (a ``Workflow`` adds ``SwiftStepExecutor``).
public enum StepExecutors {
    /// One executor per kind of the pipeline file (sync, sql, check,
    /// command), loading plugins from `registry`; sync runs' log lines at
    /// `logLevel` and above are echoed to standard error as `logFormat` says.
    public static func standard(registry: PluginRegistry, logLevel: LogLevel = .warn,
                                logFormat: LogFormat = .text) -> [StepKindName: any StepExecutor] {
        [
            .sync: SyncStepExecutor(registry: registry, logLevel: logLevel, logFormat: logFormat),
            .sql: SQLStepExecutor(registry: registry),
            .check: CheckStepExecutor(registry: registry),
            .command: CommandStepExecutor(),
        ]
    }
}

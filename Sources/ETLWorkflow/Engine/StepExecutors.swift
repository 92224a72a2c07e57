import ETLHost
import ETLPluginKit

/// The executors of the step kinds the pipeline file has, as `etl-host
/// run` composes them (a ``Workflow`` adds ``SwiftStepExecutor``).
public enum StepExecutors {
    /// The bundled executors, loading plugins from `registry`; sync runs
    /// echo their log lines from `logLevel` up, formatted as `logFormat`.
    public static func standard(registry: PluginRegistry, logLevel: LogLevel, logFormat: LogFormat = .text) -> [StepKindName: any StepExecutor] {
        [.sync: SyncStepExecutor(registry: registry, logLevel: logLevel, logFormat: logFormat), .command: CommandStepExecutor()]
    }
}

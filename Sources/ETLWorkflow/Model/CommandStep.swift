import ETLHost

/// A command step: an external program, run without a shell.
public struct CommandStep: Sendable {
    /// The program and its arguments (`command: [python3, report.py]`).
    public var arguments: [String]
    /// Variables added to the environment (`env:`).
    public var environment: [String: String]
    /// The working folder (`cwd:`), resolved against the pipeline's folder
    /// (default: the pipeline's folder).
    public var workingDirectory: String
    /// The longest it may run (`timeout:`); nil is no limit.
    public var timeout: PipelineDuration?

    /// A command step.
    public init(arguments: [String], environment: [String: String], workingDirectory: String, timeout: PipelineDuration?) {
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.timeout = timeout
    }
}

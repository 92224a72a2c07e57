import ETLHost
import ETLPluginKit

/// Steps declared in Swift. Each is the same ``Step`` the pipeline file
/// makes, located at the Swift line that declares it (so problems name
/// `main.swift:12:1`); connections are named as in ``Workflow/connections``.
///
/// ```swift
/// let steps: [Step] = [
///     .sync("raw_rates", from: "rates", to: "dwh"),
///     .run("announce", needs: ["raw_rates"]) { context in context.log("loaded") },
///     .command("report", ["python3", "report.py"], needs: ["announce"]),
///     Step(name: "orders", kind: .sql(SQLStep(source: .inline("SELECT 1 AS one"), materialize: .table,
///                                               into: .connection("dwh"), target: "orders"))),
/// ]
/// ```
extension Step {
    /// A step of any kind, declared at `fileID`:`line`.
    public init(name: String, kind: StepKind, needs: [String] = [], retries: RetrySettings = RetrySettings(),
                fileID: String = #fileID, line: Int = #line) {
        let location = SourceLocation(file: fileID, line: line, column: 1)
        self.init(name: name, needs: needs, retries: retries, kind: kind, location: location,
                  needsLocations: needs.map { _ in location })
    }

    /// A sync step from connection `from` to connection `to` (as
    /// `sync: {from:, to:, streams:, mode:, incremental:}`); `configure`
    /// sets the other ``SyncStep`` options.
    public static func sync(_ name: String, from: String, to: String, streams: [String]? = nil, mode: WriteMode = .replace,
                            incremental: Bool = false, needs: [String] = [], retries: RetrySettings = RetrySettings(),
                            fileID: String = #fileID, line: Int = #line, configure: (inout SyncStep) -> Void = { _ in }) -> Step {
        var sync = SyncStep(from: .connection(from, fileID: fileID, line: line), to: .connection(to, fileID: fileID, line: line))
        sync.streams = streams
        sync.mode = mode
        sync.incremental = incremental
        configure(&sync)
        return Step(name: name, kind: .sync(sync), needs: needs, retries: retries, fileID: fileID, line: line)
    }

    /// A command step: `arguments` run without a shell in `workingDirectory`
    /// (relative to the current folder when the workflow runs).
    public static func command(_ name: String, _ arguments: [String], needs: [String] = [], environment: [String: String] = [:],
                               workingDirectory: String = ".", timeout: PipelineDuration? = nil,
                               retries: RetrySettings = RetrySettings(), fileID: String = #fileID, line: Int = #line) -> Step {
        let command = CommandStep(arguments: arguments, environment: environment, workingDirectory: workingDirectory, timeout: timeout)
        return Step(name: name, kind: .command(command), needs: needs, retries: retries, fileID: fileID, line: line)
    }

    /// A step running `body` in this process (a closure step).
    public static func run(_ name: String, needs: [String] = [], retries: RetrySettings = RetrySettings(),
                           fileID: String = #fileID, line: Int = #line,
                           _ body: @escaping @Sendable (WorkflowTaskContext) throws -> Void) -> Step {
        Step(name: name, kind: .swift(SwiftStep(body)), needs: needs, retries: retries, fileID: fileID, line: line)
    }

    /// A step running `task` in this process.
    public static func task(_ name: String, _ task: any WorkflowTask, needs: [String] = [], retries: RetrySettings = RetrySettings(),
                            fileID: String = #fileID, line: Int = #line) -> Step {
        Step(name: name, kind: .swift(SwiftStep(task)), needs: needs, retries: retries, fileID: fileID, line: line)
    }
}

extension ConnectionReference {
    /// The connection named `name` in ``Workflow/connections``.
    public static func connection(_ name: String, fileID: String = #fileID, line: Int = #line) -> ConnectionReference {
        .named(name, SourceLocation(file: fileID, line: line, column: 1))
    }
}

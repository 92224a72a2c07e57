/// One step of a pipeline: a name, the steps it needs, and what it does.
public struct Step: Sendable {
    /// The step's name (its key under `steps:`).
    public var name: String
    /// The steps that must succeed before this one starts (`needs:`), as written.
    public var needs: [String]
    /// How a failing attempt is retried (`retries:`, else `defaults.retries`).
    public var retries: RetrySettings
    /// What the step does.
    public var kind: StepKind
    /// Where the step is written (its name).
    public var location: SourceLocation
    /// Where each name in `needs` is written, in the same order.
    public var needsLocations: [SourceLocation]

    /// A step.
    public init(name: String, needs: [String], retries: RetrySettings, kind: StepKind, location: SourceLocation,
                needsLocations: [SourceLocation]) {
        self.name = name
        self.needs = needs
        self.retries = retries
        self.kind = kind
        self.location = location
        self.needsLocations = needsLocations
    }
}

/// The kinds of step: the four of the pipeline file, and ``swift`` (Swift
/// code, declared in a program; the file format has no key for it).
public enum StepKind: Sendable {
    /// Load streams of a source into a warehouse (`sync:`).
    case sync(SyncStep)
    /// Build a table or view from a SELECT (`sql:` file or `query:`).
    case sql(SQLStep)
    /// Assertions on a table (`check:`).
    case check(CheckStep)
    /// An external program (`command:`).
    case command(CommandStep)
    /// Swift code run in the process that runs the workflow (a closure or a
    /// ``WorkflowTask``); only a ``Workflow`` declared in code has them.
    case swift(SwiftStep)

    /// The kind's name as written in the file: sync, sql, check, command
    /// (and `swift` for steps declared in code).
    public var name: StepKindName {
        switch self {
        case .sync: .sync
        case .sql: .sql
        case .check: .check
        case .command: .command
        case .swift: .swift
        }
    }
}

/// The name of a step kind.
public enum StepKindName: String, Sendable, CaseIterable, Codable {
    /// A sync step.
    case sync
    /// A SQL step.
    case sql
    /// A check step.
    case check
    /// A command step.
    case command
    /// A step of Swift code (``StepKind/swift(_:)``): not a key of the
    /// pipeline file, shown as `swift` by `etl-host runs show`.
    case swift
}

/// A reference to a connection: by name, or written inline in the step.
public enum ConnectionReference: Sendable {
    /// A connection under `connections:`, by name, and where the name is written.
    case named(String, SourceLocation)
    /// `{plugin: csv, path: rates.csv}` written in the step.
    case inline(Connection)

    /// Where the reference is written.
    public var location: SourceLocation {
        switch self {
        case .named(_, let location): location
        case .inline(let connection): connection.location
        }
    }
}

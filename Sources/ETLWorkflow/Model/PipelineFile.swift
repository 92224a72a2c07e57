import ETLHost
import ETLPluginKit
import Foundation

/// A pipeline file (`etl.yaml`), decoded and statically checked: its
/// connections and its steps, each with the place it was written.
///
/// ```swift
/// let pipeline = try PipelineParser().parse(path: "etl.yaml")
/// let graph = try StepGraph(pipeline)
/// for layer in graph.layers { print(layer.map(\.name)) }
/// ```
public struct PipelineFile: Sendable {
    /// The pipeline's name (`name:`), used in the run history.
    public var name: String
    /// The file, as the user named it (shown in messages).
    public var path: String
    /// The folder holding the file: relative paths in the file (SQL files,
    /// a command's `cwd`) resolve against it.
    public var folder: String
    /// Named connections, in file order.
    public var connections: [Connection]
    /// Settings every step starts from (`defaults:`).
    public var defaults: StepDefaults
    /// The steps, in file order.
    public var steps: [Step]
    /// When `etl-host serve` runs it (`schedules:`), in file order.
    public var schedules: [Schedule] = []
    /// Where `etl-host serve` reports failures, lateness and recoveries (`alerts:`).
    public var alerts: [AlertRule] = []

    /// A pipeline.
    public init(name: String, path: String, folder: String, connections: [Connection], defaults: StepDefaults, steps: [Step]) {
        self.name = name
        self.path = path
        self.folder = folder
        self.connections = connections
        self.defaults = defaults
        self.steps = steps
    }

    /// The connection named `name`.
    public func connection(named name: String) -> Connection? { connections.first { $0.name == name } }

    /// The step named `name`.
    public func step(named name: String) -> Step? { steps.first { $0.name == name } }
}

/// A plugin with its config: a source to read or a warehouse to write.
///
/// Values are as written in the file after `${VAR}` interpolation;
/// `@env:NAME` and `@file:PATH` references are kept as they are, for
/// ``ETLHost/ConfigResolver`` to resolve when the connection is opened
/// (so a secret is never part of the model, nor recorded).
public struct Connection: Sendable {
    /// The connection's name (the key under `connections:`), or
    /// `<step>.from` for an inline source.
    public var name: String
    /// The plugin's registry name.
    public var plugin: String
    /// The config object for the plugin: JSON-compatible values
    /// (`String`, `Int`, `Double`, `Bool`, arrays, objects).
    public var config: [String: ConfigValue]
    /// Where it is written.
    public var location: SourceLocation

    /// A connection.
    public init(name: String, plugin: String, config: [String: ConfigValue], location: SourceLocation) {
        self.name = name
        self.plugin = plugin
        self.config = config
        self.location = location
    }
}

/// A JSON-compatible config value, as a plugin's config schema expects.
public enum ConfigValue: Sendable, Equatable {
    /// A string (after `${VAR}` interpolation; `@env:`/`@file:` kept).
    case string(String)
    /// An integer.
    case integer(Int)
    /// A number with a fraction or exponent.
    case number(Double)
    /// `true` or `false`.
    case boolean(Bool)
    /// `null` (or an empty value).
    case null
    /// A list.
    case array([ConfigValue])
    /// A mapping.
    case object([String: ConfigValue])

    /// The value as the host's JSON value, as ``ETLHost/ConfigResolver``
    /// takes it.
    public var jsonValue: JSONValue {
        switch self {
        case .string(let value): .string(value)
        case .integer(let value): .integer(Int64(value))
        case .number(let value): .number(value)
        case .boolean(let value): .bool(value)
        case .null: .null
        case .array(let values): .array(values.map(\.jsonValue))
        case .object(let values): .object(values.mapValues(\.jsonValue))
        }
    }
}

/// What `defaults:` sets for every step that does not set it itself.
public struct StepDefaults: Sendable, Equatable {
    /// How often a failing step is tried in all (`retries.max_attempts`), default 1.
    public var retries: RetrySettings = RetrySettings()
    /// Sync steps: keep a raw snapshot (default true).
    public var snapshot = true
    /// Sync steps: malformed records set aside per stream (default 0).
    public var maxBadRows = 0
    /// Sync steps: let an empty source empty a table (default false).
    public var allowEmpty = false
    /// Check steps: what a failed check does (default error).
    public var severity: CheckSeverity = .error
    /// Command steps: the longest a command may run (default: no limit).
    public var timeout: PipelineDuration?

    /// The built-in defaults.
    public init() {}
}

/// How a failing step is retried.
public struct RetrySettings: Sendable, Equatable {
    /// Attempts in all, at least 1 (1 = no retry).
    public var maxAttempts = 1
    /// The wait before the first retry (default 10 s), doubled each time.
    public var delay = PipelineDuration(seconds: 10)

    /// One attempt, no retry.
    public init() {}

    /// Explicit settings.
    public init(maxAttempts: Int, delay: PipelineDuration) {
        self.maxAttempts = maxAttempts
        self.delay = delay
    }
}

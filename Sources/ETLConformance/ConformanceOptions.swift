import ETLHost
import Foundation

/// What the suite needs besides the plugin: the config to open it with,
/// which streams to read, and the bounds of the run.
public struct ConformanceOptions: Codable, Sendable {
    /// The config (a JSON object) the checks that need an open instance
    /// use; `nil` when none was given and none could be assumed.
    public var configJSON: String?
    /// Why there is no config, for the notes of skipped checks.
    public var configMissingReason: String?
    /// Only read these streams (default: every stream of the catalog).
    public var streams: [String]?
    /// Stop reading a stream after this many batches.
    public var maxBatches: Int
    /// How long a read may go on after cancel(), in seconds.
    public var cancelWithin: Double
    /// The prefix of every table and state key the warehouse checks make,
    /// e.g. `etl_conformance_1a2b3c4d`.
    public var tag: String
    /// How many malformed records each opened instance may set aside
    /// through the host's `reject` (as `sync --max-bad-rows`) instead of
    /// failing its stream: for test inputs that hold some.
    public var maxBadRows: Int

    /// Options with the defaults of `etl-host plugins test`.
    public init(configJSON: String? = nil, configMissingReason: String? = nil, streams: [String]? = nil,
                maxBatches: Int = 1000, cancelWithin: Double = 5, tag: String = ConformanceOptions.newTag(),
                maxBadRows: Int = 0) {
        self.configJSON = configJSON
        self.configMissingReason = configMissingReason
        self.streams = streams
        self.maxBatches = maxBatches
        self.cancelWithin = cancelWithin
        self.tag = tag
        self.maxBadRows = maxBadRows
    }

    /// A fresh tag: `etl_conformance_` (not `_etl_`: warehouses reserve it) and 8 random hex digits.
    public static func newTag() -> String {
        "etl_conformance_" + String(format: "%08x", UInt32.random(in: 0 ... UInt32.max))
    }
}

/// What the suite sends a worker on its standard input.
struct WorkerRequest: Codable, Sendable {
    /// The check to run.
    var check: ConformanceCheck
    /// The library to test.
    var library: String
    /// Its entry symbol.
    var entry: String
    /// The run's options (the config travels here, not on the command
    /// line, where `ps` would show its secrets).
    var options: ConformanceOptions
}

/// One line a worker writes on its protocol channel: a phase it enters, or
/// its outcome.
struct WorkerMessage: Codable, Sendable {
    /// What the worker is about to do, e.g. "read of stream 'numbers'": a
    /// crash or a hang is reported as happening during the last phase.
    var phase: String?
    /// Why a crash in this phase probably happened.
    var crashHint: String?
    /// The check's outcome, the last message.
    var outcome: WorkerOutcome?
}

/// The result of a check as a worker found it.
struct WorkerOutcome: Codable, Sendable {
    var status: ConformanceResult.Status
    var detail: String
    var problems: [String]
    var notes: [String]
    /// The descriptor, from the `load` check.
    var descriptor: PluginDescriptor?
}

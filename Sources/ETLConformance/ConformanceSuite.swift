import ETLHost
import ETLPluginKit
import Foundation

/// The conformance suite of `etl-host plugins test`: runs every check of
/// ``ConformanceCheck/sequence(for:)`` against one plugin library, each in
/// its own child process, and collects a ``ConformanceReport``.
///
/// ```swift
/// let suite = ConformanceSuite(library: "/path/libetl_csv.so", settings: ["path=samples/orders.csv"])
/// let report = try suite.run { print(ConformanceReport.line($0)) }
/// exit(report.exitStatus.rawValue)
/// ```
///
/// A check whose preconditions fail is skipped with the reason: without a
/// config, the checks that need an open instance say which option to pass;
/// when open fails, they say so; when discover fails, the reads do.
public struct ConformanceSuite: Sendable {
    /// The library under test.
    public var library: String
    /// Its entry symbol.
    public var entry: String
    /// `KEY=VALUE` settings of the config (`-c`).
    public var settings: [String]
    /// The text of the config file (`--config`), a JSON object, when given.
    public var configFileJSON: String?
    /// Streams, batches, the cancel bound and the table tag.
    public var options: ConformanceOptions
    /// Each check's time limit, in seconds (the cancel check gets at least
    /// the time to cancel five streams).
    public var timeout: TimeInterval
    /// The etl-host executable that runs the workers.
    public var executable: String

    /// A suite for the library at `library`.
    public init(library: String, entry: String = "etl_plugin_init", settings: [String] = [],
                configFileJSON: String? = nil, options: ConformanceOptions = ConformanceOptions(),
                timeout: TimeInterval = 60, executable: String = HostEnvironment.executablePath) {
        self.library = HostEnvironment.absolutePath(library)
        self.entry = entry
        self.settings = settings
        self.configFileJSON = configFileJSON
        self.options = options
        self.timeout = timeout
        self.executable = executable
    }

    /// Runs the checks; `progress` gets each result as it is known.
    ///
    /// - Throws: `.invalidArgument` when the given config does not match
    ///   the plugin's schema (nothing but `load` has run then).
    public func run(progress: (ConformanceResult) -> Void = { _ in }) throws -> ConformanceReport {
        let worker = WorkerProcess(executable: executable, timeout: timeout)
        var options = self.options
        let load = worker.run(request(.load, options))
        let name = load.descriptor?.name ?? (library as NSString).lastPathComponent
        var report = ConformanceReport(plugin: name, library: library, descriptor: load.descriptor, results: [], notes: [])
        guard let descriptor = load.descriptor else {
            progress(load.result)
            report.results.append(load.result)
            for check in ConformanceCheck.allCases where check != .load {
                let skipped = ConformanceResult.skip(check, "the plugin does not load")
                progress(skipped)
                report.results.append(skipped)
            }
            return report
        }
        try resolveConfig(descriptor, into: &options)
        progress(load.result)
        report.results.append(load.result)

        var failed = Set<ConformanceCheck>()
        if load.result.status == .fail { failed.insert(.load) }
        for check in ConformanceCheck.sequence(for: descriptor.kind) where check != .load {
            let result: ConformanceResult
            if let reason = skipReason(check, kind: descriptor.kind, options: options, failed: failed) {
                result = .skip(check, reason)
            } else {
                var limited = worker
                if check == .cancel { limited.timeout = max(timeout, 5 * (options.cancelWithin + 2) + 5) }
                result = limited.run(request(check, options)).result
            }
            if result.status == .fail { failed.insert(check) }
            progress(result)
            report.results.append(result)
        }
        if descriptor.kind == .warehouse, options.configJSON != nil {
            report.notes.append("tables named \(options.tag)_* (and their state and run records) were left in the "
                + "warehouse: the contract has no drop operation")
        }
        return report
    }

    private func request(_ check: ConformanceCheck, _ options: ConformanceOptions) -> WorkerRequest {
        WorkerRequest(check: check, library: library, entry: entry, options: options)
    }

    /// Why `check` cannot run, or `nil`.
    private func skipReason(_ check: ConformanceCheck, kind: PluginKind, options: ConformanceOptions,
                            failed: Set<ConformanceCheck>) -> String? {
        if check.needsInstance {
            if options.configJSON == nil { return options.configMissingReason ?? "needs a config" }
            if failed.contains(.open), check != .open { return "open failed with the given config (see open)" }
        }
        let readsStreams = check.needsCatalog || (check == .release && kind == .extractor)
        if readsStreams, failed.contains(.discover) { return "discover failed (see discover)" }
        return nil
    }

    /// Builds the config from `-s`/`-d` (or the old `-c` and `--config`),
    /// validated against the schema; without any, decides whether the
    /// plugin can be opened with `{}` or which option the skipped checks
    /// should name (`-s` for an extractor, `-d` for a warehouse).
    private func resolveConfig(_ descriptor: PluginDescriptor, into options: inout ConformanceOptions) throws {
        let resolver = try ConfigResolver(plugin: descriptor.name, schemaJSON: descriptor.configSchema)
        var fileObject: JSONObject = [:]
        if let text = configFileJSON {
            guard let object = (try? JSONValue(jsonText: text))?.objectValue else {
                throw HostError(.invalidArgument, "the --config file is not a JSON object (the plugin's config)")
            }
            fileObject = object
        }
        let schema = (try? JSONValue(jsonText: descriptor.configSchema))?.objectValue ?? [:]
        let required = schema["required"]?.stringArrayValue ?? []
        let properties = (schema["properties"]?.objectValue ?? [:]).keys.sorted()
        let flag = descriptor.kind == .warehouse ? "-d" : "-s"
        if !settings.isEmpty || configFileJSON != nil {
            let config: JSONObject
            do {
                config = try resolver.resolve(settings: settings, file: fileObject)
            } catch let error as HostError {
                throw HostError(.invalidArgument, error.message.replacingOccurrences(
                    of: "(set it with -s KEY=VALUE for a source, -d KEY=VALUE for a destination)", with: "(set it with \(flag) KEY=VALUE)"))
            }
            options.configJSON = try ConfigResolver.json(config)
            return
        }
        if !required.isEmpty {
            options.configMissingReason = "needs a config: pass \(flag) KEY=VALUE for its required key"
                + "\(required.count == 1 ? "" : "s") \(required.joined(separator: ", ")), or \(flag) @file:PATH"
            return
        }
        if descriptor.kind == .warehouse, !properties.isEmpty {
            options.configMissingReason = "needs the config of a scratch destination (the checks create tables named "
                + "\(options.tag)_*): pass -d KEY=VALUE (keys: \(properties.joined(separator: ", "))) or -d @file:PATH"
            return
        }
        options.configJSON = "{}"
    }
}

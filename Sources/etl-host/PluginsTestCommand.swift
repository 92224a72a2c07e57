import ArgumentParser
import ETLConformance
import ETLHost
import Foundation

extension PluginsCommand {
    /// `etl-host plugins test NAME|PATH`: the conformance suite.
    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "test",
            abstract: "Check that a plugin keeps the contract of etl_plugin.h (the conformance suite).",
            discussion: """
                Runs one check after another and prints a line for each: PASS, FAIL or \
                SKIP, the check's name, and what was found (for a failure, what is wrong \
                and where, e.g. "stream 'orders', batch 2, column 3 ("name", utf8): \
                offsets are not monotonic: offset[5]=12 < offset[4]=70").

                Every check runs in a child process with a time limit: a plugin that \
                crashes fails that check with the signal and what it was doing \
                ("SIGSEGV (a segmentation fault) during read of stream 'orders': get_next \
                for batch 2"), one that hangs fails with the time limit, and the suite \
                goes on.

                Checks (extractors: load to errors, then discover to checkpoint; \
                warehouses: load to errors, then release to rollback):
                \(ConformanceCheck.allCases.map { "  \($0.rawValue.padding(toLength: 16, withPad: " ", startingAt: 0)) \($0.summary)" }.joined(separator: "\n"))

                The checks that need an open instance use the config given with -s \
                KEY=VALUE (an extractor's) or -d KEY=VALUE (a warehouse's), as for \
                `etl-host sync`; -s @file:my.json or -d @file:my.json reads a whole config \
                from a JSON object file (checked against the plugin's schema); without \
                one they are skipped, with the keys to pass. open-bad-config derives wrong \
                configs from the schema itself. A warehouse needs an explicit config for a \
                scratch destination: its checks create tables named \
                etl_conformance_<random>_* and leave them (the contract has no drop); \
                rows are not read back (it has no read either): loads are verified \
                through table_schema, state_get and schema_get.

                Not checked: how many bytes a buffer was allocated (the C Data Interface \
                does not say; an offset past its data is caught when it leaves readable \
                memory), and whether error.release frees its message.

                Examples:
                  etl-host plugins test csv -s path=samples/orders.csv
                  etl-host plugins test sqlite -d path=/tmp/conformance.db
                  etl-host plugins test postgres --kind extractor -s url=postgresql://me@localhost/shop
                  etl-host plugins test ./libmy.so -s @file:my.json --json
                (-c KEY=VALUE and --config FILE, the spellings before, still work.)

                Exit codes:
                  0   no check failed (skipped checks do not fail the run)
                  1   at least one check failed
                  2   the plugin does not load (the load check failed)
                  64  invalid command line, or a config that does not match the schema
                """
        )

        @OptionGroup var registryOptions: RegistryOptions
        @Argument(help: "A plugin name (as in `plugins list`) or the path of a library (.so).") var plugin: String
        @Option(help: pluginKindHelp) var kind: Choice<PluginKind>?
        @OptionGroup var pluginConfig: PluginConfigOptions
        @Option(help: ArgumentHelp("Only read these streams (extractors).", valueName: "a,b")) var streams: String?
        @Option(name: .customLong("max-batches"), help: ArgumentHelp("Read at most N batches of a stream.", valueName: "n"))
        var maxBatches = 1000
        @Option(name: .customLong("cancel-within"),
                help: ArgumentHelp("How long a read may go on after cancel(), in seconds.", valueName: "seconds"))
        var cancelWithin = 5.0
        @Option(name: .customLong("max-bad-rows"),
                help: ArgumentHelp("Let each opened instance set aside up to N malformed records through reject(), as "
                    + "sync --max-bad-rows does, when the test input holds some.", valueName: "n"))
        var maxBadRows = 0
        @Option(help: ArgumentHelp("The time limit of each check, in seconds.", valueName: "seconds")) var timeout = 60.0
        @Option(help: ArgumentHelp("The entry symbol of a library given by path (default etl_plugin_init).", valueName: "symbol"))
        var entry: String?
        @Flag(help: "Print the report as one JSON object.") var json = false
        @Flag(name: .shortAndLong, help: "Print every problem and note under its check.") var verbose = false

        func validate() throws {
            guard maxBatches > 0 else { throw ValidationError("--max-batches must be at least 1") }
            guard maxBadRows >= 0 else { throw ValidationError("--max-bad-rows must be 0 or more") }
            guard cancelWithin > 0, timeout > 0 else { throw ValidationError("--cancel-within and --timeout must be positive") }
        }

        func run() throws {
            try reportingErrors {
                let (library, symbol) = try locate()
                let settings = try pluginConfig.settings(for: try plugin.contains("/") || plugin.hasSuffix(".so") ? nil : registryKind())
                let configText = try pluginConfig.config.map { path -> String in
                    guard let data = FileManager.default.contents(atPath: path) else {
                        throw HostError(.invalidArgument, "cannot read the --config file '\(path)'")
                    }
                    return String(decoding: data, as: UTF8.self)
                }
                let options = ConformanceOptions(
                    streams: streams.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } },
                    maxBatches: maxBatches, cancelWithin: cancelWithin, maxBadRows: maxBadRows)
                let suite = ConformanceSuite(library: library, entry: symbol, settings: settings,
                                             configFileJSON: configText, options: options,
                                             timeout: timeout)
                let report = try suite.run { result in
                    guard !json else { return }
                    if result.check == .load {
                        say("Testing \(library)")
                    }
                    say(ConformanceReport.line(result))
                    if verbose {
                        for problem in result.problems.dropFirst() { say("        - \(problem)") }
                        for note in result.notes { say("        note: \(note)") }
                    }
                }
                if json {
                    say(try jsonText(report))
                } else {
                    say("")
                    say(report.summaryLine)
                    for note in report.notes { say("note: \(note)") }
                }
                if report.exitStatus != .success { throw ExitCode(report.exitStatus.rawValue) }
            }
        }

        /// The kind of the registry plugin named (to check -s against -d).
        private func registryKind() throws -> PluginKind {
            try registryOptions.load().plugin(named: plugin, kind: try kind?.value()).entry.kind
        }

        /// The library and entry symbol: a path as given, or a registry entry.
        private func locate() throws -> (String, String) {
            if plugin.contains("/") || plugin.hasSuffix(".so") {
                guard FileManager.default.fileExists(atPath: plugin) else {
                    throw HostError(.invalidArgument, "no such file '\(plugin)'")
                }
                return (HostEnvironment.absolutePath(plugin), entry ?? "etl_plugin_init")
            }
            let registry = try registryOptions.load()
            let found = try registry.plugin(named: plugin, kind: try kind?.value())
            try registry.verify(found)
            return (found.libraryPath, entry ?? found.entry.entry)
        }
    }

    /// Runs one check of `plugins test` in this (child) process.
    struct TestWorker: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "test-worker",
            abstract: "Run one conformance check, described on standard input (used by `plugins test`).",
            shouldDisplay: false
        )

        func run() throws {
            let input = FileHandle.standardInput.readDataToEndOfFile()
            let status = ConformanceWorker.run(input: input)
            if status != 0 { throw ExitCode(status) }
        }
    }
}

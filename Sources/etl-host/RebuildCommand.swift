import ArgumentParser
import ETLHost
import ETLPluginKit
import Foundation

/// `etl-host rebuild --as-of TIME WAREHOUSE -d ...`: the tables as they were
/// at an instant, rebuilt from the runs' snapshots without any source.
struct RebuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Rebuild the tables as they were at a past moment, from the runs' snapshots, into a warehouse.",
        discussion: """
            Replays, in the order they ran, the snapshots that made the tables \
            what they were at --as-of: for each pipeline, its last replace load \
            that had ended by then and every run after it that had ended by then \
            (append and upsert loads build on it). Only the streams a run \
            committed are replayed; no source is contacted. Each replay is \
            recorded as a run (replay_of names the run it replays).

            Load into a new, empty warehouse (the one you name with -d, relative \
            to the current folder): replace loads replace their tables, append \
            and upsert loads add to them, as they did the first time.

            A rebuild that needs a snapshot that was not kept (--no-snapshot) or \
            was pruned says which run it is and changes nothing. Retention keeps \
            the chain a kept snapshot needs (docs/SNAPSHOTS.md).

            --as-of takes an ISO 8601 time with its zone (2026-12-01T09:00:00Z, \
            2026-12-01T10:00:00+01:00), a day (2026-12-01: its start, UTC), or a \
            run id (the moment that run ended).

            Examples:
              etl-host rebuild --as-of 2026-12-01T09:00:00Z sqlite -d path=as_of.db
              etl-host rebuild --as-of 2026-12-01 --pipeline shop.raw_orders sqlite -d path=restore.db
              etl-host rebuild --as-of 20261201T0900 postgres -d url=@env:DATABASE_URL -d schema=restore
              etl-host rebuild --as-of 2026-12-01 sqlite -d path=x.db --dry-run

            Exit codes: 0 every replay succeeded; 64 a bad --as-of, nothing to \
            rebuild, or a missing snapshot (nothing loaded); otherwise the first \
            failed replay's code (as `etl-host replay`), and the rebuild stops there.
            """
    )

    @Option(name: .customLong("as-of"), help: ArgumentHelp("The moment: an ISO 8601 time with its zone, a day (UTC), or a run id.", valueName: "time"))
    var asOf: String
    @Option(help: ArgumentHelp("Only this pipeline's tables (its name in `etl-host runs`; a pipeline file's sync step is <pipeline>.<step>).", valueName: "name"))
    var pipeline: String?
    @Argument(help: "The warehouse plugin to load.") var warehouse: String
    @Option(name: [.customShort("d"), .customLong("dest")], help: ArgumentHelp("Warehouse config, KEY=VALUE (repeatable).", valueName: "key=value"))
    var dest: [String] = []
    @Flag(name: .customLong("dry-run"), help: "Print the runs that would be replayed, in order; load nothing.")
    var dryRun = false
    @Flag(help: "No progress and no summaries; errors only.") var quiet = false
    @OptionGroup var registryOptions: RegistryOptions

    func run() throws {
        let options = try RunOptions.parse(quiet ? ["--quiet"] : [])
        let cancellation = Cancellation()
        RunDriver.trapSignals(cancellation, options: options)
        try RunDriver.guarded(options) {
            let store = RunStore()
            let instant = try RebuildPlan.instant(asOf, store: store)
            let plan = try RebuildPlan(runs: store.list(), asOf: instant, pipeline: pipeline) { run in
                run.snapshot && FileManager.default.fileExists(atPath: store.snapshotFolder(of: run))
            }
            if dryRun {
                say(plan.steps.map(Self.describe).joined(separator: "\n"))
                return
            }
            let registry = try registryOptions.load()
            let warehousePlugin = try registry.load(named: warehouse, kind: .warehouse)
            let resolver = try ConfigResolver(plugin: warehouse, schemaJSON: warehousePlugin.descriptor.configSchema)
            let destinationConfig = try resolver.resolve(settings: dest, file: [:])
            for (index, step) in plan.steps.enumerated() {
                if !quiet { say("[\(index + 1)/\(plan.steps.count)] " + Self.describe(step)) }
                let snapshot = try Snapshot(folder: store.snapshotFolder(of: step.run), runID: step.run.id)
                var request = SyncRequest.replaying(step.run, into: warehouse, destinationConfig: destinationConfig, streams: step.streams)
                request.allowEmpty = true
                request.recordedDestinationConfig = resolver.recordable(settings: dest, file: [:])
                do {
                    try RunDriver.execute(options: options, cancellation: cancellation, makeRunner: { log, store, runID, progress in
                        try SyncRunner(request: request, source: .snapshot(snapshot), warehouse: warehousePlugin, runID: runID,
                                       log: log, store: store, observer: progress, cancellation: cancellation)
                    }, secrets: resolver.secretValues(destinationConfig))
                } catch {
                    FileHandle.standardError.write(Data("etl-host: rebuild stopped at run \(step.run.id) (\(index + 1) of \(plan.steps.count)); the warehouse holds the replays before it\n".utf8))
                    throw error
                }
            }
        }
    }

    /// `replay <id> (<pipeline>, <mode>, ended <time>): a, b`.
    static func describe(_ step: RebuildPlan.Step) -> String {
        "replay \(step.run.id) (\(step.run.pipeline), \(step.run.mode), ended \(step.run.finishedAt ?? "?")): \(step.streams.joined(separator: ", "))"
    }
}

import ArgumentParser
import ETLHost
import ETLPluginKit
import ETLWorkflow
import Foundation

/// `etl-host replay ID`: rebuilds a past run's load from its snapshot.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Load a past run's snapshot into a warehouse again, without contacting the source.",
        discussion: """
            Each run keeps what its extractor returned (an Arrow IPC file per stream \
            plus a manifest with the schema, row count and SHA-256, under \
            runs/<id>/snapshot/ in the state folder; snapshots of earlier versions \
            are gzip JSON Lines and replay too). Replay feeds those batches \
            through the same pipeline: same inference, same names, same mode, so a \
            replay of a replace run rebuilds the table exactly as that run loaded it. \
            The extractor's checkpoint of that run is committed with the data, so an \
            incremental sync after a replay continues from that point.

            A run that kept history (--history) feeds the history again, at the \
            replay's own instant: what the replayed load changes in the table is a \
            new version now (an unchanged record adds none); earlier versions are \
            never rewritten. Into a warehouse that cannot keep history the tables \
            are loaded and a warning says the history is not.

            By default the run's own warehouse and destination config are used, \
            from any folder: relative paths in that config (path=warehouse.db) \
            mean the folder the run ran in, as recorded. Name another warehouse \
            and pass -d to load somewhere else (relative to the current folder). Secrets that were \
            typed on the command line are not stored: pass them again with -d (or use \
            @env:NAME, which is stored as a reference).

            Examples:
              etl-host replay 20261122T101500Z-0a1b2c3d
              etl-host replay 20261122T1015 sqlite -d path=rebuilt.db
              etl-host replay 20261122T1015 postgres -d url=@env:DATABASE_URL -d schema=restore

            \(ExitStatus.documentation)
            """
    )

    @Argument(help: "The run whose snapshot to load (an id or a unique beginning of one; see `etl-host runs`).") var id: String
    @Argument(help: "The warehouse plugin (default: the run's own).") var warehouse: String?
    @Option(name: [.customShort("d"), .customLong("dest")], help: ArgumentHelp("Warehouse config, KEY=VALUE (repeatable); replaces the run's own.", valueName: "key=value"))
    var dest: [String] = []
    @Option(help: "replace, append or upsert (default: the run's own mode).") var mode: Choice<WriteMode>?
    @Option(help: ArgumentHelp("Only these streams, comma-separated (default: all the snapshot holds).", valueName: "a,b")) var streams: String?
    @Flag(name: .customLong("allow-empty"), help: "Let a stream whose snapshot holds no rows empty an existing table (replace, or upsert with --deletions).")
    var allowEmpty = false
    @OptionGroup var runOptions: RunOptions
    @OptionGroup var registryOptions: RegistryOptions

    func run() throws {
        let cancellation = Cancellation()
        RunDriver.trapSignals(cancellation, options: runOptions)
        try RunDriver.guarded(runOptions) {
            let store = RunStore()
            let original = try store.load(id)
            let snapshot = try Snapshot(folder: store.snapshotFolder(of: original), runID: original.id)
            let warehouseName = warehouse ?? original.warehouse
            let writeMode = try mode?.value() ?? original.mode
            let registry = try registryOptions.load()
            let warehousePlugin = try registry.load(named: warehouseName, kind: .warehouse)
            let shadowing = registry.shadowingNotices(for: [warehouseName], kinds: [.warehouse])
            let resolver = try ConfigResolver(plugin: warehouseName, schemaJSON: warehousePlugin.descriptor.configSchema)
            var recorded: JSONObject = [:]
            if dest.isEmpty, warehouseName == original.warehouse {
                recorded = original.destinationConfig
                for (key, value) in recorded.sorted(by: { $0.key < $1.key }) where value == .string(ConfigResolver.redactedValue) {
                    throw HostError(.invalidArgument, "run \(original.id) was loaded with a secret '\(key)' typed on the command line, which is not stored; pass it again: etl-host replay \(original.id) \(warehouseName) -d \(key)=... (or -d \(key)=@env:NAME)")
                }
                try Self.enterRunFolder(of: original, warehouse: warehouseName)
            }
            // @env: references (ETL_DESTINATION__URL) also read the .env of the folder the replay runs in.
            let destinationConfig = try resolver.resolve(settings: dest, file: recorded, environment: try ProjectEnvironment.variables(folder: "."))
            var request = SyncRequest.replaying(original, into: warehouseName, destinationConfig: destinationConfig, mode: writeMode,
                                                streams: streams.map(SyncCommand.list))
            request.parallel = runOptions.parallel
            request.retry = RetryPolicy(maxAttempts: runOptions.maxAttempts)
            request.pipeline = runOptions.pipeline ?? original.pipeline
            request.allowEmpty = allowEmpty
            let history = HistoryOptions.recorded(in: original)
            var notices = shadowing
            if history.isEnabled, !warehousePlugin.descriptor.has(.history) {
                notices.append("run \(original.id) kept history, but warehouse '\(warehouseName)' cannot (no history capability): the tables are replayed without it")
            } else {
                request.history = history
            }
            request.recordedDestinationConfig = resolver.recordable(settings: dest, file: recorded)
            try RunDriver.execute(options: runOptions, cancellation: cancellation, makeRunner: { log, store, runID, progress in
                for notice in notices { log.write(.warn, plugin: nil, stream: nil, notice) }
                return try SyncRunner(request: request, source: .snapshot(snapshot), warehouse: warehousePlugin, runID: runID,
                               log: log, store: store, observer: progress, cancellation: cancellation)
            }, secrets: resolver.secretValues(destinationConfig),
               warehouseLocation: WarehouseLocation.text(plugin: warehouseName, config: destinationConfig, secrets: resolver.secretValues(destinationConfig)))
        }
    }

    /// Makes the folder `original` ran in the current folder, so that its
    /// recorded config's relative paths mean the warehouse it loaded.
    ///
    /// - Throws: `.invalidArgument` when that folder no longer exists.
    static func enterRunFolder(of original: RunRecord, warehouse: String) throws {
        guard let folder = original.workingDirectory, folder != FileManager.default.currentDirectoryPath else { return }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue,
              FileManager.default.changeCurrentDirectoryPath(folder) else {
            throw HostError(.invalidArgument, "run \(original.id) ran in the folder '\(folder)', which no longer exists, so its warehouse config cannot be found; name the warehouse to load: etl-host replay \(original.id) \(warehouse) -d KEY=VALUE")
        }
    }
}

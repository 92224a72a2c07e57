import ArgumentParser
import ETLHost
import ETLPluginKit
import ETLWorkflow
import Foundation

/// `etl-host sync <extractor> <warehouse>`: extract, transform, load.
struct SyncCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Load every stream of an extractor into a warehouse.",
        discussion: """
            Each stream is read completely into a spool file (an Arrow IPC file, \
            kept as the run's snapshot) while the host infers its column types, \
            then loaded into a table named after the stream. \
            Column names become snake_case; the resolved schema is stored in the \
            warehouse (_etl_schemas) and reused by the next run.

            Modes:
              replace  load a new copy and swap it in atomically (default): readers
                       see the old table or the new one, never an empty or half one
              append   add the rows to the table
              upsert   insert new rows and update existing ones on the primary key

            Every run is recorded in the state folder ($ETL_STATE_DIR, else \
            $XDG_STATE_HOME/etl-host, else ~/.local/state/etl-host) with its log, and \
            keeps a snapshot of what the extractor returned (Arrow IPC: see \
            docs/SNAPSHOTS.md), `etl-host runs` and `etl-host replay`. Transient failures (network, rate \
            limits, a busy database) are retried with backoff (--max-attempts). \
            Ctrl-C (SIGINT) or SIGTERM cancels cleanly: the stream being loaded \
            rolls back, later streams do not start, the run is recorded as \
            cancelled, and the exit code is 130. Streams whose commit returned \
            before the signal stay committed: the summary, --json (status \
            "succeeded" per stream) and `etl-host runs show` name them. A signal \
            after the last commit changes nothing: the run succeeded, exit 0.

            With --incremental, an incremental extractor (airtable; postgres for \
            the streams given a cursor column) reads only what \
            changed since the state committed by the last successful run; the state \
            is committed in the same transaction as the data.

            Deleted records: with --mode upsert, --deletions remove deletes the rows \
            whose key the source no longer has, and --deletions flag keeps them and \
            sets their _etl_deleted_at column (NULL for live rows), in the load's \
            transaction. A full upsert sees deletions for free; with --incremental \
            the extractor must also list every key (airtable: one extra request per \
            100 records, paced like the others).

            History: with --history (replace or upsert, a key per stream, a \
            warehouse with the history capability: sqlite, postgres) the warehouse \
            also keeps <table>__history (--history-table, a template with {table}) \
            with one row per version of each record: _etl_valid_from, \
            _etl_valid_to (NULL: current), _etl_run_id, _etl_row_hash and \
            _etl_deleted, written in the load's transaction. An unchanged record \
            adds no version; a record the source no longer has (replace, or \
            upsert with --deletions) gets a tombstone. Read the tables as they \
            were at a moment with `etl-host query --as-of` (docs/HISTORY.md).
              etl-host sync csv sqlite -s path=people.csv --primary-key id --history
              etl-host query sqlite --as-of 2026-12-01T09:00:00Z "SELECT * FROM people"

            Bad input fails the stream and changes nothing. With --max-bad-rows N, up \
            to N malformed records per stream are set aside in _etl_rejects (their \
            raw text, where they are and why) and the run succeeds.

            An empty source never empties a table by accident: in replace mode (and \
            upsert with --deletions), a stream that returns no rows creates its \
            table empty when it does not exist yet, but an existing table is left \
            unchanged and the stream fails (exit 65) unless --allow-empty is given.

            Config values come from -s (source) and -d (destination) as KEY=VALUE, \
            or from --config FILE. A value written @env:NAME is read from the \
            environment and @file:PATH from a file, so secrets never need to be \
            typed on the command line. -s @file:api.json (no KEY=) reads a whole \
            source config from a JSON object file; later -s settings override it.

            Either plugin may be a connection URI instead; the scheme picks the \
            plugin and the rest becomes its keys (docs/CONFIGURATION.md): \
            csv:///abs/*.csv or csv://relative.csv (path; ?delimiter=%3B adds a \
            key), jsonl://..., sqlite:///abs/w.db or sqlite://w.db (path), \
            postgresql://user@host/db?sslmode=require&schema=raw (url, and schema \
            as a key). Without plugin arguments, ETL_SOURCE and ETL_DESTINATION \
            name them (a name or a URI), and ETL_SOURCE__<KEY> / \
            ETL_DESTINATION__<KEY> set one key each; ./.env fills in what the \
            environment does not set. Flags win over the environment, which wins \
            over .env, which wins over --config. --table NAME loads a \
            single-stream sync into NAME (exit 64 with several streams). After \
            the summary, one line per committed stream says where it went: \
            "loaded into sqlite:///abs/w.db table orders (3 rows)" (not with \
            --json or --quiet); `etl-host show orders sqlite:///abs/w.db` prints it.
              etl-host sync csv:///data/orders.csv sqlite:///srv/dwh.db --table orders
              ETL_SOURCE=csv ETL_SOURCE__PATH=a.csv ETL_DESTINATION=sqlite etl-host sync

            Examples:
              etl-host sync csv sqlite -s path=data/orders.csv
              etl-host sync jsonl sqlite -s 'path=logs/*.jsonl' --mode append
              etl-host sync csv sqlite -s path=people.csv --mode upsert --primary-key id
              etl-host sync airtable sqlite -s base=app... --mode upsert --incremental --deletions flag
              etl-host sync postgres sqlite -s url=@env:APP_DB -s 'cursor={"orders": "updated_at"}' --mode upsert --incremental

            A config file (JSON) holds the same settings:
              {"extractor": "csv", "warehouse": "sqlite",
               "source": {"path": "data/orders.csv"}, "destination": {"path": "w.db"},
               "mode": "upsert", "primary_key": ["id"], "streams": ["orders"]}
            --config keeps working for one sync. Several syncs, SQL steps, checks
            and commands under one run id go in a pipeline file instead:
              etl-host run -f etl.yaml     (see docs/PIPELINES.md)

            \(ExitStatus.documentation)
            """
    )

    @Argument(help: "The extractor plugin (see `etl-host plugins list`), or a URI: csv:///data/*.csv, jsonl://..., postgresql://...") var extractor: String?
    @Argument(help: "The warehouse plugin, or a URI: sqlite:///path.db, postgresql://user@host/db?schema=raw") var warehouse: String?
    @Option(name: .customLong("table"), help: ArgumentHelp("The target table of a single-stream sync (exit 64 when the source has several streams; pick one with --streams).", valueName: "name"))
    var targetTable: String?
    @Option(name: [.customShort("s"), .customLong("source")], help: ArgumentHelp("Extractor config, KEY=VALUE (repeatable).", valueName: "key=value"))
    var source: [String] = []
    @Option(name: [.customShort("d"), .customLong("dest")], help: ArgumentHelp("Warehouse config, KEY=VALUE (repeatable).", valueName: "key=value"))
    var dest: [String] = []
    @Option(help: "replace (default), append or upsert.") var mode: Choice<WriteMode>?
    @Option(name: .customLong("primary-key"), help: ArgumentHelp("Upsert key column(s), comma-separated; default: the stream's own key.", valueName: "col[,col]"))
    var primaryKey: String?
    @Option(help: ArgumentHelp("Only these streams, comma-separated (default: all).", valueName: "a,b")) var streams: String?
    @Option(help: ArgumentHelp("Read settings from a JSON file; command-line options win.", valueName: "file")) var config: String?
    @Flag(help: "Read only what changed since the last successful run (needs an incremental extractor and --mode upsert or append).")
    var incremental = false
    @Option(name: .customLong("max-bad-rows"), help: ArgumentHelp("Set up to N malformed records per stream aside in _etl_rejects instead of failing (default 0).", valueName: "n"))
    var maxBadRows: Int = 0
    @Option(help: ArgumentHelp("With --mode upsert: keep (default), remove or flag rows whose key the source no longer has.", valueName: "keep|remove|flag"))
    var deletions: Choice<DeletionMode>?
    @Flag(name: .customLong("allow-empty"), help: "Let a stream that returns no rows empty an existing table: replace it with an empty one, or with --deletions remove (flag) every row (without it such a stream fails, exit 65, and the table keeps its rows).")
    var allowEmpty = false
    @Flag(name: .customLong("no-snapshot"), help: "Do not keep a raw snapshot of what the extractor returned (replay then cannot rebuild this run).")
    var noSnapshot = false
    @Option(name: .customLong("keep-snapshots"), help: ArgumentHelp("Keep the snapshots of this pipeline's last N runs that have one, this one included (default 10); older ones are deleted, except those a kept snapshot needs to be rebuilt from.", valueName: "n"))
    var keepSnapshots: Int = 10
    @Option(name: .customLong("keep-for"), help: ArgumentHelp("Also keep every snapshot of this pipeline younger than this (30d, 12h, 1d12h), whatever their number.", valueName: "age"))
    var keepFor: String?
    @Option(name: .customLong("snapshot-dir"), help: ArgumentHelp("Keep snapshots in this existing folder (<folder>/<run id>/) instead of the state folder: a mounted bucket, a NAS (default: $ETL_SNAPSHOT_DIR, else the state folder).", valueName: "folder"))
    var snapshotDir: String?
    @Flag(help: "Add _etl_run_id (this run's id) and _etl_loaded_at (its start, UTC) to every row loaded (docs/HISTORY.md).")
    var lineage = false
    @Flag(help: "Keep the SCD2 history of each table in <table>__history, in the load's transaction (replace or upsert, a key per stream).")
    var history = false
    @Option(name: .customLong("history-table"), help: ArgumentHelp("With --history: the history table's name; {table} stands for the table (default {table}__history).", valueName: "name"))
    var historyTable: String?
    @OptionGroup var runOptions: RunOptions
    @OptionGroup var registryOptions: RegistryOptions

    func run() throws {
        let cancellation = Cancellation()
        RunDriver.trapSignals(cancellation, options: runOptions)
        try RunDriver.guarded(runOptions) {
            let file = try config.map(SyncConfigFile.read) ?? SyncConfigFile()
            let environment = try ProjectEnvironment.variables(folder: ".")
            guard let from = try ConnectionArguments.resolve(argument: extractor, side: .source, flags: source, filePlugin: file.extractor,
                                                             fileConfig: file.source, environment: environment),
                  let to = try ConnectionArguments.resolve(argument: warehouse, side: .destination, flags: dest, filePlugin: file.warehouse,
                                                           fileConfig: file.destination, environment: environment) else {
                throw HostError(.invalidArgument, "name an extractor and a warehouse: etl-host sync <extractor> <warehouse> (a plugin name or a URI such as csv:///data/*.csv; see `etl-host plugins list`), or set ETL_SOURCE and ETL_DESTINATION")
            }
            let writeMode = try (mode ?? file.mode.map(Choice.init) ?? Choice("replace")).value()
            let setup = try SyncSetup(registry: try registryOptions.load(), extractor: from.plugin, warehouse: to.plugin,
                                      source: from.input, destination: to.input, environment: environment)
            var request = setup.request(mode: writeMode, primaryKey: primaryKey.map(Self.list) ?? file.primaryKey,
                                        streams: streams.map(Self.list) ?? file.streams, workDirectory: SpoolDirectory.forThisRun())
            if let targetTable { try SyncTableOption.apply(table: targetTable, to: &request, setup: setup) }
            request.recordedSourceConfig = from.recordingEnvironmentReferences(request.recordedSourceConfig)
            request.recordedDestinationConfig = to.recordingEnvironmentReferences(request.recordedDestinationConfig)
            guard maxBadRows >= 0 else { throw HostError(.invalidArgument, "--max-bad-rows must be 0 or more") }
            request.maxBadRows = maxBadRows
            request.incremental = incremental || (file.incremental ?? false)
            request.deletions = try (deletions ?? file.deletions.map(Choice.init) ?? Choice("keep")).value()
            request.allowEmpty = allowEmpty || (file.allowEmpty ?? false)
            request.pipeline = runOptions.pipeline
            request.snapshot = !noSnapshot
            request.lineage = lineage ? .thisRun : .off
            guard keepSnapshots >= 1 else { throw HostError(.invalidArgument, "--keep-snapshots must be 1 or more (use --no-snapshot to keep none)") }
            request.keepSnapshots = keepSnapshots
            request.snapshotDirectory = try SnapshotFolderOption.resolve(snapshotDir ?? ProcessInfo.processInfo.environment["ETL_SNAPSHOT_DIR"],
                                                                         option: snapshotDir == nil ? "ETL_SNAPSHOT_DIR" : "--snapshot-dir")
            if let keepFor {
                do {
                    request.keepSnapshotsFor = Double(try PipelineDuration.parse(keepFor).seconds)
                } catch {
                    throw HostError(.invalidArgument, "--keep-for: \(error)")
                }
            }
            if historyTable != nil, !history {
                throw HostError(.invalidArgument, "--history-table needs --history")
            }
            request.history = HistoryOptions(mode: history ? .scd2 : .none, tableTemplate: historyTable)
            request.parallel = runOptions.parallel
            request.retry = RetryPolicy(maxAttempts: runOptions.maxAttempts)
            try RunDriver.execute(options: runOptions, cancellation: cancellation, makeRunner: { log, store, runID, progress in
                for notice in setup.shadowingNotices { log.write(.warn, plugin: nil, stream: nil, notice) }
                return try SyncRunner(request: request, source: .plugin(setup.extractor), warehouse: setup.warehouse, runID: runID,
                               log: log, store: store, observer: progress, cancellation: cancellation)
            }, secrets: setup.secrets, warehouseLocation: WarehouseLocation.text(plugin: to.plugin, config: setup.destinationConfig, secrets: setup.secrets))
        }
    }

    static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The summary: a header line, the streams' table, then `loadedInto`
    /// (the "loaded into" lines), then for a run that did not succeed which
    /// streams committed.
    static func summary(_ report: SyncReport, loadedInto: [String] = []) -> String {
        let seconds = report.streams.reduce(0) { $0 + $1.seconds }
        let header = "Run \(report.runID): \(report.extractor) -> \(report.warehouse) (\(report.mode)), \(report.status) in \(String(format: "%.2f", seconds)) s"
        let rows = report.streams.map { stream in
            [stream.stream, stream.table, stream.status.rawValue, "\(stream.rowsRead)", "\(stream.rowsWritten)", "\(stream.rowsRejected)",
             "\(stream.newColumns.count)", String(format: "%.3f", stream.seconds)]
        }
        let streams = table(["STREAM", "TABLE", "STATUS", "READ", "WRITTEN", "REJECTED", "NEW COLUMNS", "SECONDS"], rows)
        // A run that did not succeed says which streams are in the warehouse anyway.
        return ([header, streams] + loadedInto).joined(separator: "\n")
            + (report.status == "succeeded" ? "" : "\n" + report.streams.commitSummary.capitalizedFirst)
    }
}

/// The `--config` file of `sync`.
struct SyncConfigFile {
    var extractor: String?
    var warehouse: String?
    var source: JSONObject = [:]
    var destination: JSONObject = [:]
    var mode: String?
    var primaryKey: [String]?
    var streams: [String]?
    var incremental: Bool?
    var deletions: String?
    var allowEmpty: Bool?

    static let keys: Set<String> = ["extractor", "warehouse", "source", "destination", "mode", "primary_key", "streams",
                                    "incremental", "deletions", "allow_empty"]

    static func read(_ path: String) throws -> SyncConfigFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HostError(.invalidArgument, "cannot read the config file '\(path)'")
        }
        // The bytes as they are: invalid UTF-8 is refused, not replaced.
        guard let object = (try? data.withUnsafeBytes { bytes in try JSONValue(jsonBytes: bytes) })?.objectValue else {
            throw HostError(.invalidArgument, "the config file '\(path)' is not a JSON object")
        }
        for key in object.keys.sorted() where !keys.contains(key) {
            throw HostError(.invalidArgument, "the config file '\(path)' has an unknown key '\(key)'; valid keys: \(keys.sorted().joined(separator: ", "))")
        }
        return SyncConfigFile(
            extractor: object["extractor"]?.stringValue, warehouse: object["warehouse"]?.stringValue,
            source: object["source"]?.objectValue ?? [:], destination: object["destination"]?.objectValue ?? [:],
            mode: object["mode"]?.stringValue, primaryKey: object["primary_key"]?.stringArrayValue,
            streams: object["streams"]?.stringArrayValue, incremental: object["incremental"]?.boolValue,
            deletions: object["deletions"]?.stringValue, allowEmpty: object["allow_empty"]?.boolValue
        )
    }
}

/// A live progress line on standard error, when it is a terminal: one
/// segment per stream under way (several with --parallel), e.g.
/// `orders: loading 120000 rows (310000 rows/s) | items: reading 4000 rows`.
/// Called from the worker threads.
final class ProgressPrinter: SyncObserver, @unchecked Sendable {
    // @unchecked: `streams` and `lastPrint` are guarded by `lock`; `enabled` is immutable.
    private let enabled = isatty(STDERR_FILENO) == 1
    private let lock = NSLock()
    private var streams: [(name: String, started: Date, text: String)] = []
    private var lastPrint = Date.distantPast

    func streamStarted(_ stream: String) {
        lock.withLock { streams.append((stream, Date(), "starting")) }
    }

    func streamProgress(_ stream: String, phase: String, rows: Int) {
        guard enabled else { return }
        lock.withLock {
            guard let index = streams.firstIndex(where: { $0.name == stream }) else { return }
            let rate = Double(rows) / max(Date().timeIntervalSince(streams[index].started), 0.001)
            streams[index].text = "\(phase) \(rows) rows (\(Int(rate)) rows/s)"
            guard Date().timeIntervalSince(lastPrint) > 0.2 else { return }
            lastPrint = Date()
            let line = streams.map { "\($0.name): \($0.text)" }.joined(separator: " | ")
            FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
        }
    }

    func streamFinished(_ report: StreamReport) {
        lock.withLock {
            streams.removeAll { $0.name == report.stream }
            if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        }
    }
}

extension String {
    /// The string with its first letter in upper case.
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}

import ArgumentParser
import ETLHost
import ETLPluginKit
import ETLWorkflow
import Foundation

/// `etl-host runs`: the run history kept in the state folder.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List past runs: what ran, when, how it ended, and how many rows it moved.",
        discussion: """
            Every sync and replay is recorded in the state folder ($ETL_STATE_DIR, \
            else $XDG_STATE_HOME/etl-host, else ~/.local/state/etl-host), under \
            runs/<id>/: run.json (the record), log.jsonl (every log line of the run) \
            and snapshot/ (what the extractor returned, for `etl-host replay`). The \
            warehouse keeps its own copy of each stream's record in _etl_runs.

            STATUS is running, succeeded, failed, cancelled (SIGINT/SIGTERM before \
            every stream committed; the streams that committed first stay, and \
            `runs show` names them), or interrupted (the process died, e.g. \
            killed, before it could record an end).

            Examples:
              etl-host runs                    the last 20 runs
              etl-host runs --last 5 --json    for scripts
              etl-host runs show 20261122T1015 one run: streams, retries, snapshot, log
              etl-host runs show last          the newest run (sync or pipeline)
              etl-host runs --pipeline shop --status failed --since 7d
                                               filters: every one given must match

            A replay is marked in MODE ("replace, replay") and has replay_of in             --json.
            """,
        subcommands: [List.self, Show.self],
        defaultSubcommand: List.self
    )
}

extension RunsCommand {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the most recent runs, oldest first.")

        @Option(help: ArgumentHelp("How many runs (default 20).", valueName: "n")) var last: Int = 20
        @Flag(help: "Print a JSON array of run records, sync and pipeline runs by start time (a pipeline run's record has \"kind\": \"pipeline\").") var json = false
        @OptionGroup var filter: RunsFilter

        func run() throws {
            try reportingErrors {
                guard last >= 1 else { throw HostError(.invalidArgument, "--last must be 1 or more") }
                let since = try filter.sinceDate()
                let runs = Array(RunStore().list().filter {
                    filter.matches(pipeline: $0.pipeline, status: $0.status.rawValue, startedAt: $0.startedAt, since: since)
                }.suffix(last))
                let pipelineRunRecords = Array(PipelineRunStore().list().filter {
                    filter.matches(pipeline: $0.pipeline, status: $0.status.rawValue, startedAt: $0.startedAt, since: since)
                }.suffix(last))
                if json {
                    say(try jsonText(RunsCommand.listedRuns(syncRuns: runs, pipelineRuns: pipelineRunRecords, last: last)))
                    return
                }
                let pipelineRuns = RunsCommand.pipelineRunsTable(pipelineRunRecords)
                guard !runs.isEmpty || pipelineRuns != nil else {
                    let filtered = filter.pipeline != nil || filter.status != nil || filter.since != nil
                    say(filtered ? "No runs match these filters in \(RunStore().root)." : "No runs yet in \(RunStore().root).")
                    return
                }
                defer { if let pipelineRuns { say("\n" + pipelineRuns) } }
                say(table(["ID", "PIPELINE", "FROM -> TO", "MODE", "STATUS", "ROWS", "STARTED", "SECONDS", "ERROR"], runs.map { run in
                    [run.id, run.pipeline, "\(run.extractor) -> \(run.warehouse)", run.mode.description + (run.replayOf == nil ? "" : ", replay"), run.status.rawValue,
                     run.streams.isEmpty ? "-" : run.streams.map { "\($0.stream)=\($0.rowsWritten)" }.joined(separator: " "),
                     run.startedAt, run.durationSeconds.map { String(format: "%.2f", $0) } ?? "-",
                     Self.firstError(run).map { String($0.prefix(80)) } ?? ""]
                }))
            }
        }

        static func firstError(_ run: RunRecord) -> String? {
            run.error ?? run.streams.first(where: { $0.status == .failed || $0.status == .cancelled })?.error
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one run: its streams, retries, snapshot and log.",
            discussion: "ID may be any unique beginning of a run id (see `etl-host runs`), or `last`: the run that started last, sync or pipeline.")

        @Argument(help: "The run's id, a unique beginning of it, or last.") var id: String
        @Flag(help: "Print the run record as JSON.") var json = false
        @Option(name: .customLong("log-level"), help: ArgumentHelp("Log lines shown: debug, info (default), warn or error.", valueName: "level"))
        var logLevel: Choice<LogLevel> = Choice("info")

        func run() throws {
            try reportingErrors {
                let store = RunStore()
                let minimum = try logLevel.value()
                let id = try self.id == "last" ? RunsCommand.lastRunID() : self.id
                let syncRun = Result { try store.load(id) }
                if let pipelineRun = try RunsCommand.pipelineRun(id, syncMatches: (try? syncRun.get()) != nil) {
                    say(json ? try jsonText(pipelineRun) : RunsCommand.showPipelineRun(pipelineRun, minimum: minimum))
                    return
                }
                let run = try syncRun.get()
                if json {
                    say(try jsonText(run))
                    return
                }
                var lines = [
                    "Run \(run.id)" + (run.replayOf.map { " (replay of \($0))" } ?? ""),
                    "  pipeline:  \(run.pipeline)",
                    "  from -> to: \(run.extractor) -> \(run.warehouse) (\(run.mode)\(run.incremental ? ", incremental" : "")\(run.deletions != .keep ? ", deletions \(run.deletions)" : ""))",
                    "  status:    \(run.status.rawValue)",
                    "  started:   \(run.startedAt)",
                    "  finished:  \(run.finishedAt ?? "-")" + (run.durationSeconds.map { " (\(String(format: "%.2f", $0)) s)" } ?? ""),
                ]
                if let error = run.error { lines.append("  error:     \(error)") }
                if run.status != .succeeded, !run.streams.isEmpty {
                    // Which streams' data is in the warehouse, whatever stopped the run.
                    lines.append("  \(run.streams.commitSummary)")
                }
                lines.append("")
                lines.append(run.streams.isEmpty ? "Streams: none finished" : "Streams:")
                if !run.streams.isEmpty {
                    lines.append(table(["STREAM", "TABLE", "STATUS", "READ", "WRITTEN", "REJECTED", "ATTEMPTS", "SECONDS"], run.streams.map { stream in
                        [stream.stream, stream.table, stream.status.rawValue, "\(stream.rowsRead)", "\(stream.rowsWritten)", "\(stream.rowsRejected)",
                         "\(stream.attempts ?? 1)", String(format: "%.3f", stream.seconds)]
                    }).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
                    for stream in run.streams {
                        if let error = stream.error { lines.append("  \(stream.stream): \(error)") }
                    }
                }
                lines.append("")
                lines.append(run.retries.isEmpty ? "Retries: none" : "Retries: \(run.retries.count)")
                for retry in run.retries {
                    lines.append("  \(retry.time)  \(retry.by)\(retry.stream.map { " [\($0)]" } ?? "")  attempt \(retry.attempt)"
                        + (retry.waitSeconds.map { ", waited \(String(format: "%.1f", $0)) s" } ?? "") + ": \(retry.reason)")
                }
                lines.append("")
                if run.snapshot, let snapshot = try? Snapshot(folder: store.snapshotFolder(of: run), runID: run.id) {
                    lines.append("Snapshot: \(snapshot.folder) (replay with `etl-host replay \(run.id)`)")
                    for manifest in snapshot.manifests {
                        lines.append("  \(manifest.stream): \(manifest.rows) rows, \(manifest.file), \(manifest.bytes) bytes, sha256 \(manifest.sha256.prefix(16))…")
                    }
                } else {
                    lines.append("Snapshot: none (--no-snapshot, nothing read, or pruned by --keep-snapshots)")
                }
                lines.append("")
                lines.append("Log (\(store.logPath(run.id))):")
                lines.append(contentsOf: Self.logLines(path: store.logPath(run.id), minimum: minimum))
                say(lines.joined(separator: "\n"))
            }
        }

        /// The log's lines at or above `minimum`, as text.
        static func logLines(path: String, minimum: LogLevel) -> [String] {
            guard let data = FileManager.default.contents(atPath: path) else { return ["  (no log)"] }
            return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
                guard let object = try? JSONValue(jsonText: String(line)), case .object(let members) = object,
                      let levelName = members["level"]?.stringValue,
                      let level = LogLevel.allCases.first(where: { $0.name == levelName }), level >= minimum else { return nil }
                let who = members["plugin"]?.stringValue.map { "[\($0)] " } ?? ""
                let stream = members["stream"]?.stringValue.map { "(\($0)) " } ?? ""
                return "  \(members["time"]?.stringValue ?? "")  \(levelName)  \(who)\(stream)\(members["message"]?.stringValue ?? "")"
            }
        }
    }
}

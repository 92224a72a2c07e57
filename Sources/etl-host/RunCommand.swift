import ArgumentParser
import ETLHost
import ETLPluginKit
import ETLWorkflow
import Foundation

/// `etl-host run`: runs a pipeline file's steps under one run id.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline file (etl.yaml): its steps in order, under one run id.",
        discussion: """
            Checks the file as `etl-host validate` does (without --connect), then \
            runs the selected steps: a step starts when the steps it needs \
            succeeded, --parallel N at most at once (default 1: one at a time, in \
            the order `etl-host plan` shows). A failed step marks the steps that \
            need it upstream_failed; independent steps still run. Transient \
            failures are retried per the step's retries (defaults.retries). Sync \
            steps run as `etl-host sync` runs (each a sync run of its own, linked \
            to the pipeline run); sql steps build a table from their SELECT \
            (replaced atomically, as a replace load) or a view; check steps run \
            their assertions and fail with 3 naming each failed one and its row \
            count; command steps run without a shell, their output goes to the \
            run's log. Plugins see the pipeline file's folder as the \
            current folder, so relative paths in connections mean the file's \
            neighbours. The run is recorded in the state folder \
            (runs/<id>/pipeline.json): `etl-host runs` lists it, `etl-host runs \
            show ID` shows its steps. After the summary, one line per stream a \
            sync step committed says where it went, as `etl-host sync` prints \
            it: "loaded into sqlite:///abs/dwh.db table orders (3 rows)" (not \
            with --json).

            Selecting:
              --select STEP[+] / +STEP / --from STEP   as `etl-host plan`
              --resume RUN_ID   re-run the steps of that run that did not succeed,
                                and the steps downstream of them, under a new run id
                                (refused when the pipeline file changed since)
              --full-refresh STEP[.STREAM]   reload that sync step (or one stream of
                                it) in replace mode, its incremental state replaced
              --dry-run         print the plan and what would run; change nothing

            Two runs of one pipeline never overlap: a run takes the lock \
            <state>/locks/<pipeline>.lock. By default (--wait) a second run waits \
            for the first to end; with --no-wait it exits at once with 75.

            Idempotent starts (schedulers, cron jobs): --run-id ID names the run. \
            When a run with that id exists (running or ended), the command says \
            what it is and exits 0 without running, so a job fired twice runs \
            once. An id is 1 to 100 letters, digits, '.', '_' or '-'. --trigger \
            records what started the run: cli (default), schedule, manual or \
            external (see `etl-host schedule export`).

            Examples:
              etl-host run
              etl-host run --run-id 20261206T0200Z-shop --trigger external
              etl-host run -f pipelines/shop.yaml --select orders+
              etl-host run --resume 20261206T1215
              etl-host run --full-refresh raw_crm.Orders

            Exit codes:
              0   every selected step succeeded
              1   a step failed (I/O, a command's non-zero exit, a timeout, a
                  failed stream)
              2   a plugin was refused
              3   a check step found failing rows (severity error)
              64  the file, the command line or a config is invalid (nothing ran)
              65  bad input data in a sync step
              75  --no-wait and another run of the pipeline holds its lock
              130 cancelled by SIGINT/SIGTERM: running steps stopped, the rest
                  marked cancelled
              When steps fail for different reasons, the code is the first of
              130, 64, 65, 2, 3, 1 that applies.
            """
    )

    @OptionGroup var pipelineFile: PipelineFileOptions
    @Option(help: ArgumentHelp("Only these steps: STEP, STEP+ (and downstream), +STEP (and upstream). Repeatable.", valueName: "step"))
    var select: [String] = []
    @Option(help: ArgumentHelp("STEP and every step that needs it (as --select STEP+). Repeatable.", valueName: "step"))
    var from: [String] = []
    @Option(help: ArgumentHelp("Re-run what did not succeed in that run (an id or a unique beginning of one).", valueName: "run_id"))
    var resume: String?
    @Option(name: .customLong("full-refresh"), help: ArgumentHelp("Reload a sync step, or one stream of it, in replace mode; its incremental state is replaced. Repeatable.", valueName: "step[.stream]"))
    var fullRefresh: [String] = []
    @Flag(name: .customLong("dry-run"), help: "Print the plan and what would run; run nothing.")
    var dryRun = false
    @Option(help: ArgumentHelp("Steps run at once at most (default 1).", valueName: "n"))
    var parallel: Int = 1
    @Flag(inversion: .prefixedNo, help: "When another run of this pipeline holds its lock: wait for it (default), or exit with 75.")
    var wait = true
    @Flag(help: "Print the run record as one line of JSON.") var json = false
    @Option(name: .customLong("log-level"), help: ArgumentHelp("Messages shown on standard error: debug, info, warn (default) or error.", valueName: "level"))
    var logLevel: String = "warn"
    @Option(name: .customLong("run-id"), help: ArgumentHelp("The run's id (default: a new one). When a run with this id exists, exit 0 without running (with --json, print that run's record).", valueName: "id"))
    var runID: String?
    @Option(help: ArgumentHelp("What started the run, as recorded: cli (default), schedule, manual or external.", valueName: "trigger"))
    var trigger: Choice<RunTrigger> = Choice("cli")
    @OptionGroup var registryOptions: RegistryOptions

    func validate() throws {
        guard parallel >= 1 else { throw ValidationError("--parallel must be 1 or more") }
        guard resume == nil || (select.isEmpty && from.isEmpty) else {
            throw ValidationError("--resume runs the steps of the earlier run: it cannot be combined with --select or --from")
        }
    }

    func run() throws {
        let cancellation = Cancellation()
        SignalTrap.install(cancellation) { message in
            FileHandle.standardError.write(Data("etl-host: \(message)\n".utf8))
        }
        let file = pipelineFile.file
        var requestedID: RequestedRunID?
        if let runID {
            do { requestedID = try RequestedRunID(runID) } catch { throw fail(HostError(.invalidArgument, error.description)) }
        }
        if let requestedID, !dryRun, let existing = requestedID.existing(in: PipelineRunStore()) {
            FileHandle.standardError.write(Data("etl-host: \(existing)\n".utf8))
            // A caller reading --json gets the run that exists, as if it had just run.
            if json, let record = try? PipelineRunStore().load(requestedID.text) { say(try jsonLine(record)) }
            return
        }
        let pipeline = try pipelineFile.parse()
        try reportingErrors {
            let trigger = try self.trigger.value()
            guard let level = LogLevel.allCases.first(where: { $0.name == logLevel }) else {
                throw HostError(.invalidArgument, "unknown --log-level '\(logLevel)'; use \(LogLevel.allCases.map(\.name).joined(separator: ", "))")
            }
            let registry = try registryOptions.load()
            let problems = PipelineValidator(registry: registry).validate(pipeline)
            guard problems.isEmpty else {
                throw PipelineReport(file: file, diagnostics: PipelineDiagnostics(problems)).fail(json: false)
            }
            let fileSHA256 = try SHA256.hexDigest(ofFileAt: file)
            let whole = try StepGraph(pipeline)
            let store = PipelineRunStore()
            var resumePlan: ResumePlan?
            let graph: StepGraph
            do {
                if let resume {
                    guard let previous = try store.load(resume) else {
                        throw HostError(.invalidArgument, "no pipeline run '\(resume)' in \(store.runs.root); `etl-host runs` lists them")
                    }
                    if previous.file.hasPrefix("swift:") {
                        throw HostError(.invalidArgument, "cannot resume run \(previous.id) with a pipeline file: it ran a workflow declared in Swift (\(previous.file)); resume it from that program (WorkflowRunOptions.resume)")
                    }
                    let plan = try ResumePlan(previous: previous, graph: whole, currentSHA256: fileSHA256)
                    resumePlan = plan
                    graph = try whole.selecting(plan.selected.map { StepSelector(step: $0) })
                } else {
                    graph = try whole.selecting(select.map(StepSelector.parse) + from.map { StepSelector(step: $0, downstream: true) })
                }
            } catch let error as StepSelector.Unknown {
                throw HostError(.invalidArgument, error.description)
            }
            let executors = Self.executors(registry: registry, level: level)
            let unsupported = RunSupport.problems(in: graph.steps, executors: Set(executors.keys))
            guard unsupported.isEmpty else {
                throw PipelineReport(file: file, diagnostics: PipelineDiagnostics(unsupported)).fail(json: false)
            }
            let refresh = try FullRefreshSelection.parse(fullRefresh, steps: graph.steps)
            if dryRun {
                say(try PipelinePlan(pipeline: pipeline, graph: graph).render(.text))
                say("")
                say(Self.dryRunSummary(graph: graph, resume: resumePlan, refresh: refresh))
                return
            }
            try execute(pipeline: pipeline, graph: graph, executors: executors, level: level, resume: resumePlan, refresh: refresh,
                        fileSHA256: fileSHA256, store: store, cancellation: cancellation, requestedID: requestedID, trigger: trigger)
        }
    }

    /// The executors of the step kinds this version runs.
    static func executors(registry: PluginRegistry, level: LogLevel) -> [StepKindName: any StepExecutor] {
        StepExecutors.standard(registry: registry, logLevel: level, logFormat: .text)
    }

    /// What `--dry-run` says would happen.
    static func dryRunSummary(graph: StepGraph, resume: ResumePlan?, refresh: [String: Set<String>]) -> String {
        let order = graph.layers.flatMap { $0 }.map(\.name)
        var lines: [String] = []
        if let resume {
            lines.append("Resuming run \(resume.resumedFrom): would re-run \(order.filter(resume.rerun.contains).joined(separator: ", "))")
            let done = order.filter(resume.done.contains)
            lines.append("Done in that run, not run again: \(done.isEmpty ? "none" : done.joined(separator: ", "))")
        } else {
            lines.append("Would run: \(order.joined(separator: ", "))")
        }
        for name in order {
            guard let streams = refresh[name] else { continue }
            lines.append("Full refresh: \(name) (\(streams.isEmpty ? "every stream" : streams.sorted().joined(separator: ", ")))")
        }
        lines.append("Nothing was run (--dry-run).")
        return lines.joined(separator: "\n")
    }

    private func execute(pipeline: PipelineFile, graph: StepGraph, executors: [StepKindName: any StepExecutor], level: LogLevel,
                         resume: ResumePlan?, refresh: [String: Set<String>], fileSHA256: String, store: PipelineRunStore,
                         cancellation: Cancellation, requestedID: RequestedRunID?, trigger: RunTrigger) throws {
        let stateDirectory = try HostEnvironment.prepareStateDirectory()
        // Plugins and steps below see other folders; the state folder stays the same one.
        setenv("ETL_STATE_DIR", stateDirectory, 1)
        SpoolDirectory.removeStale()
        let runID = requestedID?.text ?? SyncRunner.newRunID()
        if let requestedID, try !requestedID.claim(in: store) {
            // Another start of the same id won the race after the check above.
            FileHandle.standardError.write(Data("etl-host: \(requestedID.existing(in: store) ?? "run \(runID) already exists; nothing was run")\n".utf8))
            return
        }
        let lock: PipelineLock
        do {
            lock = try PipelineLock(pipeline: pipeline.name, runID: runID, stateDirectory: stateDirectory, wait: wait,
                                    cancellation: cancellation) { holder in
                FileHandle.standardError.write(Data("etl-host: pipeline '\(pipeline.name)' is running in another process (\(holder ?? "lock \(PipelineLock.path(pipeline: pipeline.name, stateDirectory: stateDirectory))")): waiting for it to end (--no-wait exits instead)\n".utf8))
            }
        } catch PipelineLock.Busy.heldBy(let path, let holder) {
            // Nothing ran: free the requested id for a later start.
            if requestedID != nil { try? FileManager.default.removeItem(atPath: store.runs.folder(runID)) }
            FileHandle.standardError.write(Data("etl-host: error: pipeline '\(pipeline.name)' is already running (\(holder.map { "\($0); " } ?? "")lock \(path)); nothing was run; wait for it with --wait\n".utf8))
            throw ExitCode(ExitStatus.locked.rawValue)
        }
        defer { lock.release() }
        var options = EngineOptions()
        options.parallel = parallel
        options.file = pipelineFile.file
        options.fileSHA256 = fileSHA256
        options.resumedFrom = resume?.resumedFrom
        options.done = resume?.done ?? []
        options.fullRefreshText = fullRefresh
        options.fullRefresh = refresh
        options.stateDirectory = stateDirectory
        options.startDirectory = FileManager.default.currentDirectoryPath
        options.trigger = trigger
        let folder = options.startDirectory + "/" + pipeline.folder
        guard FileManager.default.changeCurrentDirectoryPath(pipeline.folder.hasPrefix("/") ? pipeline.folder : folder) else {
            throw HostError(.io, "cannot enter the pipeline file's folder '\(pipeline.folder)'")
        }
        let runs = store.runs
        do {
            try FileManager.default.createDirectory(atPath: runs.folder(runID), withIntermediateDirectories: true)
        } catch {
            throw HostError(.io, "cannot create the run folder '\(runs.folder(runID))': \(error.localizedDescription); set ETL_STATE_DIR to a writable folder")
        }
        let log = RunLog(runID: runID, path: runs.logPath(runID), level: level)
        let engine = PipelineEngine(pipeline: pipeline, graph: graph, executors: executors, runID: runID, log: log, store: store,
                                    cancellation: cancellation, options: options)
        // A plugin that calls exit() during a step: the run and its sync runs are recorded as failed.
        let syncExecutor = executors[.sync] as? SyncStepExecutor
        ExitGuard.arm(.running)
        ExitGuard.setRunHook { message in
            syncExecutor?.recordProcessExit(message)
            return engine.recordProcessExit(message)
        }
        let record: PipelineRunRecord
        do {
            record = try engine.run()
        } catch {
            ExitGuard.disarm()
            throw error
        }
        ExitGuard.disarm()
        if json {
            say(try jsonLine(record))
        } else {
            // Where each sync step's committed streams went, as `sync` prints them.
            let loaded = syncExecutor.map { LoadedIntoLines.lines(record, loads: $0.loads) } ?? []
            say(([PipelineRunText.summary(record)] + loaded).joined(separator: "\n"))
        }
        let exit = record.exitStatus
        if exit != .success { throw ExitCode(exit.rawValue) }
    }
}

import ETLHost
import ETLPluginKit
import Foundation

/// A pipeline declared in Swift: named connections and steps, run by the
/// same ``PipelineEngine`` as `etl-host run` runs a file. A run gets a
/// run id, is recorded as `runs/<id>/pipeline.json` in the state folder
/// (so `etl-host runs` and `etl-host runs show ID` show it), holds the
/// pipeline's lock (`locks/<name>.lock`: a run of the same name from the
/// CLI or another program waits, or the second is refused), and retries,
/// orders and settles steps exactly as for a file.
///
/// Besides the file's four kinds (see ``Step/sync(_:from:to:streams:mode:incremental:needs:retries:fileID:line:configure:)``,
/// ``Step/command(_:_:needs:environment:workingDirectory:timeout:retries:fileID:line:)``,
/// and ``Step/init(name:kind:needs:retries:fileID:line:)`` for `sql` and
/// `check`), a workflow can run Swift code as a step
/// (``Step/run(_:needs:retries:fileID:line:_:)``, ``Step/task(_:_:needs:retries:fileID:line:)``),
/// recorded with the kind `swift`.
///
/// ```swift
/// let workflow = Workflow("rates", connections: [
///     "rates": .plugin("csv", config: ["path": "rates.csv"]),
///     "dwh": .plugin("sqlite", config: ["path": "dwh.db"]),
/// ], steps: [
///     .sync("raw_rates", from: "rates", to: "dwh"),
///     .run("announce", needs: ["raw_rates"]) { context in context.log("run \(context.runID) loaded the rates") },
/// ])
/// let record = try workflow.run()
/// print(record.id, record.status)
/// ```
///
/// Relative paths (a CSV file, a SQLite file, a command's folder) are
/// relative to the current folder when ``run(_:)`` is called; the library
/// does not change the process's current folder.
public struct Workflow: Sendable {
    /// The workflow's name: its runs are listed under it, and it names its lock.
    public var name: String
    /// Connections by name, as `connections:` in a file.
    public var connections: [String: PluginConnection]
    /// The steps, in the order `plan` lists steps of one layer.
    public var steps: [Step]

    /// A workflow.
    public init(_ name: String, connections: [String: PluginConnection] = [:], steps: [Step]) {
        self.name = name
        self.connections = connections
        self.steps = steps
    }

    /// The workflow as the engine's model of a pipeline file, its folder
    /// `folder` (default: the current folder).
    public func pipeline(folder: String = FileManager.default.currentDirectoryPath) -> PipelineFile {
        let named = connections.sorted { $0.key < $1.key }.map { $0.value.connection(named: $0.key) }
        return PipelineFile(name: name, path: Self.recordedFile, folder: folder, connections: named, defaults: StepDefaults(),
                            steps: steps)
    }

    /// The SHA-256 of the declaration (connections, steps, needs, what each
    /// step does; not closures' code), recorded as the run's `file_sha256`:
    /// a resume refuses a workflow whose fingerprint changed.
    public var fingerprint: String { WorkflowFingerprint.of(self) }

    /// What the run record says in place of a pipeline file: the program.
    static var recordedFile: String { "swift:" + (CommandLine.arguments.first.map { ($0 as NSString).lastPathComponent } ?? "program") }

    /// Checks the workflow as the parser and `etl-host validate` check a
    /// file (unique step names, known connections, needs, cycles, plugins
    /// loadable and of the right kind) and that every step can run with
    /// `executors`; nil when there is no problem.
    public func problems(registry: PluginRegistry, executors: Set<StepKindName>) -> PipelineDiagnostics? {
        let pipeline = pipeline()
        var items = declarationProblems()
        if items.isEmpty {
            do {
                _ = try StepGraph(pipeline)
            } catch {
                items += error.items
            }
        }
        if items.isEmpty {
            items += PipelineValidator(registry: registry).validate(pipeline)
            items += RunSupport.problems(in: steps, executors: executors)
        }
        return items.isEmpty ? nil : PipelineDiagnostics(items)
    }

    /// What the parser refuses in a file: a step name used twice, a
    /// connection a step names that ``connections`` does not have.
    func declarationProblems() -> [PipelineDiagnostic] {
        var items: [PipelineDiagnostic] = []
        var seen: Set<String> = []
        for step in steps {
            if step.name.isEmpty { items.append(PipelineDiagnostic(at: step.location, "a step has an empty name")) }
            if !seen.insert(step.name).inserted {
                items.append(PipelineDiagnostic(at: step.location, "step '\(step.name)' is declared twice; step names must be unique"))
            }
            for (role, reference) in Self.references(of: step) {
                guard case .named(let name, let location) = reference, connections[name] == nil else { continue }
                let known = connections.keys.sorted()
                items.append(PipelineDiagnostic(at: location,
                    "step '\(step.name)': \(role): no connection named '\(name)'; the workflow's connections: \(known.isEmpty ? "none" : known.joined(separator: ", "))"))
            }
        }
        return items
    }

    /// What resuming run `id` of this workflow runs.
    private func resumePlan(_ id: String, store: PipelineRunStore, graph: StepGraph) throws -> ResumePlan {
        guard let previous = try store.load(id) else {
            throw HostError(.invalidArgument, "no pipeline run '\(id)' in \(store.runs.root); `etl-host runs` lists them")
        }
        guard previous.pipeline == name else {
            throw HostError(.invalidArgument, "cannot resume run \(previous.id): it is a run of '\(previous.pipeline)', not of workflow '\(name)'")
        }
        return try ResumePlan(previous: previous, graph: graph, currentSHA256: fingerprint)
    }

    /// The connections a step names, with the key that names each.
    private static func references(of step: Step) -> [(String, ConnectionReference)] {
        switch step.kind {
        case .sync(let sync): [("from", sync.from), ("to", sync.to)]
        case .sql(let sql): [("into", sql.into)]
        case .check(let check): [("warehouse", check.warehouse)]
        case .command, .swift: []
        }
    }

    /// Runs the workflow's steps under one new run id and returns the
    /// final record (step failures are in it: look at
    /// ``PipelineRunRecord/status`` and ``PipelineRunRecord/exitStatus``).
    ///
    /// - Throws: ``WorkflowError/invalid(_:)`` when the workflow is invalid
    ///   (nothing ran), ``WorkflowError/locked(workflow:holder:lock:)`` when
    ///   another run holds the lock and `options.wait` is false, a
    ///   ``ETLHost/HostError`` when the registry or the state folder cannot
    ///   be read or written.
    public func run(_ options: WorkflowRunOptions = WorkflowRunOptions()) throws -> PipelineRunRecord {
        let registry = try options.registry ?? WorkflowPlugins.registry()
        var executors = StepExecutors.standard(registry: registry, logLevel: options.logLevel, logFormat: .text)
        executors[.swift] = SwiftStepExecutor()
        executors.merge(options.executors) { $1 }
        if let problems = problems(registry: registry, executors: Set(executors.keys)) {
            throw WorkflowError.invalid(problems)
        }
        var environment = ProcessInfo.processInfo.environment
        if let folder = options.stateDirectory { environment["ETL_STATE_DIR"] = HostEnvironment.absolutePath(folder) }
        let stateDirectory = try HostEnvironment.prepareStateDirectory(environment: environment)
        let pipeline = pipeline()
        let runID = SyncRunner.newRunID()
        let lock: PipelineLock
        do {
            lock = try PipelineLock(pipeline: name, runID: runID, stateDirectory: stateDirectory, wait: options.wait,
                                    cancellation: options.cancellation)
        } catch PipelineLock.Busy.heldBy(let path, let holder) {
            throw WorkflowError.locked(workflow: name, holder: holder, lock: path)
        }
        defer { lock.release() }
        let store = PipelineRunStore(runs: RunStore(stateDirectory: stateDirectory))
        var graph = try StepGraph(pipeline)
        var resumePlan: ResumePlan?
        if let resume = options.resume {
            let plan = try self.resumePlan(resume, store: store, graph: graph)
            graph = try graph.selecting(plan.selected.map { StepSelector(step: $0) })
            resumePlan = plan
        }
        do {
            try FileManager.default.createDirectory(atPath: store.runs.folder(runID), withIntermediateDirectories: true)
        } catch {
            throw HostError(.io, "cannot create the run folder '\(store.runs.folder(runID))': \(error.localizedDescription); set ETL_STATE_DIR to a writable folder")
        }
        var engineOptions = EngineOptions()
        engineOptions.parallel = max(1, options.parallel)
        engineOptions.file = pipeline.path
        engineOptions.stateDirectory = stateDirectory
        engineOptions.startDirectory = pipeline.folder
        engineOptions.fileSHA256 = fingerprint
        engineOptions.resumedFrom = resumePlan?.resumedFrom
        engineOptions.done = resumePlan?.done ?? []
        let log = RunLog(runID: runID, path: store.runs.logPath(runID), level: options.logLevel)
        let engine = PipelineEngine(pipeline: pipeline, graph: graph, executors: executors, runID: runID, log: log,
                                    store: store, clock: options.clock, cancellation: options.cancellation, options: engineOptions)
        return try engine.run()
    }
}

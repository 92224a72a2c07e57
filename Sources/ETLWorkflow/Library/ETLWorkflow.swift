import ETLHost
import ETLPluginKit

/// The one-line ETL: one extractor into one warehouse, run as a workflow
/// of one sync step named `sync` (so it is recorded, listed by
/// `etl-host runs`, locked and retried like any pipeline run).
///
/// ```swift
/// let record = try ETLWorkflow(extractor: .plugin("csv", config: ["path": "rates.csv"]),
///                              warehouse: .plugin("sqlite", config: ["path": "dwh.db"])).run(dropTables: true)
/// ```
///
/// The type is named like its module, so a client cannot qualify the
/// module's other names as `ETLWorkflow.Step` (Swift looks the name up in
/// the type first): write them unqualified, and when another module has a
/// name of its own the same, name this one through a typealias in a file
/// that imports only this module (`typealias PipelineStep = Step`).
public struct ETLWorkflow: Sendable {
    /// Where rows come from.
    public var extractor: PluginConnection
    /// Where they are loaded.
    public var warehouse: PluginConnection
    /// The workflow's name (runs are listed under it; its lock); default
    /// `etl-<extractor>-<warehouse>`, e.g. `etl-csv-sqlite`.
    public var name: String

    /// The ETL from `extractor` into `warehouse`.
    public init(extractor: PluginConnection, warehouse: PluginConnection, name: String? = nil) {
        self.extractor = extractor
        self.warehouse = warehouse
        self.name = name ?? "etl-\(extractor.plugin)-\(warehouse.plugin)"
    }

    /// The workflow ``run(dropTables:mode:streams:incremental:retries:options:)`` runs.
    public func workflow(dropTables: Bool = false, mode: WriteMode? = nil, streams: [String]? = nil, incremental: Bool = false,
                         retries: RetrySettings = RetrySettings()) throws -> Workflow {
        let writeMode: WriteMode
        switch (dropTables, mode) {
        case (true, nil), (true, .replace?): writeMode = .replace
        case (true, let other?):
            throw HostError(.invalidArgument, "dropTables: true replaces the tables; it cannot be combined with mode \(other)")
        case (false, let chosen): writeMode = chosen ?? .append
        }
        return Workflow(name, connections: ["source": extractor, "warehouse": warehouse], steps: [
            .sync("sync", from: "source", to: "warehouse", streams: streams, mode: writeMode, incremental: incremental,
                  retries: retries, fileID: extractor.location.file, line: extractor.location.line),
        ])
    }

    /// Loads every stream (or `streams`) of the extractor into the
    /// warehouse and returns the run's record.
    ///
    /// - Parameters:
    ///   - dropTables: replace each table with what this run reads
    ///     (mode replace, atomic); false: `mode`, default append.
    ///   - mode: append, upsert or replace (`etl-host sync --mode`).
    ///   - streams: the streams to load; nil loads all.
    ///   - incremental: read only what changed since the last successful run.
    ///   - retries: how a transient failure is retried.
    ///   - options: registry, state folder, lock and log (see ``WorkflowRunOptions``).
    /// - Throws: as ``Workflow/run(_:)``; a failed sync is in the record.
    @discardableResult
    public func run(dropTables: Bool = false, mode: WriteMode? = nil, streams: [String]? = nil, incremental: Bool = false,
                    retries: RetrySettings = RetrySettings(), options: WorkflowRunOptions = WorkflowRunOptions()) throws -> PipelineRunRecord {
        try workflow(dropTables: dropTables, mode: mode, streams: streams, incremental: incremental, retries: retries).run(options)
    }
}

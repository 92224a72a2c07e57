import ETLHost
import ETLWorkflow
import Foundation

/// The tables the pipelines load, from their run records: each sync
/// step's streams (table, rows of the last load) and each sql step's table
/// or view, with the step that loads it and when it last did.
public struct TablesReport: Codable, Sendable {
    /// One table (or view) a pipeline's step loads.
    public struct Table: Codable, Sendable, Equatable {
        /// The table's name in its warehouse.
        public var table: String
        /// The pipeline whose step loads it.
        public var pipeline: String
        /// The step that loads it.
        public var step: String
        /// sync (a stream's table), sql (a table) or sql-view.
        public var loadedBy: String
        /// When it was last loaded (its load committed), ISO 8601 UTC.
        public var lastLoad: String?
        /// Rows written by that load.
        public var rows: Int?
        /// The run of that load.
        public var runID: String?
        /// The newest attempt's outcome, if it failed: its error.
        public var lastError: String?
        /// Its columns and types, as the warehouse describes the table now.
        public var columns: [WarehouseDescriber.Column]?
        /// Its row count now.
        public var rowCount: Int?
        /// Why the warehouse could not describe it (cannot be opened, no such table, ...).
        public var warehouseError: String?

        enum CodingKeys: String, CodingKey {
            case table, pipeline, step, rows, columns
            case rowCount = "row_count"
            case warehouseError = "warehouse_error"
            case loadedBy = "loaded_by"
            case lastLoad = "last_load"
            case runID = "run_id"
            case lastError = "last_error"
        }
    }
    /// The tables, by pipeline then table name.
    public var tables: [Table]
}

/// Reads what the Tables page shows, and a pipeline file's `needs` for the DAG.
struct TablesReader: Sendable {
    let projectFolder: String
    let reader: RunFolderReader
    /// The `etl-host` executable that describes warehouses in a child process.
    let executable: String
    /// Pipeline runs looked at per pipeline, newest first.
    static let runsPerPipeline = 20

    /// The steps' `needs` of the file `record` ran (empty when the file cannot be read).
    func needs(of record: PipelineRunRecord?) -> [String: [String]] {
        guard let record, let file = pipelineFile(record.file) else { return [:] }
        return Dictionary(file.steps.map { ($0.name, $0.needs) }, uniquingKeysWith: { first, _ in first })
    }

    /// The tables loaded by the pipelines' recent runs.
    func report(pipelines: [PipelineStatus], index: RunsIndex) async throws -> TablesReport {
        var found: [String: TablesReport.Table] = [:]
        for pipeline in pipelines {
            let page = try await index.page(RunsFilter(pipeline: pipeline.name, kind: .pipeline, limit: Self.runsPerPipeline))
            for summary in page.runs {
                guard let record = reader.pipelineRun(summary.id) else { continue }
                for step in record.steps {
                    for table in tables(of: step, pipeline: pipeline.name, run: record) {
                        let key = "\(pipeline.name)\u{1}\(table.table)"
                        if var known = found[key] {
                            // Newer runs come first: keep the newest load; note a newer failure.
                            if known.lastLoad == nil, table.lastLoad != nil {
                                known.lastLoad = table.lastLoad
                                known.rows = table.rows
                                known.runID = table.runID
                                found[key] = known
                            }
                        } else {
                            found[key] = table
                        }
                    }
                }
            }
        }
        var tables = found.values.sorted { ($0.pipeline, $0.table) < ($1.pipeline, $1.table) }
        for pipeline in pipelines where pipeline.error == nil {
            let file = (pipeline.file as NSString).isAbsolutePath ? pipeline.file : (projectFolder as NSString).appendingPathComponent(pipeline.file)
            let indices = tables.indices.filter { tables[$0].pipeline == pipeline.name }
            let request = WarehouseDescriber.Request(file: file, tables: indices.map { .init(step: tables[$0].step, table: tables[$0].table) })
            let answers = WarehouseDescriber.describeInChild(request, executable: executable)
            for (index, answer) in zip(indices, answers) {
                tables[index].columns = answer.columns
                tables[index].rowCount = answer.rows
                tables[index].warehouseError = answer.error
            }
        }
        return TablesReport(tables: tables)
    }

    private func tables(of step: StepRecord, pipeline: String, run: PipelineRunRecord) -> [TablesReport.Table] {
        if let sql = step.sql {
            let loaded = step.state == .succeeded
            return [TablesReport.Table(table: sql.target, pipeline: pipeline, step: step.name,
                                       loadedBy: sql.materialize == .view ? "sql-view" : "sql", lastLoad: loaded ? step.finishedAt : nil,
                                       rows: loaded ? step.rows : nil, runID: loaded ? run.id : nil,
                                       lastError: step.state == .failed ? step.error : nil)]
        }
        return step.syncRuns.compactMap(reader.syncRun).flatMap { sync in
            sync.streams.map { stream in
                let loaded = stream.isCommitted
                return TablesReport.Table(table: stream.table, pipeline: pipeline, step: step.name, loadedBy: "sync",
                                          lastLoad: loaded ? sync.finishedAt : nil, rows: loaded ? stream.rowsWritten : nil,
                                          runID: loaded ? run.id : nil, lastError: stream.status == .failed ? stream.error : nil)
            }
        }
    }

    private func pipelineFile(_ path: String) -> PipelineFile? {
        let full = (path as NSString).isAbsolutePath ? path : (projectFolder as NSString).appendingPathComponent(path)
        return try? PipelineParser().parse(path: full)
    }
}

/// The Tables page.
struct TablesPageView {
    let report: TablesReport

    var html: String {
        let rows = report.tables.map { table in
            """
            <tr data-table="\(HTML.escape(table.table))"><td><strong>\(HTML.escape(table.table))</strong></td><td>\(HTML.escape(table.pipeline))</td>\
            <td>\(HTML.escape(table.step)) (\(table.loadedBy))</td><td>\(HTML.escape(table.lastLoad ?? "never"))</td>\
            <td class="num">\(table.rows.map(String.init) ?? "")</td><td class="num">\(table.rowCount.map(String.init) ?? "")</td>\
            <td class="columns">\(table.columns.map { $0.map { "\(HTML.escape($0.name)) <span class=\"muted\">\(HTML.escape($0.type))</span>" }.joined(separator: "<br>") } ?? "")\
            \(table.warehouseError.map { "<div class=\"error\">\(HTML.escape($0))</div>" } ?? "")</td>\
            <td>\(table.runID.map { "<a href=\"/runs/\(HTML.urlComponent($0))\">\(HTML.escape($0))</a>" } ?? "")</td>\
            <td>\(HTML.escape(table.lastError ?? ""))</td></tr>
            """
        }.joined(separator: "\n")
        return HTML.page(title: "Tables", section: .tables, body: """
            <h1>Tables</h1><p class="muted">Every table the pipelines' recent runs load, with the step that loads it.</p>
            <table id="tables"><thead><tr><th>Table</th><th>Pipeline</th><th>Loaded by</th><th>Last load (UTC)</th><th>Rows (last load)</th><th>Rows now</th><th>Columns</th>\
            <th>Run</th><th>Last error</th></tr></thead><tbody>\(rows)</tbody></table>
            \(report.tables.isEmpty ? "<p class=\"muted\">No loads recorded yet.</p>" : "")
            """)
    }
}

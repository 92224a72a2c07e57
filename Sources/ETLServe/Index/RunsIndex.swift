import ETLHost
import ETLWorkflow
import Foundation

/// The runs index: a SQLite file in the state folder
/// (`<state>/serve/runs-index.sqlite`) with one row per run
/// (``RunSummary``), so the runs page answers from an index, not by reading
/// every run folder, however long the history.
///
/// The run folders stay the truth. The index is built from them when its
/// file is missing (or of another version), and refreshed before each
/// query: when the `runs` folder changed (its modification time), the run
/// folders it does not hold yet are read (a folder without a readable
/// record yet is tried again at each refresh); the runs it holds as `running`
/// are read again every time (they end, or their process dies and they
/// read as interrupted). Pages are keyset-paginated on `(started_at, id)`.
///
/// ```swift
/// let index = try RunsIndex(stateFolder: state)
/// let page = try await index.page(RunsFilter(pipeline: "shop", limit: 50))
/// ```
public actor RunsIndex {
    /// The version of the index's tables; another version is rebuilt.
    static let schemaVersion = "1"

    private let database: IndexDatabase
    private let reader: RunFolderReader
    private var known: Set<String> = []
    /// Run folders seen without a readable record yet (being created): read again at each refresh.
    private var pending: Set<String> = []
    private var runsFolderStamp: String?
    private var pipelines: Set<String> = []

    /// Opens (or creates and fills) the index of the runs under `stateFolder/runs`.
    public init(stateFolder: String) throws {
        let folder = (stateFolder as NSString).appendingPathComponent("serve")
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw HostError(.io, "cannot create '\(folder)' for the runs index: \(error.localizedDescription)")
        }
        reader = RunFolderReader(stateFolder: stateFolder)
        database = try IndexDatabase(path: (folder as NSString).appendingPathComponent("runs-index.sqlite"))
        try database.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
        let version = try? database.query("SELECT value FROM meta WHERE key = 'schema_version'").first?.first?.text
        if version != Self.schemaVersion {
            try database.execute("""
                DROP TABLE IF EXISTS runs; DROP TABLE IF EXISTS meta;
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE runs (
                  id TEXT PRIMARY KEY, kind TEXT NOT NULL, pipeline TEXT NOT NULL, status TEXT NOT NULL,
                  trigger TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT, duration_seconds REAL,
                  rows INTEGER NOT NULL, warnings INTEGER NOT NULL, errors INTEGER NOT NULL, error TEXT, parent_run TEXT);
                CREATE INDEX runs_by_start ON runs (started_at, id);
                CREATE INDEX runs_by_pipeline ON runs (pipeline, started_at, id);
                CREATE INDEX runs_by_status ON runs (status, started_at, id);
                CREATE INDEX runs_by_trigger ON runs (trigger, started_at, id);
                INSERT INTO meta VALUES ('schema_version', '\(Self.schemaVersion)');
                """)
        }
        known = Set(try database.query("SELECT id FROM runs").compactMap { $0.first?.text })
        pipelines = Set(try database.query("SELECT DISTINCT pipeline FROM runs").compactMap { $0.first?.text })
    }

    /// How many runs the index holds (after a refresh).
    public func count() throws -> Int {
        try refresh()
        return Int(try database.query("SELECT count(*) FROM runs").first?.first?.integer ?? 0)
    }

    /// Brings the index up to date with the run folders (see the type's discussion).
    public func refresh() throws {
        let stamp = reader.runsFolderStamp()
        if stamp != runsFolderStamp {
            pending.formUnion(reader.runIDs().filter { !known.contains($0) })
            runsFolderStamp = stamp
        }
        if !pending.isEmpty { try store(Array(pending)) }
        let running = try database.query("SELECT id FROM runs WHERE status = 'running'").compactMap { $0.first?.text }
        try store(running)
    }

    /// A page of runs, newest first.
    public func page(_ filter: RunsFilter) throws -> RunsPage {
        try refresh()
        var conditions: [String] = []
        var values: [IndexDatabase.Value] = []
        if let pipeline = filter.pipeline { conditions.append("pipeline = ?"); values.append(.text(pipeline)) }
        if let status = filter.status { conditions.append("status = ?"); values.append(.text(status.rawValue)) }
        if let trigger = filter.trigger { conditions.append("trigger = ?"); values.append(.text(trigger.rawValue)) }
        if let kind = filter.kind {
            conditions.append("kind = ?")
            values.append(.text(kind.rawValue))
        } else {
            conditions.append("parent_run IS NULL")
        }
        if let from = filter.from { conditions.append("started_at >= ?"); values.append(.text(from)) }
        if let to = filter.to { conditions.append("started_at < ?"); values.append(.text(to)) }
        if let after = filter.after {
            conditions.append("(started_at, id) < (?, ?)")
            values += [.text(after.startedAt), .text(after.id)]
        }
        let limit = max(1, min(filter.limit, RunsFilter.maximumLimit))
        let sql = """
            SELECT id, kind, pipeline, status, trigger, started_at, finished_at, duration_seconds, rows, warnings, errors, error, parent_run
            FROM runs WHERE \(conditions.joined(separator: " AND ")) ORDER BY started_at DESC, id DESC LIMIT \(limit + 1)
            """
        let rows = try database.query(sql, values)
        let runs = rows.prefix(limit).map(Self.summary)
        let next = rows.count > limit ? runs.last.map { RunsCursor(startedAt: $0.startedAt, id: $0.id).text } : nil
        return RunsPage(runs: Array(runs), next: next)
    }

    /// The pipelines that have runs, by name.
    public func pipelineNames() -> [String] { pipelines.sorted() }

    private func store(_ ids: [String]) throws {
        guard !ids.isEmpty else { return }
        try database.execute("BEGIN")
        do {
            for id in ids {
                guard let summary = reader.summary(of: id) else { continue }
                pending.remove(id)
                try database.query("""
                    INSERT OR REPLACE INTO runs (id, kind, pipeline, status, trigger, started_at, finished_at, duration_seconds,
                      rows, warnings, errors, error, parent_run) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, [.text(summary.id), .text(summary.kind.rawValue), .text(summary.pipeline), .text(summary.status),
                          .text(summary.trigger.rawValue), .text(summary.startedAt), .init(summary.finishedAt), .init(summary.durationSeconds),
                          .integer(Int64(summary.rows)), .integer(Int64(summary.warnings)), .integer(Int64(summary.errors)),
                          .init(summary.error), .init(summary.parentRun)])
                known.insert(id)
                pipelines.insert(summary.pipeline)
            }
            try database.execute("COMMIT")
        } catch {
            try? database.execute("ROLLBACK")
            throw error
        }
    }

    private static func summary(_ row: [IndexDatabase.Value]) -> RunSummary {
        RunSummary(id: row[0].text ?? "", kind: RunSummaryKind(rawValue: row[1].text ?? "") ?? .sync, pipeline: row[2].text ?? "",
                   status: row[3].text ?? "", trigger: RunTrigger(rawValue: row[4].text ?? "") ?? .cli, startedAt: row[5].text ?? "",
                   finishedAt: row[6].text, durationSeconds: row[7].real, rows: Int(row[8].integer ?? 0),
                   warnings: Int(row[9].integer ?? 0), errors: Int(row[10].integer ?? 0), error: row[11].text, parentRun: row[12].text)
    }
}

import ETLPluginKit

/// The plugin's own tables, written in the same transaction as the data:
///
/// - `_etl_state`: the extractor state per key (`state_get` reads it);
/// - `_etl_runs`: one row per committed table load, with the columns
///   filled from the host's run record and the whole record as JSON;
/// - `_etl_schemas`: the host's resolved schema per table (`schema_get`
///   reads it).
enum Bookkeeping {
    static let stateTable = "_etl_state"
    static let runsTable = "_etl_runs"
    static let schemasTable = "_etl_schemas"

    /// `CREATE TABLE IF NOT EXISTS` for each table.
    static let createState = """
        CREATE TABLE IF NOT EXISTS "_etl_state" ("state_key" TEXT PRIMARY KEY, "state_json" TEXT NOT NULL, \
        "run_id" TEXT, "updated_at" TEXT)
        """
    static let createRuns = """
        CREATE TABLE IF NOT EXISTS "_etl_runs" ("run_id" TEXT NOT NULL, "stream" TEXT, "table_name" TEXT NOT NULL, \
        "mode" TEXT, "status" TEXT, "rows_read" INTEGER, "rows_written" INTEGER, "rows_rejected" INTEGER, \
        "started_at" TEXT, "finished_at" TEXT, "error" TEXT, "record_json" TEXT NOT NULL, \
        PRIMARY KEY ("run_id", "table_name"))
        """
    static let createSchemas = """
        CREATE TABLE IF NOT EXISTS "_etl_schemas" ("table_name" TEXT PRIMARY KEY, "schema_json" TEXT NOT NULL, \
        "run_id" TEXT, "updated_at" TEXT)
        """

    /// The current time as SQLite writes it, UTC with milliseconds.
    private static let now = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"

    /// Writes what `commit` carries for the load described by `request`.
    /// Runs inside the load's transaction.
    static func write(_ commit: CommitRequest, for request: TableRequest, in db: SQLiteConnection) throws {
        let table = request.table
        if let key = commit.stateKey, let state = commit.stateJSON {
            try db.execute(createState, "creating \(stateTable)")
            try db.rows("INSERT INTO \"_etl_state\" (state_key, state_json, run_id, updated_at) "
                + "VALUES (?1, ?2, ?3, \(now)) ON CONFLICT (state_key) DO UPDATE SET "
                + "state_json = excluded.state_json, run_id = excluded.run_id, updated_at = excluded.updated_at",
                [.text(key), .text(state), .text(request.runID)],
                "table \"\(table)\": writing the state of key \"\(key)\" to \(stateTable)")
        }
        if let schema = commit.schemaJSON {
            try db.execute(createSchemas, "creating \(schemasTable)")
            try db.rows("INSERT INTO \"_etl_schemas\" (table_name, schema_json, run_id, updated_at) "
                + "VALUES (?1, ?2, ?3, \(now)) ON CONFLICT (table_name) DO UPDATE SET "
                + "schema_json = excluded.schema_json, run_id = excluded.run_id, updated_at = excluded.updated_at",
                [.text(table), .text(schema), .text(request.runID)],
                "table \"\(table)\": writing its schema to \(schemasTable)")
        }
        if let run = commit.runJSON {
            try writeRun(run, for: request, in: db)
        }
    }

    /// Inserts (or, for a retried commit of the same run and table,
    /// replaces) the run record.
    ///
    /// - Throws: ``PluginError/Code/invalidArgument`` when `json` is not a
    ///   JSON object.
    private static func writeRun(_ json: String, for request: TableRequest, in db: SQLiteConnection) throws {
        let table = request.table
        let record: JSONValue
        do {
            record = try JSONValue(parsing: json)
        } catch {
            throw PluginError.invalidArgument("table \"\(table)\": the run record is not valid JSON: "
                + "\(error.message)")
        }
        guard case .object = record else {
            throw PluginError.invalidArgument("table \"\(table)\": the run record must be a JSON "
                + "object, got \(record.typeName)")
        }
        func text(_ key: String) -> SQLiteValue {
            switch record[key] {
            case nil, .null?: .null
            case .string(let value)?: .text(value)
            case let value?: .text(value.jsonText)
            }
        }
        func integer(_ key: String) -> SQLiteValue {
            switch record[key] {
            case .integer(let value)?: .integer(value)
            case .number(let value)?: .real(value)
            default: .null
            }
        }
        var runID = text("run_id")
        if runID == .null { runID = .text(request.runID) }
        var mode = text("mode")
        if mode == .null { mode = .text(request.mode.description) }
        try db.execute(createRuns, "creating \(runsTable)")
        try db.rows("INSERT OR REPLACE INTO \"_etl_runs\" (run_id, stream, table_name, mode, status, rows_read, "
            + "rows_written, rows_rejected, started_at, finished_at, error, record_json) "
            + "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            [runID, text("stream"), .text(table), mode, text("status"), integer("rows_read"),
             integer("rows_written"), integer("rows_rejected"), text("started_at"), text("finished_at"),
             text("error"), .text(json)],
            "table \"\(table)\": writing the run record to \(runsTable)")
    }

    /// The state stored under `key`, or `nil`.
    static func state(key: String, in db: SQLiteConnection) throws(PluginError) -> String? {
        guard try exists(stateTable, in: db) else { return nil }
        return try db.rows("SELECT state_json FROM \"_etl_state\" WHERE state_key = ?1", [.text(key)],
                           "reading the state of key \"\(key)\" from \(stateTable)").first?.first?.text
    }

    /// The schema JSON stored for `table`, or `nil`.
    static func schema(table: String, in db: SQLiteConnection) throws(PluginError) -> String? {
        guard try exists(schemasTable, in: db) else { return nil }
        return try db.rows("SELECT schema_json FROM \"_etl_schemas\" WHERE table_name = ?1", [.text(table)],
                           "reading the schema of table \"\(table)\" from \(schemasTable)").first?.first?.text
    }

    private static func exists(_ table: String, in db: SQLiteConnection) throws(PluginError) -> Bool {
        try !db.rows("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", [.text(table)],
                     "looking for \(table)").isEmpty
    }
}

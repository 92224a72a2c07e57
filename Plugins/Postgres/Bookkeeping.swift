import ETLPluginKit
import ETLPostgresShared

/// The plugin's own tables in the target schema, written in the same
/// transaction as the data:
///
/// - `_etl_state`: the extractor state per key (`state_get` reads it);
/// - `_etl_runs`: one row per committed table load, with the columns
///   filled from the host's run record and the whole record as jsonb;
/// - `_etl_schemas`: the host's resolved schema per table (`schema_get`
///   reads it).
///
/// State and schema are stored as text, exactly as the host sent them.
enum Bookkeeping {
    static let stateTable = "_etl_state"
    static let runsTable = "_etl_runs"
    static let schemasTable = "_etl_schemas"

    /// `CREATE TABLE IF NOT EXISTS` for each table, in `schema` (quoted).
    static func createState(_ schema: String) -> String {
        """
        CREATE TABLE IF NOT EXISTS \(schema)."_etl_state" (state_key text PRIMARY KEY, state_json text NOT NULL, \
        run_id text, updated_at timestamp with time zone NOT NULL DEFAULT pg_catalog.now())
        """
    }

    static func createRuns(_ schema: String) -> String {
        """
        CREATE TABLE IF NOT EXISTS \(schema)."_etl_runs" (run_id text NOT NULL, stream text, table_name text NOT NULL, \
        mode text, status text, rows_read bigint, rows_written bigint, rows_rejected bigint, \
        started_at timestamp with time zone, finished_at timestamp with time zone, error text, \
        record_json jsonb NOT NULL, PRIMARY KEY (run_id, table_name))
        """
    }

    static func createSchemas(_ schema: String) -> String {
        """
        CREATE TABLE IF NOT EXISTS \(schema)."_etl_schemas" (table_name text PRIMARY KEY, schema_json text NOT NULL, \
        run_id text, updated_at timestamp with time zone NOT NULL DEFAULT pg_catalog.now())
        """
    }

    /// Writes what `commit` carries for the load described by `request`.
    /// Runs inside the load's transaction.
    static func write(_ commit: CommitRequest, for request: TableRequest, schema: String,
                      in db: PGConnection) throws(PostgresError) {
        let table = request.table
        let quoted = PGName.quoted(schema)
        if let key = commit.stateKey, let state = commit.stateJSON {
            try ensure(stateTable, create: createState(quoted), schema: schema, in: db)
            try db.query("INSERT INTO \(quoted).\"_etl_state\" (state_key, state_json, run_id, updated_at) "
                + "VALUES ($1, $2, $3, pg_catalog.now()) ON CONFLICT (state_key) DO UPDATE SET "
                + "state_json = EXCLUDED.state_json, run_id = EXCLUDED.run_id, updated_at = EXCLUDED.updated_at",
                [key, state, request.runID],
                "table \"\(table)\": writing the state of key \"\(key)\" to \(stateTable)")
        }
        if let json = commit.schemaJSON {
            try ensure(schemasTable, create: createSchemas(quoted), schema: schema, in: db)
            try db.query("INSERT INTO \(quoted).\"_etl_schemas\" (table_name, schema_json, run_id, updated_at) "
                + "VALUES ($1, $2, $3, pg_catalog.now()) ON CONFLICT (table_name) DO UPDATE SET "
                + "schema_json = EXCLUDED.schema_json, run_id = EXCLUDED.run_id, updated_at = EXCLUDED.updated_at",
                [table, json, request.runID], "table \"\(table)\": writing its schema to \(schemasTable)")
        }
        if let run = commit.runJSON {
            try writeRun(run, for: request, schema: schema, in: db)
        }
    }

    /// Inserts (or, for a retried commit of the same run and table,
    /// replaces) the run record.
    ///
    /// - Throws: ``PostgresError`` (invalidArgument) when `json` is not a
    ///   JSON object.
    private static func writeRun(_ json: String, for request: TableRequest, schema: String,
                                 in db: PGConnection) throws(PostgresError) {
        let table = request.table
        let record: JSONValue
        do {
            record = try JSONValue(parsing: json)
        } catch {
            throw PostgresError.invalidArgument("table \"\(table)\": the run record is not valid JSON: "
                + "\(error.message)")
        }
        guard case .object = record else {
            throw PostgresError.invalidArgument("table \"\(table)\": the run record must be a JSON object, got "
                + "\(record.typeName)")
        }
        func text(_ key: String) -> String? {
            switch record[key] {
            case nil, .null?: nil
            case .string(let value)?: value
            case let value?: value.jsonText
            }
        }
        func integer(_ key: String) -> String? {
            if case .integer(let value)? = record[key] { return String(value) }
            return nil
        }
        /// An ISO 8601 time the kit can read, as PostgreSQL reads it.
        func time(_ key: String) -> String? {
            guard case .string(let value)? = record[key] else { return nil }
            var copy = value
            let parsed = copy.withUTF8 { DateText.parseTimestamp(UnsafeRawBufferPointer($0)) }
            return parsed.map { DateText.timestamp(microsecondsSinceEpoch: $0) }
        }
        let quoted = PGName.quoted(schema)
        try ensure(runsTable, create: createRuns(quoted), schema: schema, in: db)
        try db.query("INSERT INTO \(quoted).\"_etl_runs\" (run_id, stream, table_name, mode, status, rows_read, "
            + "rows_written, rows_rejected, started_at, finished_at, error, record_json) "
            + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (run_id, table_name) DO UPDATE SET "
            + "stream = EXCLUDED.stream, mode = EXCLUDED.mode, status = EXCLUDED.status, rows_read = EXCLUDED.rows_read, "
            + "rows_written = EXCLUDED.rows_written, rows_rejected = EXCLUDED.rows_rejected, "
            + "started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at, error = EXCLUDED.error, "
            + "record_json = EXCLUDED.record_json",
            [text("run_id") ?? request.runID, text("stream"), table, text("mode") ?? request.mode.description,
             text("status"), integer("rows_read"), integer("rows_written"), integer("rows_rejected"),
             time("started_at"), time("finished_at"), text("error"), json],
            "table \"\(table)\": writing the run record to \(runsTable)")
    }

    /// Creates a bookkeeping table if it is missing. Two loads creating it
    /// at once would collide, so the creation waits on a transaction-level
    /// advisory lock on the schema (taken only when the table is missing).
    private static func ensure(_ name: String, create: String, schema: String,
                               in db: PGConnection) throws(PostgresError) {
        guard try !TableCatalog.tableExists(name, schema: schema, in: db) else { return }
        try lockCreation(in: schema, db: db)
        try db.execute(create, "creating \(name) in schema \"\(schema)\"")
    }

    /// Waits for other loads creating objects in `schema` to commit: a
    /// transaction-level advisory lock, released at commit or rollback.
    static func lockCreation(in schema: String, db: PGConnection) throws(PostgresError) {
        try db.query("SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext($1))", ["etl-host:" + schema],
                     "waiting for other loads creating tables in schema \"\(schema)\"")
    }

    /// The state stored under `key`, or `nil`.
    static func state(key: String, schema: String, in db: PGConnection) throws(PostgresError) -> String? {
        guard try TableCatalog.tableExists(stateTable, schema: schema, in: db) else { return nil }
        return try db.query("SELECT state_json FROM \(PGName.quoted(schema)).\"_etl_state\" WHERE state_key = $1",
                            [key], "reading the state of key \"\(key)\" from \(stateTable)").scalar
    }

    /// The schema JSON stored for `table`, or `nil`.
    static func schema(table: String, schema: String, in db: PGConnection) throws(PostgresError) -> String? {
        guard try TableCatalog.tableExists(schemasTable, schema: schema, in: db) else { return nil }
        return try db.query("SELECT schema_json FROM \(PGName.quoted(schema)).\"_etl_schemas\" WHERE table_name = $1",
                            [table], "reading the schema of table \"\(table)\" from \(schemasTable)").scalar
    }
}

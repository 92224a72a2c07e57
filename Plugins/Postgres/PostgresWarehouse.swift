import CPostgres
import ETLPluginKit
import ETLPostgresShared

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The PostgreSQL warehouse: tables in one schema of a PostgreSQL
/// database (and of the engines that speak its protocol), loaded with
/// binary COPY in replace, append or upsert mode, with the extractor
/// state, run records and schemas committed in the same transaction as
/// the data.
///
/// One instance holds one connection and loads one table at a time (a
/// second begin before the first load ends is refused); separate instances
/// load in parallel (`parallel_streams`). A connection lost between
/// operations (the server restarted, the network dropped) is replaced by
/// a new one at the next operation, so that the host's retry of a failed
/// load works; a load whose connection is lost fails (retryable) and is
/// rolled back by the server. See README.md for
/// the type mapping, the guarantees of each mode and the locks they take.
final class PostgresWarehouse: Warehouse {
    static let info = PluginInfo(
        name: "postgres", version: "0.1.0",
        description: "PostgreSQL database (libpq): binary COPY, replace (atomic swap), append and upsert, with "
            + "state in the same transaction",
        configSchema: PostgresConfig.schema,
        capabilities: [.modeReplace, .modeAppend, .modeUpsert, .transactionalState, .parallelStreams, .deletions,
                       .sqlExecute, .sqlQuery, .history])

    private let config: PostgresConfig
    private let host: HostContext
    private let db: PGConnection
    /// PostgreSQL's longest identifier, in bytes (63 unless the server was
    /// built with another NAMEDATALEN).
    private let identifierLimit: Int
    /// The table being loaded, if any.
    private var loading: String?
    /// Numbers staging and temporary tables within this instance.
    private var sequence = 0
    /// Makes this instance's staging names differ from other processes'.
    private let instanceTag = UInt32.random(in: 0 ... .max)

    init(config: PluginConfig, host: HostContext) throws {
        do {
            self.config = try PostgresConfig(config)
            self.host = host
            // Names in execute/query resolve in the configured schema first.
            db = try PGConnection(parameters: self.config.connectionParameters,
                                  settings: [("search_path", PGName.quoted(self.config.schema) + ", public")],
                                  redactor: SecretRedactor(url: self.config.url), host: host)
            identifierLimit = Int(try db.execute("SHOW max_identifier_length", "reading max_identifier_length")
                .scalar ?? "63") ?? 63
            try PGName.check(self.config.schema, what: "config \"schema\"", limit: identifierLimit)
            host.log(.debug, "connected to \(db.server) (server \(db.serverVersion))")
        } catch {
            throw PostgresError.wrapping(error).pluginError
        }
    }

    /// Checks that the server answers and that the schema can be used:
    /// it exists and the user may create tables in it, or it is missing
    /// and the user may create it.
    func check() throws {
        do {
            try db.reading { () throws(PostgresError) in try checkSchema() }
        } catch {
            throw PostgresError.wrapping(error).pluginError
        }
    }

    /// The queries of ``check()``.
    private func checkSchema() throws(PostgresError) {
        let schema = config.schema
        let rows = try db.query("""
            SELECT pg_catalog.has_schema_privilege(n.oid, 'CREATE')
            FROM pg_catalog.pg_namespace n WHERE n.nspname = $1
            """, [schema], "checking schema \"\(schema)\" on \(db.server)")
        if let allowed = rows.scalar {
            guard allowed == "t" else {
                throw PostgresError(.permissionDenied, "user cannot create tables in schema \"\(schema)\" on "
                    + "\(db.server); GRANT CREATE ON SCHEMA \(PGName.quoted(schema)) to it, or choose another "
                    + "schema")
            }
        } else {
            let database = try db.query("SELECT pg_catalog.has_database_privilege(pg_catalog.current_database(), "
                + "'CREATE')", [], "checking database privileges on \(db.server)")
            guard database.scalar == "t" else {
                throw PostgresError(.permissionDenied, "schema \"\(schema)\" does not exist on \(db.server) and "
                    + "the user may not create it; create it, or GRANT CREATE ON DATABASE to the user")
            }
        }
    }

    func begin(_ request: TableRequest) throws -> any TableWriter {
        if let loading {
            throw PostgresError.invalidArgument("table \"\(request.table)\": this instance is still loading table "
                + "\"\(loading)\"; commit or roll it back first (one load per instance at a time)").pluginError
        }
        sequence += 1
        do {
            let writer = try PostgresTableWriter.begin(
                request, db: db, host: host, config: config, identifierLimit: identifierLimit,
                stagingName: PGName.staging(tag: instanceTag, sequence: sequence),
                temporaryName: PGName.temporary(tag: instanceTag, sequence: sequence),
                onEnd: { [weak self] in self?.loading = nil })
            loading = request.table
            return writer
        } catch {
            throw error.pluginError
        }
    }

    func stateGet(key: String) throws -> String? {
        do {
            return try db.reading { () throws(PostgresError) in
                try Bookkeeping.state(key: key, schema: config.schema, in: db)
            }
        } catch {
            throw error.pluginError
        }
    }

    func schemaGet(table: String) throws -> String? {
        do {
            return try db.reading { () throws(PostgresError) in
                try Bookkeeping.schema(table: table, schema: config.schema, in: db)
            }
        } catch {
            throw error.pluginError
        }
    }

    func tableSchema(name: String) throws -> ArrowBatchSchema? {
        do {
            let found = try db.reading { () throws(PostgresError) in
                try TableCatalog.read(name, schema: config.schema, in: db)
            }
            guard let info = found else { return nil }
            return ArrowBatchSchema(info.columns.map(\.arrowField))
        } catch {
            throw error.pluginError
        }
    }

    /// Runs one statement in its own transaction (see ``PGExecution``). The
    /// kit refuses it while a load of this instance is open.
    func execute(sql: String) throws -> Int64? {
        do {
            return try PGExecution.run(sql, on: db)
        } catch {
            throw error.pluginError
        }
    }

    /// Runs one read-only query, read through a cursor in batches of 1024
    /// rows from one snapshot (see ``PGQuerySource``, and ``QueryColumn``
    /// for the column types).
    func query(sql: String) throws -> any BatchSource {
        do {
            return try PGQuerySource(sql: sql, db: db)
        } catch {
            throw error.pluginError
        }
    }

    /// Asks the server to stop the running statement; the load then fails
    /// with `ETL_ERR_CANCELLED` and is rolled back.
    func cancel() {
        db.cancel()
    }
}

import ETLPluginKit
import ETLPostgresShared
import ETLPostgresShared

/// The PostgreSQL warehouse's configuration, checked and with defaults
/// applied.
struct PostgresConfig {
    /// A `postgresql://` URI or a libpq `key=value` string; `nil`: libpq's
    /// environment variables and defaults decide.
    let url: String?
    /// The schema tables load into (created if missing).
    let schema: String
    /// `application_name` for the session, when given (otherwise the URL's
    /// or `etl-host`).
    let applicationName: String?
    /// Seconds to wait for the connection, when given.
    let connectTimeoutSeconds: Int64?
    /// The connection keys, read as the extractor reads them.
    private let connection: PGConnectOptions
    /// How long a load waits for a table lock before failing with a
    /// retryable error; 0 waits as long as it takes.
    let lockTimeoutMilliseconds: Int64

    /// Every key the config accepts (the schema says the same).
    static let keys: Set<String> = ["url", "schema", "application_name", "connect_timeout", "lock_timeout_ms"]

    /// The schema used when the config names none.
    static let defaultSchema = "public"

    /// The JSON Schema of the config, published in the descriptor.
    static let schema = #"""
    {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "url": {
          "type": "string",
          "x-secret": true,
          "description": "The server, as a URI (postgresql://user:password@host:5432/database?sslmode=require) or a libpq key=value string. Left out, libpq's environment decides: PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD, PGSERVICE and ~/.pgpass. Secret: it may hold a password, which is never printed."
        },
        "schema": {
          "type": "string",
          "default": "public",
          "description": "The schema the tables load into, and the plugin's _etl_state, _etl_runs and _etl_schemas tables with them; created if missing."
        },
        "application_name": {
          "type": "string",
          "description": "The application_name the session reports (pg_stat_activity); default: the one in url, else etl-host."
        },
        "connect_timeout": {
          "type": "integer",
          "minimum": 1,
          "description": "Seconds to wait for the connection before failing with a retryable error; default: the one in url or PGCONNECT_TIMEOUT, else no limit."
        },
        "lock_timeout_ms": {
          "type": "integer",
          "minimum": 0,
          "default": 0,
          "description": "How long a load waits, in milliseconds, for a table lock held by another session (a replace waits for the readers of the old table) before failing with a retryable error; 0 waits as long as it takes."
        }
      }
    }
    """#

    /// Reads and checks a config.
    init(_ config: PluginConfig) throws(PostgresError) {
        do {
            try config.rejectUnknownKeys(allowed: Self.keys)
        } catch {
            throw PostgresError.wrapping(error)
        }
        let connection = try PGConnectOptions(config)
        self.connection = connection
        url = connection.url
        applicationName = connection.applicationName
        connectTimeoutSeconds = connection.connectTimeoutSeconds
        do {
            schema = try config.string("schema") ?? Self.defaultSchema
            lockTimeoutMilliseconds = try config.integer("lock_timeout_ms") ?? 0
        } catch {
            throw PostgresError.wrapping(error)
        }
        guard !schema.isEmpty else {
            throw PostgresError.invalidArgument("config \"schema\" is empty; give a schema such as \"public\", "
                + "or leave the key out for that default")
        }
        guard lockTimeoutMilliseconds >= 0, lockTimeoutMilliseconds <= Int64(Int32.max) else {
            throw PostgresError.invalidArgument("config \"lock_timeout_ms\" must be between 0 and \(Int32.max)")
        }
    }

    /// The libpq connection keywords (``PGConnectOptions``, shared with
    /// the extractor).
    var connectionParameters: [(String, String)] { connection.connectionParameters }
}

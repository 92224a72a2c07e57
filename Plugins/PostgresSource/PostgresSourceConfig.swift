import ETLPluginKit
import ETLPostgresShared

/// The PostgreSQL extractor's configuration, checked and with defaults
/// applied.
struct PostgresSourceConfig {
    /// `url`, `application_name`, `connect_timeout`, read as the warehouse
    /// reads them.
    let connection: PGConnectOptions
    /// The schemas whose tables and views are streams (when neither
    /// ``tables`` nor ``queries`` is given).
    let schemas: [String]
    /// Only these tables or views (`name` or `schema.name`), when given.
    let tables: [String]?
    /// Streams defined by a query each: stream name -> `SELECT ...`.
    let queries: [(stream: String, sql: String)]
    /// Stream name -> the column an incremental read advances on.
    let cursors: [String: String]
    /// Stream name -> key columns, for streams without a primary key in
    /// the catalog (queries, views) or to override it.
    let keys: [String: [String]]
    /// Rows per batch handed to the host.
    let batchRows: Int

    /// Rows per batch unless the config says otherwise.
    static let defaultBatchRows = 65_536

    /// Every key the config accepts (the schema says the same).
    static let keys: Set<String> = PGConnectOptions.keys.union(["schemas", "tables", "queries", "cursor", "keys",
                                                                 "batch_rows"])

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
        "application_name": {
          "type": "string",
          "description": "The application_name the session reports (pg_stat_activity); default: the one in url, else etl-host."
        },
        "connect_timeout": {
          "type": "integer",
          "minimum": 1,
          "description": "Seconds to wait for the connection before failing with a retryable error; default: the one in url or PGCONNECT_TIMEOUT, else no limit."
        },
        "schemas": {
          "type": "array",
          "items": {"type": "string"},
          "default": ["public"],
          "description": "The schemas whose tables, views and materialized views are streams. With one schema a stream is named after the table (orders); with several, schema.table (sales.orders)."
        },
        "tables": {
          "type": "array",
          "items": {"type": "string"},
          "description": "Only these tables or views, as name (looked up in schemas) or schema.name; the stream name is as written."
        },
        "queries": {
          "type": "object",
          "additionalProperties": {"type": "string"},
          "description": "Streams defined by a SELECT each: {\"big_orders\": \"SELECT * FROM orders WHERE total > 100\"}. Given alone, only these streams are read; with tables, both."
        },
        "cursor": {
          "type": "object",
          "additionalProperties": {"type": "string"},
          "description": "Incremental streams: stream name -> the column the read advances on ({\"orders\": \"updated_at\"}). Each run reads the rows after the last (cursor, key) read, ordered by cursor then key; rows whose cursor is NULL are not read. The stream needs a key (the primary key, or keys)."
        },
        "keys": {
          "type": "object",
          "additionalProperties": {"type": "array", "items": {"type": "string"}},
          "description": "Key columns per stream, for query streams and views (which have no primary key in the catalog) or to override the primary key: {\"big_orders\": [\"id\"]}."
        },
        "batch_rows": {
          "type": "integer",
          "default": 65536,
          "description": "Rows per batch handed to the host (1 to 1048576)."
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
        connection = try PGConnectOptions(config)
        schemas = try Self.strings(config["schemas"], key: "schemas") ?? ["public"]
        guard !schemas.isEmpty, !schemas.contains("") else {
            throw PostgresError.invalidArgument("config \"schemas\" must list at least one schema name, such as [\"public\"]")
        }
        tables = try Self.strings(config["tables"], key: "tables")
        queries = try Self.stringObject(config["queries"], key: "queries").sorted { $0.key < $1.key }
            .map { (stream: $0.key, sql: $0.value) }
        cursors = try Self.stringObject(config["cursor"], key: "cursor")
        var keys: [String: [String]] = [:]
        if let value = config["keys"] {
            guard let object = value.objectValue else { throw Self.mismatch("keys", "an object of column lists") }
            for (stream, columns) in object {
                guard let names = columns.stringArrayValue, !names.isEmpty else {
                    throw Self.mismatch("keys.\(stream)", "a non-empty list of column names")
                }
                keys[stream] = names
            }
        }
        self.keys = keys
        let rows: Int64
        do {
            rows = try config.integer("batch_rows") ?? Int64(Self.defaultBatchRows)
        } catch {
            throw PostgresError.wrapping(error)
        }
        guard (1...1 << 20).contains(rows) else {
            throw PostgresError.invalidArgument("config \"batch_rows\" is \(rows); use 1 to 1048576")
        }
        batchRows = Int(rows)
    }

    private static func strings(_ value: JSONValue?, key: String) throws(PostgresError) -> [String]? {
        guard let value else { return nil }
        guard let strings = value.stringArrayValue else { throw mismatch(key, "a list of names") }
        return strings
    }

    private static func stringObject(_ value: JSONValue?, key: String) throws(PostgresError) -> [String: String] {
        guard let value else { return [:] }
        guard let object = value.objectValue else { throw mismatch(key, "an object of stream name -> text") }
        var result: [String: String] = [:]
        for (name, entry) in object {
            guard let text = entry.stringValue, !text.isEmpty else { throw mismatch("\(key).\(name)", "a non-empty string") }
            result[name] = text
        }
        return result
    }

    private static func mismatch(_ key: String, _ expected: String) -> PostgresError {
        PostgresError.invalidArgument("config \"\(key)\" must be \(expected)")
    }
}

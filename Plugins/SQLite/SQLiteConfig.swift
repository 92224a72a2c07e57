import ETLPluginKit

/// The SQLite warehouse's configuration, checked and with defaults applied.
struct SQLiteConfig {
    /// The database file, relative to the current folder or absolute.
    let path: String
    /// How long to wait for another connection's lock before failing with a
    /// retryable error.
    let busyTimeoutMilliseconds: Int32

    /// Every key the config accepts (the schema says the same).
    static let keys: Set<String> = ["path", "busy_timeout_ms"]

    /// The database file used when the config names none.
    static let defaultPath = "warehouse.db"

    /// The JSON Schema of the config, published in the descriptor.
    static let schema = #"""
    {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "path": {
          "type": "string",
          "default": "warehouse.db",
          "description": "The SQLite database file, relative to the current folder or absolute. It is created by the first load if missing (its folder must exist) and switched to WAL mode, so readers keep reading while a load runs."
        },
        "busy_timeout_ms": {
          "type": "integer",
          "minimum": 0,
          "default": 5000,
          "description": "How long to wait, in milliseconds, when another process holds the database's write lock, before failing with a retryable error."
        }
      }
    }
    """#

    /// Reads and checks a config.
    init(_ config: PluginConfig) throws(PluginError) {
        try config.rejectUnknownKeys(allowed: Self.keys)
        path = try config.string("path") ?? Self.defaultPath
        guard !path.isEmpty else {
            throw PluginError.invalidArgument("config \"path\" is empty; give a database file such as "
                + "\"warehouse.db\", or leave the key out for that default")
        }
        let timeout = try config.integer("busy_timeout_ms") ?? 5000
        guard timeout >= 0, timeout <= Int64(Int32.max) else {
            throw PluginError.invalidArgument("config \"busy_timeout_ms\" must be between 0 and \(Int32.max)")
        }
        busyTimeoutMilliseconds = Int32(timeout)
    }
}

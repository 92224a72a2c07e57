import CPostgres
import Foundation

/// Reads and changes a PostgreSQL database directly (not through
/// etl-host), for assertions; and the test server's URL.
///
/// Tests that need PostgreSQL call ``serverURL()``: it fails (never skips)
/// when `ETL_TEST_POSTGRES_URL` is not set. `scripts/test` starts the
/// server and sets it; by hand:
///
/// ```sh
/// scripts/postgres-server start
/// eval "$(scripts/postgres-server env)"
/// swift test --filter Postgres
/// ```
///
/// Each test works in its own schema (``uniqueSchema(_:)``), so tests run
/// in parallel.
public final class PostgresInspector: @unchecked Sendable {
    private let connection: OpaquePointer
    private let lock = NSLock()

    /// The test server's URL, from `ETL_TEST_POSTGRES_URL`.
    ///
    /// - Throws: ``TestFailure`` saying how to start the server when the
    ///   variable is not set.
    public static func serverURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["ETL_TEST_POSTGRES_URL"], !url.isEmpty else {
            throw TestFailure("ETL_TEST_POSTGRES_URL is not set: these tests need a PostgreSQL server. Start one with "
                + "`scripts/postgres-server start` and run `eval \"$(scripts/postgres-server env)\"` before "
                + "`swift test` (scripts/test does both)")
        }
        return url
    }

    /// A new schema name, unique to this process and call: `t_<label>_<random>`.
    public static func uniqueSchema(_ label: String) -> String {
        "t_\(label)_\(getpid())_\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Connects to `url` (the test server by default).
    public init(url: String? = nil) throws {
        let target = try url ?? Self.serverURL()
        guard let connection = PQconnectdb(target) else { throw TestFailure("PQconnectdb: out of memory") }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(connection))
            PQfinish(connection)
            throw TestFailure("cannot connect to the test PostgreSQL server: \(message)")
        }
        self.connection = connection
        _ = try rows("SET TimeZone = 'UTC'; SET extra_float_digits = 1; SET client_min_messages = warning")
    }

    deinit { PQfinish(connection) }

    /// Runs `sql` (one or more statements) and returns the rows of the
    /// last, as text cells (nil for NULL).
    @discardableResult
    public func rows(_ sql: String) throws -> [[String?]] {
        try lock.withLock {
            guard let result = PQexec(connection, sql) else {
                throw TestFailure("\(sql): \(String(cString: PQerrorMessage(connection)))")
            }
            defer { PQclear(result) }
            let status = PQresultStatus(result)
            guard status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK else {
                throw TestFailure("\(sql): \(String(cString: PQresultErrorMessage(result)))")
            }
            return (0 ..< PQntuples(result)).map { row in
                (0 ..< PQnfields(result)).map { column in
                    PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
                }
            }
        }
    }

    /// Runs statements that return nothing.
    public func execute(_ sql: String) throws { try rows(sql) }

    /// The first column of the first row.
    public func scalar(_ sql: String) throws -> String? { try rows(sql).first?.first ?? nil }

    /// `name type` of each column of `schema.table`, as `format_type` prints it.
    public func columns(_ table: String, schema: String) throws -> [String] {
        try rows("""
            SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
            WHERE a.attrelid = (\(Self.literal(Self.qualified(schema, table))))::regclass AND a.attnum > 0
              AND NOT a.attisdropped ORDER BY a.attnum
            """).map { $0[0] ?? "" }
    }

    /// The names of the tables of `schema`, sorted.
    public func tables(schema: String) throws -> [String] {
        try rows("SELECT tablename FROM pg_tables WHERE schemaname = \(Self.literal(schema)) ORDER BY 1").map { $0[0]! }
    }

    /// Every table of `schema` with its columns, indexes and rows (as text,
    /// sorted), as one text: equal dumps mean equal content.
    public func dump(schema: String) throws -> String {
        var text = ""
        for table in try tables(schema: schema) {
            let qualified = Self.qualified(schema, table)
            text += "\(table): \(try columns(table, schema: schema).joined(separator: ", "))\n"
            for index in try rows("SELECT indexdef FROM pg_indexes WHERE schemaname = \(Self.literal(schema)) "
                + "AND tablename = \(Self.literal(table)) ORDER BY indexname") {
                text += "  \(index[0] ?? "")\n"
            }
            for row in try rows("SELECT t::text FROM \(qualified) t ORDER BY 1") {
                text += "  \(row[0] ?? "NULL")\n"
            }
        }
        return text
    }

    /// Drops `schema` and everything in it (retrying while another
    /// session holds a lock; a failure is reported on standard error).
    public func dropSchema(_ schema: String) {
        for attempt in 1 ... 3 {
            do {
                try rows("SET lock_timeout = '10s'; DROP SCHEMA IF EXISTS \(Self.quoted(schema)) CASCADE")
                return
            } catch {
                if attempt == 3 { FileHandle.standardError.write(Data("could not drop test schema: \(error)\n".utf8)) }
            }
        }
    }

    /// `name` as a quoted identifier.
    public static func quoted(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `"schema"."name"`.
    public static func qualified(_ schema: String, _ name: String) -> String {
        quoted(schema) + "." + quoted(name)
    }

    /// `text` as a string literal.
    public static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }
}

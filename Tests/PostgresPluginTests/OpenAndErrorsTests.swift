import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

@Suite("PostgreSQL warehouse: descriptor, connecting, errors and misuse")
struct OpenAndErrorsTests {
    func open(_ config: String) throws -> PluginInstance {
        try PluginInstance(plugin: try PostgresPlugin.load(), configJSON: config, logSink: CollectingLogSink())
    }

    /// The test server's URL with `user:password@` put in.
    func url(user: String, password: String) throws -> String {
        try PostgresInspector.serverURL().replacingOccurrences(of: "postgres@", with: "\(user):\(password)@")
    }

    @Test("the descriptor: a warehouse with every write mode, transactional state, parallel streams and SQL; url is a secret")
    func descriptor() throws {
        let plugin = try PostgresPlugin.load()
        #expect(plugin.descriptor.name == "postgres")
        #expect(plugin.descriptor.kind == .warehouse)
        #expect(plugin.descriptor.capabilities == ["parallel_streams", "replace", "append", "upsert", "transactional_state", "deletions",
                                                  "sql_execute", "sql_query", "history"])
        let schema = try JSONSerialization.jsonObject(with: Data(plugin.descriptor.configSchema.utf8)) as? [String: Any]
        #expect(schema?["additionalProperties"] as? Bool == false)
        let properties = schema?["properties"] as? [String: [String: Any]]
        #expect(properties?.keys.sorted() == ["application_name", "connect_timeout", "lock_timeout_ms", "schema", "url"])
        #expect(properties?["url"]?["x-secret"] as? Bool == true)
        #expect(properties?["schema"]?["default"] as? String == "public")
    }

    @Test("an unknown config key is refused with the valid keys")
    func unknownKey() throws {
        #expect(hostError { _ = try open(#"{"host": "x"}"#) }?.message
            == "plugin 'postgres': open failed: unknown config key \"host\"; valid keys are \"application_name\", "
            + "\"connect_timeout\", \"lock_timeout_ms\", \"schema\", \"url\" [ETL_ERR_INVALID_ARGUMENT (2)]")
    }

    @Test("check passes against the test server; application_name reaches the server")
    func checkAndApplicationName() throws {
        let warehouse = try TestWarehouse("check", extraConfig: #", "application_name": "etl-test-app""#)
        try warehouse.instance.check()
        #expect(try warehouse.rows("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'etl-test-app'")
            == [["1"]])
    }

    @Test("a server that does not answer: a retryable I/O error naming host, port, database and user")
    func unreachable() throws {
        let failure = hostError {
            _ = try open(#"{"url": "postgresql://someone:hunter2-secret@127.0.0.1:1/nowhere", "connect_timeout": 2}"#)
        }
        #expect(failure?.message.hasPrefix("plugin 'postgres': open failed: connecting to 127.0.0.1:1, "
            + "database \"nowhere\", user \"someone\" failed: connection to server at \"127.0.0.1\", port 1 failed: "
            + "Connection refused") == true, "\(failure?.message ?? "")")
        #expect(failure?.pluginStatus == 4)
        #expect(failure?.retryable == true)
        #expect(failure?.message.contains("hunter2") == false)
    }

    @Test("a wrong password: unauthenticated, and the password appears nowhere")
    func wrongPassword() throws {
        let secret = "wrong-Pa55%3Aword"
        let failure = hostError { _ = try open(#"{"url": "\#(try url(user: "etl_secret", password: secret))"}"#) }
        #expect(failure?.pluginStatus == 5, "\(failure?.message ?? "")")
        #expect(failure?.message.contains("password authentication failed for user \"etl_secret\"") == true)
        #expect(failure?.message.contains("wrong-Pa55") == false)
        #expect(failure?.message.contains("wrong-Pa55:word") == false)
        // The right one works.
        let schema = PostgresInspector.uniqueSchema("password")
        let instance = try open(#"{"url": "\#(try url(user: "etl_secret", password: "etl-secret-password"))", "schema": "\#(schema)"}"#)
        defer {
            instance.close()
            try? PostgresInspector().dropSchema(schema)
        }
        let writer = try instance.begin(table: "t", schema: ArrowBatchSchema([ArrowField("x", .int64)]), mode: .append,
                                        runID: "r")
        try writer.write(try makeBatch([ArrowField("x", .int64)], [[.int(1)]]))
        try writer.commit()
    }

    @Test("a database that does not exist: not found")
    func missingDatabase() throws {
        let base = try PostgresInspector.serverURL()
        let missing = String(base[..<base.lastIndex(of: "/")!]) + "/no_such_database"
        let failure = hostError { _ = try open(#"{"url": "\#(missing)"}"#) }
        #expect(failure?.pluginStatus == 3, "\(failure?.message ?? "")")
        #expect(failure?.message.contains("database \"no_such_database\" does not exist") == true)
    }

    @Test("no privilege on the schema: permission denied (SQLSTATE 42501)")
    func permissionDenied() throws {
        let warehouse = try TestWarehouse("denied")
        try warehouse.load("t", [ArrowField("x", .int64)], [[[.int(1)]]])
        try warehouse.db.execute("REVOKE ALL ON SCHEMA \(PostgresInspector.quoted(warehouse.schema)) FROM PUBLIC")
        let instance = try open(#"{"url": "\#(try url(user: "etl_secret", password: "etl-secret-password"))", "schema": "\#(warehouse.schema)"}"#)
        defer { instance.close() }
        let check = hostError { try instance.check() }
        #expect(check?.pluginStatus == 6, "\(check?.message ?? "")")
        let failure = hostError {
            let writer = try instance.begin(table: "t", schema: ArrowBatchSchema([ArrowField("x", .int64)]), mode: .append,
                                            runID: "r")
            try writer.write(try makeBatch([ArrowField("x", .int64)], [[.int(2)]]))
        }
        #expect(failure?.message.contains("permission denied for schema \(warehouse.schema) (SQLSTATE 42501)") == true,
                "\(failure?.message ?? "")")
        #expect(failure?.pluginStatus == 6)
        #expect(failure?.sqlstate == "42501")  // ABI 1.2's error detail, not parsed from the message
    }

    @Test("a connection the server dropped: the load in flight fails retryably and changes nothing; the next load reconnects")
    func lostConnection() throws {
        let name = "etl-lost-\(getpid())-\(UUID().uuidString.prefix(8))"
        let warehouse = try TestWarehouse("lost", extraConfig: #", "application_name": "\#(name)""#)
        let fields = [ArrowField("x", .int64)]
        try warehouse.load("t", fields, [[[.int(1)]]])
        // With a timeout, pg_terminate_backend returns once the process has exited (a state, not a guess of time).
        let terminate = "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE application_name = '\(name)'"

        let writer = try warehouse.instance.begin(table: "t", schema: ArrowBatchSchema(fields), mode: .append, runID: "r")
        try writer.write(try makeBatch(fields, [[.int(2)]]))
        #expect(try warehouse.db.rows(terminate) == [["t"]])
        let failure = hostError { try writer.commit() }
        #expect(failure?.pluginStatus == 4, "\(failure?.message ?? "")")
        #expect(failure?.retryable == true, "\(failure?.message ?? "")")
        writer.rollback()
        #expect(try warehouse.rows("SELECT x FROM \(warehouse.qualified("t"))") == [["1"]])

        try warehouse.load("t", fields, [[[.int(3)]]], mode: .append)
        // Dropped while idle: noticed at the next begin, which reconnects.
        #expect(try warehouse.db.rows(terminate) == [["t"]])
        #expect(try warehouse.db.rows("SELECT pid FROM pg_stat_activity WHERE application_name = '\(name)'").isEmpty)
        try warehouse.load("t", fields, [[[.int(4)]]], mode: .append)
        #expect(try warehouse.rows("SELECT x FROM \(warehouse.qualified("t")) ORDER BY x") == [["1"], ["3"], ["4"]])
        #expect(warehouse.logs.messages.contains { $0.hasPrefix("info: the connection to ")
            && $0.hasSuffix("; opening a new connection") })
    }

    @Test("one load per instance at a time; the next begins once it ends")
    func oneLoadAtATime() throws {
        let warehouse = try TestWarehouse("oneload")
        let schema = ArrowBatchSchema([ArrowField("x", .int64)])
        let first = try warehouse.instance.begin(table: "a", schema: schema, mode: .append, runID: "r")
        #expect(hostError { _ = try warehouse.instance.begin(table: "b", schema: schema, mode: .append, runID: "r") }?
            .message == "plugin 'postgres': begin append of table 'b' failed: table \"b\": this instance is "
            + "still loading table \"a\"; commit or roll it back first (one load per instance at a time) "
            + "[ETL_ERR_INVALID_ARGUMENT (2)]")
        first.rollback()
        try warehouse.instance.begin(table: "b", schema: schema, mode: .append, runID: "r").commit()
        #expect(try warehouse.tables() == ["b"])
    }

    @Test("names the warehouse reserves, duplicate columns and tables without columns are refused")
    func refusedNames() throws {
        let warehouse = try TestWarehouse("refusednames")
        func begin(_ table: String, _ columns: [String]) -> String? {
            hostError {
                _ = try warehouse.instance.begin(table: table, schema: ArrowBatchSchema(columns.map { ArrowField($0, .int64) }),
                                                 mode: .replace, runID: "r")
            }?.message
        }
        #expect(begin("_etl_state", ["x"]) == "plugin 'postgres': begin replace of table '_etl_state' failed: "
            + "table \"_etl_state\": names beginning with \"_etl_\" are reserved for the warehouse's own tables "
            + "(_etl_state, _etl_runs, _etl_schemas, _etl_rejects, staging) [ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(begin("t", []) == "plugin 'postgres': begin replace of table 't' failed: table \"t\": the "
            + "schema has no columns; the plugin does not create tables without columns [ETL_ERR_INVALID_ARGUMENT (2)]")
        // Quoted names are case-sensitive in PostgreSQL: two columns.
        #expect(begin("t", ["Name", "NAME", "name"]) == nil)
    }

    @Test("cancel stops a statement waiting on a lock: ETL_ERR_CANCELLED with SQLSTATE 57014, and nothing changed")
    func cancel() throws {
        let warehouse = try TestWarehouse("cancel")
        let fields = [ArrowField("x", .int64)]
        try warehouse.load("t", fields, [[[.int(1)]]])
        let before = try warehouse.dump()
        let locker = try PostgresInspector()
        try locker.execute("BEGIN; LOCK TABLE \(warehouse.qualified("t")) IN ACCESS EXCLUSIVE MODE")
        let instance = warehouse.instance
        // Cancel once the load's statement waits for the lock: the server says so in pg_locks
        // (checked by the server every 10 ms, for at most a minute).
        let table = warehouse.qualified("t")
        DispatchQueue.global().async {
            _ = try? PostgresInspector().execute("""
                DO $$ BEGIN FOR i IN 1..6000 LOOP
                  EXIT WHEN EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted AND relation = '\(table)'::regclass);
                  PERFORM pg_sleep(0.01);
                END LOOP; END $$
                """)
            instance.cancel()
        }
        let started = Date()
        let failure = hostError { try warehouse.load("t", fields, [[[.int(2)]]], mode: .append) }
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(failure?.pluginStatus == 7, "\(failure?.message ?? "")")
        #expect(failure?.message.contains("SQLSTATE 57014") == true, "\(failure?.message ?? "")")
        #expect(failure?.sqlstate == "57014")
        try locker.execute("ROLLBACK")
        #expect(try warehouse.dump() == before)
    }

    @Test("a lock held longer than lock_timeout_ms fails the load with a retryable error")
    func lockTimeout() throws {
        let warehouse = try TestWarehouse("locktimeout", extraConfig: #", "lock_timeout_ms": 200"#)
        let fields = [ArrowField("x", .int64)]
        try warehouse.load("t", fields, [[[.int(1)]]])
        let reader = try PostgresInspector()
        try reader.execute("BEGIN; SELECT count(*) FROM \(warehouse.qualified("t"))")
        let failure = hostError { try warehouse.load("t", fields, [[[.int(2)]]]) }
        #expect(failure?.message.contains("canceling statement due to lock timeout (SQLSTATE 55P03)") == true,
                "\(failure?.message ?? "")")
        #expect(failure?.retryable == true)
        #expect(failure?.sqlstate == "55P03")
        try reader.execute("ROLLBACK")
        try warehouse.load("t", fields, [[[.int(2)]]])
    }
}

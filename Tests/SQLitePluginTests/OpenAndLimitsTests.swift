import CSQLite
import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

@Suite("SQLite warehouse: descriptor, opening and misuse")
struct OpenAndLimitsTests {
    func open(_ config: String) throws -> PluginInstance {
        try PluginInstance(plugin: try SQLitePlugin.load(), configJSON: config, logSink: CollectingLogSink())
    }

    @Test("the descriptor: a warehouse with every write mode and transactional state")
    func descriptor() throws {
        let plugin = try SQLitePlugin.load()
        #expect(plugin.descriptor.name == "sqlite")
        #expect(plugin.descriptor.kind == .warehouse)
        #expect(plugin.descriptor.capabilities == ["parallel_streams", "replace", "append", "upsert", "transactional_state", "deletions", "sql_execute", "sql_query", "history"])
        let schema = try JSONSerialization.jsonObject(with: Data(plugin.descriptor.configSchema.utf8)) as? [String: Any]
        #expect(schema?["additionalProperties"] as? Bool == false)
        let properties = schema?["properties"] as? [String: [String: Any]]
        #expect(properties?.keys.sorted() == ["busy_timeout_ms", "path"])
        #expect(properties?["path"]?["default"] as? String == "warehouse.db")
        #expect(properties?["busy_timeout_ms"]?["default"] as? Int == 5000)
    }

    @Test("opening and check create nothing; the first begin creates the database file, in WAL mode")
    func createsTheFileAtTheFirstBegin() throws {
        let folder = try TestSupport.temporaryDirectory("sqlite-open")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let instance = try open(#"{"path": "\#(folder)/new.db", "busy_timeout_ms": 100}"#)
        try instance.check()
        #expect(try instance.stateGet(key: "csv/t") == nil)
        #expect(try instance.schemaGet(table: "t") == nil)
        #expect(try instance.tableSchema(name: "t") == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == [])
        try instance.begin(table: "t", schema: ArrowBatchSchema([ArrowField("x", .int64)]), mode: .replace, runID: "r")
            .commit()
        #expect(try TestDatabase(folder + "/new.db").scalar("PRAGMA journal_mode") == .text("wal"))
        #expect(try TestDatabase(folder + "/new.db").tables() == ["t"])
    }

    @Test("a file another instance creates after this one opened is read by it")
    func aFileCreatedLaterIsRead() throws {
        let folder = try TestSupport.temporaryDirectory("sqlite-open")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let config = #"{"path": "\#(folder)/w.db"}"#
        let reader = try open(config)
        let writer = try open(config)
        try writer.begin(table: "t", schema: ArrowBatchSchema([ArrowField("x", .int64)]), mode: .replace, runID: "r")
            .commit(schemaJSON: #"{"columns":[]}"#)
        #expect(try reader.schemaGet(table: "t") == #"{"columns":[]}"#)
        #expect(try reader.tableSchema(name: "t") == ArrowBatchSchema([ArrowField("x", .int64)]))
    }

    @Test("an unknown config key is refused with the valid keys")
    func unknownKey() throws {
        #expect(hostError { _ = try open(#"{"file": "x.db"}"#) }?.message
            == "plugin 'sqlite': open failed: unknown config key \"file\"; valid keys are \"busy_timeout_ms\", \"path\" "
            + "[ETL_ERR_INVALID_ARGUMENT (2)]")
    }

    @Test("a path in a missing folder is an error naming the path and the reason")
    func missingFolder() throws {
        let failure = hostError { _ = try open(#"{"path": "/nonexistent-etl-folder/w.db"}"#) }
        #expect(failure?.message == "plugin 'sqlite': open failed: database \"/nonexistent-etl-folder/w.db\" "
            + "cannot be created: the folder \"/nonexistent-etl-folder\" does not exist; create it first (the "
            + "database file itself is created by the first load) [ETL_ERR_NOT_FOUND (3)]")
    }

    @Test("a file that is not a SQLite database is an error naming the path")
    func notADatabase() throws {
        let folder = try TestSupport.temporaryDirectory("sqlite-open")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/notes.db"
        try Data(String(repeating: "these are not the pages you are looking for\n", count: 100).utf8)
            .write(to: URL(fileURLWithPath: path))
        #expect(hostError { _ = try open(#"{"path": "\#(path)"}"#) }?.message
            == "plugin 'sqlite': open failed: opening database \"\(path)\" failed: file is not a database "
            + "(SQLITE_NOTADB) [ETL_ERR_IO (4)]")
    }

    @Test("a database another process is writing makes begin fail with a retryable error")
    func busy() throws {
        let folder = try TestSupport.temporaryDirectory("sqlite-busy")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let instance = try open(#"{"path": "\#(folder)/w.db", "busy_timeout_ms": 50}"#)
        let other = try TestDatabase(folder + "/w.db", creating: true)
        try other.execute("BEGIN IMMEDIATE")
        let failure = hostError {
            _ = try instance.begin(table: "t", schema: ArrowBatchSchema([ArrowField("x", .int64)]), mode: .replace,
                                   runID: "r")
        }
        #expect(failure?.message == "plugin 'sqlite': begin replace of table 't' failed: table \"t\": "
            + "starting the load transaction (BEGIN IMMEDIATE) failed: database is locked (SQLITE_BUSY) [ETL_ERR_IO (4)]")
        #expect(failure?.retryable == true)
        try other.execute("ROLLBACK")
        // Nothing was left half-begun: the next load works.
        let writer = try instance.begin(table: "t", schema: ArrowBatchSchema([ArrowField("x", .int64)]), mode: .replace,
                                        runID: "r")
        try writer.commit()
    }

    @Test("a read-only database file is refused at open (not as root: permissions do not bind root)",
          .enabled(if: getuid() != 0))
    func readOnly() throws {
        let folder = try TestSupport.temporaryDirectory("sqlite-ro")
        defer {
            chmod(folder + "/ro.db", 0o644)
            try? FileManager.default.removeItem(atPath: folder)
        }
        try TestDatabase(folder + "/ro.db").execute("CREATE TABLE t (x)")
        chmod(folder + "/ro.db", 0o444)
        #expect(hostError { _ = try open(#"{"path": "\#(folder)/ro.db"}"#) }?.pluginStatus == 6)
    }

    @Test("one load per instance at a time; the next begins once it ends")
    func oneLoadAtATime() throws {
        let warehouse = try TestWarehouse()
        let schema = ArrowBatchSchema([ArrowField("x", .int64)])
        let first = try warehouse.instance.begin(table: "a", schema: schema, mode: .append, runID: "r")
        #expect(hostError { _ = try warehouse.instance.begin(table: "b", schema: schema, mode: .append, runID: "r") }?
            .message == "plugin 'sqlite': begin append of table 'b' failed: table \"b\": this instance is "
            + "still loading table \"a\"; commit or roll it back first (one load per instance at a time) "
            + "[ETL_ERR_INVALID_ARGUMENT (2)]")
        first.rollback()
        try warehouse.instance.begin(table: "b", schema: schema, mode: .append, runID: "r").commit()
        #expect(try warehouse.database().tables() == ["b"])
    }

    @Test("names SQLite or the warehouse reserve, and columns SQLite would confuse, are refused")
    func refusedNames() throws {
        let warehouse = try TestWarehouse()
        func begin(_ table: String, _ columns: [String]) -> String? {
            hostError {
                _ = try warehouse.instance.begin(table: table, schema: ArrowBatchSchema(columns.map { ArrowField($0, .int64) }),
                                                 mode: .replace, runID: "r")
            }?.message
        }
        #expect(begin("_ETL_state", ["x"]) == "plugin 'sqlite': begin replace of table '_ETL_state' failed: "
            + "table \"_ETL_state\": names beginning with \"_etl_\" are reserved for the warehouse's own tables "
            + "(_etl_state, _etl_runs, _etl_schemas, _etl_rejects, staging) [ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(begin("sqlite_x", ["x"]) == "plugin 'sqlite': begin replace of table 'sqlite_x' failed: "
            + "table \"sqlite_x\": names beginning with \"sqlite_\" are reserved by SQLite [ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(begin("t", ["Name", "NAME"]) == "plugin 'sqlite': begin replace of table 't' failed: "
            + "table \"t\": columns \"Name\" and \"NAME\" are the same column in SQLite (names differ only in ASCII "
            + "case); rename one [ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(begin("t", []) == "plugin 'sqlite': begin replace of table 't' failed: table \"t\": the "
            + "schema has no columns; a SQLite table needs at least one [ETL_ERR_INVALID_ARGUMENT (2)]")
        try warehouse.database().execute("CREATE VIEW v AS SELECT 1 AS x")
        #expect(begin("V", ["x"]) == "plugin 'sqlite': begin replace of table 'V' failed: \"V\" is a view, "
            + "not a table; choose another table name or drop the view [ETL_ERR_INVALID_ARGUMENT (2)]")
        // Non-ASCII letters are distinct in SQLite, so these are two columns.
        #expect(begin("t", ["é", "É"]) == nil)
    }
}

@Suite("SQLite warehouse: a database file nothing was committed to")
struct UnusedFileTests {
    static let schema = ArrowBatchSchema([ArrowField("x", .int64)])

    func open(_ path: String) throws -> PluginInstance {
        try PluginInstance(plugin: try SQLitePlugin.load(), configJSON: #"{"path": "\#(path)"}"#, logSink: CollectingLogSink())
    }

    @Test("a file the instance created for a load that rolled back is removed when the instance closes")
    func removedAfterARollback() throws {
        let folder = try TestSupport.temporaryDirectory("sqlite-unused")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let instance = try open(folder + "/new.db")
        try instance.begin(table: "t", schema: Self.schema, mode: .replace, runID: "r").rollback()
        #expect(FileManager.default.fileExists(atPath: folder + "/new.db"))
        instance.close()
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == [])
    }

    @Test("a file with a committed table, or one another connection has open, is kept (and stays in WAL mode)")
    func keptWhenUsed() throws {
        let folder = try TestSupport.temporaryDirectory("sqlite-unused")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let committed = try open(folder + "/a.db")
        try committed.begin(table: "t", schema: Self.schema, mode: .replace, runID: "r").rollback()
        try committed.begin(table: "t", schema: Self.schema, mode: .replace, runID: "r").commit()
        committed.close()
        #expect(try TestDatabase(folder + "/a.db").tables() == ["t"])

        let creator = try open(folder + "/b.db")
        try creator.begin(table: "t", schema: Self.schema, mode: .replace, runID: "r").rollback()
        let other = try open(folder + "/b.db")
        #expect(try other.tableSchema(name: "t") == nil)
        creator.close()
        #expect(FileManager.default.fileExists(atPath: folder + "/b.db"))
        try other.begin(table: "u", schema: Self.schema, mode: .replace, runID: "r").commit()
        other.close()
        #expect(try TestDatabase(folder + "/b.db").tables() == ["u"])
        #expect(try TestDatabase(folder + "/b.db").scalar("PRAGMA journal_mode") == .text("wal"))
    }
}

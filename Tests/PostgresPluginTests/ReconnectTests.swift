import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

/// A connection the server drops (a restart, a terminated backend) is
/// replaced by a new one at the next operation, so that the host's retry
/// of a failed load can succeed; the log says so.
@Suite("PostgreSQL warehouse: reconnecting after a lost connection")
struct ReconnectTests {
    static let fields = [ArrowField("x", .int64)]

    /// A warehouse whose connection carries a unique application_name, so
    /// that the test can find and terminate its server process.
    final class Dropped {
        let warehouse: TestWarehouse
        let name = "etl-reconnect-\(getpid())-\(UUID().uuidString.prefix(8))"

        init(_ label: String) throws {
            warehouse = try TestWarehouse(label, extraConfig: #", "application_name": "\#(name)""#)
        }

        /// The server process of the plugin's connection.
        func serverProcess() throws -> String? {
            try warehouse.db.scalar("SELECT pid FROM pg_stat_activity WHERE application_name = '\(name)'")
        }

        /// Terminates the plugin's server process and waits until it has
        /// exited (`pg_terminate_backend` with a timeout waits for that
        /// state itself: no polling, no guess of time).
        func terminate() throws {
            #expect(try warehouse.db.rows("SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE "
                + "application_name = '\(name)'") == [["t"]])
            #expect(try serverProcess() == nil)
        }

        /// The log lines of reconnections: the lost one, the new one.
        var reconnections: [String] {
            warehouse.logs.messages.filter { $0.contains("opening a new connection") || $0.contains("opened a new connection") }
        }
    }

    @Test("after a load lost its connection, the reads a retry starts with open a new connection (and say so)")
    func readsAfterALostLoadReconnect() throws {
        let dropped = try Dropped("reconnect")
        let warehouse = dropped.warehouse
        try warehouse.load("t", Self.fields, [[[.int(1)]]], stateKey: "csv/t", stateJSON: #"{"line":1}"#,
                           schemaJSON: #"{"v":1}"#)
        let oldProcess = try #require(try dropped.serverProcess())

        let writer = try warehouse.instance.begin(table: "t", schema: ArrowBatchSchema(Self.fields), mode: .append,
                                                  runID: "r2")
        try writer.write(try makeBatch(Self.fields, [[.int(2)]]))
        try dropped.terminate()
        let failure = hostError { try writer.commit() }
        #expect(failure?.kind == .operationFailed && failure?.pluginStatus == 4 && failure?.retryable == true,
                "\(failure?.message ?? "")")
        writer.rollback()

        // What SyncRunner's retry calls first: schema_get (and state_get for
        // --incremental). Before the fix they failed with "no connection to
        // the server" on every retry.
        #expect(try warehouse.instance.schemaGet(table: "t") == #"{"v":1}"#)
        #expect(try warehouse.instance.stateGet(key: "csv/t") == #"{"line":1}"#)
        let newProcess = try #require(try dropped.serverProcess())
        #expect(newProcess != oldProcess)
        let server = "127.0.0.1:\(URLComponents(string: try PostgresInspector.serverURL())!.port!), database "
            + "\"etl_test\", user \"postgres\""
        #expect(dropped.reconnections.count == 2, "\(dropped.reconnections)")
        #expect(dropped.reconnections.first?.hasPrefix("info: the connection to \(server) was lost (") == true,
                "\(dropped.reconnections)")
        #expect(dropped.reconnections.first?.hasSuffix("); opening a new connection") == true)
        #expect(dropped.reconnections.last == "info: opened a new connection to \(server) (server process "
            + "\(newProcess))")

        try warehouse.load("t", Self.fields, [[[.int(3)]]], mode: .append)
        #expect(try warehouse.rows("SELECT x FROM \(warehouse.qualified("t")) ORDER BY x") == [["1"], ["3"]])
    }

    @Test("a connection dropped while idle is found lost by the next read, which reconnects and reads again")
    func aReadFindsTheIdleConnectionLost() throws {
        let dropped = try Dropped("reconnectidle")
        let warehouse = dropped.warehouse
        try warehouse.load("t", Self.fields, [[[.int(1)]]], stateKey: "csv/t", stateJSON: #"{"line":1}"#)
        try dropped.terminate()
        #expect(try warehouse.instance.stateGet(key: "csv/t") == #"{"line":1}"#)
        #expect(dropped.reconnections.count == 2, "\(dropped.reconnections)")
        #expect(dropped.reconnections.first?.contains("terminating connection due to administrator command") == true,
                "\(dropped.reconnections)")

        try dropped.terminate()
        #expect(try warehouse.instance.tableSchema(name: "t") == ArrowBatchSchema(Self.fields))
        try dropped.terminate()
        try warehouse.instance.check()
        #expect(dropped.reconnections.count == 6, "\(dropped.reconnections)")
    }
}

import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// The `postgres` extractor after a lost connection: its backend is terminated
/// (`pg_terminate_backend`) at a crash point of the run (`ETL_CRASH_AT` with
/// `ETL_CRASH_COMMAND`, which runs the command there and goes on), and the next read
/// reconnects instead of failing again on the dead connection.
@Suite struct PostgresSourceReconnectTests {
    typealias Source = PostgresSourceTests.Source

    /// A shell command that terminates every backend whose application_name is `name` and
    /// waits (up to 10 s) until they are gone; `before` runs first, on its own connection.
    static func terminate(_ source: Source, applicationName name: String, before: String = "") -> String {
        let sql = "\(before)SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE application_name = '\(name)'"
        return "psql -X \(shellQuoted(source.url)) -q -v ON_ERROR_STOP=1 -c \(shellQuoted(sql))"
    }

    /// `text` as one word for `/bin/sh`.
    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }

    @Test func aStreamWhoseBackendIsTerminatedMidReadIsRetriedAndLoadsEveryRowOnce() throws {
        let source = try Source("reconnect-copy")
        // 300,000 rows of ~100 bytes: far more than the socket buffers hold, so the server is still
        // sending the COPY when its backend is terminated after the first batch.
        let rows = 300_000
        try source.db.execute("""
            CREATE TABLE \(source.table("big")) (id bigint PRIMARY KEY, pad text NOT NULL);
            INSERT INTO \(source.table("big")) SELECT g, repeat('x', 90) || g FROM generate_series(1, \(rows)) g;
            """)
        let application = "etl_reconnect_\(UInt32.random(in: 0 ... .max))"
        let result = try source.run([
            "sync", "postgres", "sqlite", "-s", "url=\(source.url)", "-s", "schemas=\(source.schema)",
            "-s", "application_name=\(application)", "-s", "batch_rows=1000", "-d", "path=out.db", "--log-level", "info",
        ], environment: ["ETL_CRASH_AT": "batch-read", "ETL_CRASH_COMMAND": Self.terminate(source, applicationName: application)])
        #expect(result.status == 0, "\(result.stderr)")
        // The first attempt failed on the terminated backend and the host retried the stream ...
        #expect(result.stderr.contains("(COPY) failed: server closed the connection unexpectedly"), "\(result.stderr)")
        #expect(result.stderr.contains("; retry 1 of 2 in "), "\(result.stderr)")
        // ... whose read reopened the connection rather than failing again on the dead one.
        #expect(result.stderr.contains("opening a new connection"), "\(result.stderr)")
        let out = try source.sqlite()
        #expect(try out.rows("SELECT count(*), count(DISTINCT id), min(id), max(id), sum(id) FROM big")
            == [["\(rows)", "\(rows)", "1", "\(rows)", "\(rows * (rows + 1) / 2)"]])
        #expect(try out.rows("SELECT pad FROM big WHERE id = 123456") == [[String(repeating: "x", count: 90) + "123456"]])
    }

    @Test func aConnectionLostBetweenStreamsIsReopenedForTheNextInANewSnapshot() throws {
        let source = try Source("reconnect-idle")
        try source.db.execute("""
            CREATE TABLE \(source.table("a_first")) (id integer PRIMARY KEY);
            CREATE TABLE \(source.table("b_second")) (id integer PRIMARY KEY);
            INSERT INTO \(source.table("a_first")) VALUES (1), (2);
            INSERT INTO \(source.table("b_second")) VALUES (1), (2);
            """)
        let application = "etl_reconnect_\(UInt32.random(in: 0 ... .max))"
        // Right after the first stream's commit: a row is added to the second table, then the
        // extractor's backend (idle in its snapshot) is terminated.
        let command = Self.terminate(source, applicationName: application,
                                     before: "INSERT INTO \(source.table("b_second")) VALUES (3); ")
        let result = try source.run([
            "sync", "postgres", "sqlite", "-s", "url=\(source.url)", "-s", "schemas=\(source.schema)",
            "-s", "application_name=\(application)", "-d", "path=out.db",
        ], environment: ["ETL_CRASH_AT": "committed", "ETL_CRASH_COMMAND": command])
        #expect(result.status == 0, "\(result.stderr)")
        let out = try source.sqlite()
        #expect(try out.rows("SELECT id FROM a_first ORDER BY id") == [["1"], ["2"]])
        // The old snapshot died with its connection: the second stream is read as of after the insert,
        // and the log says that it saw a later moment than the first.
        #expect(try out.rows("SELECT id FROM b_second ORDER BY id") == [["1"], ["2"], ["3"]])
        #expect(result.stderr.contains(#"stream "b_second" is read in a new snapshot after the connection was lost: it "#
            + #"sees the database as of now, later than the stream read before in this run ("a_first")"#), "\(result.stderr)")
    }
}

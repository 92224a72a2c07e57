import ETLTestSupport
import Foundation
import Testing

/// Plugin configs from ETL_SOURCE / ETL_DESTINATION and their
/// `__<KEY>` variables, the project's `.env` file, the precedence
/// flags > environment > .env > --config file, and secrets from the
/// environment never printed or recorded.
@Suite struct EnvironmentConfigTests {
    @Test func environmentOnlyConfigurationGivesTheSameWarehouseAsFlags() throws {
        let sandbox = try CLISandbox("env-only")
        try sandbox.write(ConnectionURISyncTests.orders, to: "orders.csv")
        let flags = try sandbox.etlHost(["sync", "csv", "sqlite", "-s", "path=orders.csv", "-d", "path=flags.db", "--quiet"])
        #expect(flags.status == 0, "\(flags.stderr)")
        let environment = try sandbox.etlHost(["sync", "--quiet"], environment: [
            "ETL_SOURCE": "csv", "ETL_SOURCE__PATH": "orders.csv", "ETL_DESTINATION": "sqlite", "ETL_DESTINATION__PATH": "env.db",
        ])
        #expect(environment.status == 0, "\(environment.stderr)")
        #expect(environment.stderr == "")
        #expect(try sandbox.warehouseContent("env.db") == sandbox.warehouseContent("flags.db"))
        // A URI in ETL_SOURCE / ETL_DESTINATION works too.
        let uris = try sandbox.etlHost(["sync", "--quiet"], environment: ["ETL_SOURCE": "csv://orders.csv", "ETL_DESTINATION": "sqlite://uri.db"])
        #expect(uris.status == 0, "\(uris.stderr)")
        #expect(try sandbox.warehouseContent("uri.db") == sandbox.warehouseContent("flags.db"))
    }

    @Test func dotEnvFillsWhatTheEnvironmentLeavesAndFlagsWinOverBoth() throws {
        let sandbox = try CLISandbox("env-dotenv")
        try sandbox.write(ConnectionURISyncTests.orders, to: "orders.csv")
        try sandbox.write("a;b\n1;2\n", to: "semi.csv")
        try sandbox.write("""
            # the project's settings
            ETL_SOURCE=csv
            ETL_SOURCE__PATH=orders.csv
            export ETL_DESTINATION=sqlite
            ETL_DESTINATION__PATH="dotenv.db"

            """, to: ".env")
        let dotEnv = try sandbox.etlHost(["sync", "--quiet"])
        #expect(dotEnv.status == 0, "\(dotEnv.stderr)")
        #expect(try SQLiteInspector(path: sandbox.root + "/dotenv.db").rows("SELECT count(*) FROM orders") == [["3"]])

        // A variable set in the environment wins over .env.
        let environment = try sandbox.etlHost(["sync", "--quiet"], environment: ["ETL_DESTINATION__PATH": "env.db"])
        #expect(environment.status == 0, "\(environment.stderr)")
        #expect(FileManager.default.fileExists(atPath: sandbox.root + "/env.db"))

        // Flags win over the environment: the argument, -s and -d.
        let flags = try sandbox.etlHost(["sync", "csv", "sqlite", "-s", "path=semi.csv", "-s", "delimiter=;", "-d", "path=flags.db", "--quiet"],
                                        environment: ["ETL_DESTINATION__PATH": "env2.db"])
        #expect(flags.status == 0, "\(flags.stderr)")
        #expect(try SQLiteInspector(path: sandbox.root + "/flags.db").rows("SELECT a, b FROM semi") == [["1", "2"]])
        #expect(!FileManager.default.fileExists(atPath: sandbox.root + "/env2.db"))
    }

    @Test func theEnvironmentWinsOverAConfigFile() throws {
        let sandbox = try CLISandbox("env-config-file")
        try sandbox.write(ConnectionURISyncTests.orders, to: "orders.csv")
        try sandbox.write(#"{"extractor": "csv", "warehouse": "sqlite", "source": {"path": "orders.csv"}, "destination": {"path": "file.db"}}"#,
                          to: "sync.json")
        let result = try sandbox.etlHost(["sync", "--config", "sync.json", "--quiet"], environment: ["ETL_DESTINATION__PATH": "env.db"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: sandbox.root + "/env.db"))
        #expect(!FileManager.default.fileExists(atPath: sandbox.root + "/file.db"))
    }

    @Test func aMalformedDotEnvIsExit64NamingTheLine() throws {
        let sandbox = try CLISandbox("env-bad-dotenv")
        try sandbox.write("ETL_SOURCE=csv\nnot a setting\n", to: ".env")
        let result = try sandbox.etlHost(["sync", "--quiet"])
        #expect(result.status == 64)
        #expect(result.stderr == "etl-host: error: .env:2:1: expected KEY=VALUE, found 'not a setting'\n")
    }

    @Test func aSecretFromTheEnvironmentIsNeverPrintedNorRecorded() throws {
        let sandbox = try CLISandbox("env-secret")
        try sandbox.write(ConnectionURISyncTests.orders, to: "orders.csv")
        // Nothing listens on port 1: the connection fails, and its error is printed and recorded.
        let secret = "s3cret-Passw0rd"
        let result = try sandbox.etlHost(["sync", "csv", "--json", "--max-attempts", "1"], environment: [
            "ETL_SOURCE__PATH": "orders.csv", "ETL_DESTINATION": "postgres",
            "ETL_DESTINATION__URL": "postgresql://etl:\(secret)@127.0.0.1:1/db?connect_timeout=2",
        ])
        #expect(result.status != 0)
        #expect(result.stdout.contains("\"status\":\"failed\""), "\(result.stdout)")
        #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret), "\(result.stdout)\n\(result.stderr)")
        let stateFiles = FileManager.default.enumerator(atPath: sandbox.state)?.compactMap { $0 as? String } ?? []
        #expect(stateFiles.contains { $0.hasSuffix("run.json") })
        for file in stateFiles {
            let text = String(decoding: FileManager.default.contents(atPath: sandbox.state + "/" + file) ?? Data(), as: UTF8.self)
            #expect(!text.contains(secret), "\(file)")
        }
    }
}

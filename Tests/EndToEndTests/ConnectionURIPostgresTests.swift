import ETLTestSupport
import Foundation
import Testing

/// PostgreSQL connection URIs against the real server: the warehouse
/// (`?schema=` as a key, libpq's parameters kept in `url`, the password
/// never printed) and the extractor (`?schemas=`), each giving what the
/// -s/-d form gives.
@Suite struct ConnectionURIPostgresTests {
    @Test func warehouseAndExtractorURIsGiveWhatTheKeysGive() throws {
        let sandbox = try CLISandbox("uri-postgres")
        try sandbox.write(ConnectionURISyncTests.orders, to: "orders.csv")
        let url = try PostgresInspector.serverURL()
        let db = try PostgresInspector(url: url)
        let (keysSchema, uriSchema) = (PostgresInspector.uniqueSchema("urik"), PostgresInspector.uniqueSchema("uriu"))
        defer { db.dropSchema(keysSchema); db.dropSchema(uriSchema) }

        let keys = try sandbox.etlHost(["sync", "csv", "postgres", "-s", "path=orders.csv", "-d", "url=\(url)", "-d", "schema=\(keysSchema)", "--quiet"])
        #expect(keys.status == 0, "\(keys.stderr)")
        // A password in the URI (the test server trusts loopback, so any password connects) is never printed.
        let withPassword = url.replacingOccurrences(of: "postgres@", with: "postgres:pw-Hidden42@")
        #expect(withPassword != url)
        let separator = withPassword.contains("?") ? "&" : "?"
        let uri = try sandbox.etlHost(["sync", "csv://orders.csv", withPassword + separator + "connect_timeout=10&schema=\(uriSchema)"])
        #expect(uri.status == 0, "\(uri.stderr)")
        #expect(!uri.stdout.contains("pw-Hidden42") && !uri.stderr.contains("pw-Hidden42"))
        let shown = url.replacingOccurrences(of: "postgres@", with: "postgres:***@") + separator + "connect_timeout=10&schema=\(uriSchema)"
        #expect(uri.stdout.hasSuffix("loaded into \(shown) table orders (3 rows)\n"), "\(uri.stdout)")
        func content(_ schema: String) throws -> [String] {
            try db.columns("orders", schema: schema) + db.rows("SELECT t::text FROM \(PostgresInspector.qualified(schema, "orders")) t ORDER BY 1").map { $0[0] ?? "NULL" }
        }
        #expect(try content(uriSchema) == content(keysSchema))
        #expect(try content(keysSchema).count == 6)

        // The extractor: ?schemas= is a key, the rest stays the URL.
        let fromKeys = try sandbox.etlHost(["sync", "postgres", "sqlite", "-s", "url=\(url)", "-s", "schemas=\(keysSchema)", "-d", "path=keys.db", "--quiet"])
        #expect(fromKeys.status == 0, "\(fromKeys.stderr)")
        let fromURI = try sandbox.etlHost(["sync", url + separator + "schemas=\(keysSchema)", "sqlite://uri.db", "--quiet"])
        #expect(fromURI.status == 0, "\(fromURI.stderr)")
        #expect(try sandbox.warehouseContent("uri.db") == sandbox.warehouseContent("keys.db"))
        #expect(try SQLiteInspector(path: sandbox.root + "/uri.db").rows("SELECT count(*) FROM orders") == [["3"]])
    }

    @Test func aSecretFromTheEnvironmentIsRecordedAsAReferenceThatReplayReadsAgain() throws {
        let sandbox = try CLISandbox("env-secret-replay")
        try sandbox.write(ConnectionURISyncTests.orders, to: "orders.csv")
        let url = try PostgresInspector.serverURL().replacingOccurrences(of: "postgres@", with: "postgres:pw-Hidden42@")
        let db = try PostgresInspector(url: try PostgresInspector.serverURL())
        let schema = PostgresInspector.uniqueSchema("envref")
        defer { db.dropSchema(schema) }
        let environment = ["ETL_DESTINATION": "postgres", "ETL_DESTINATION__URL": url, "ETL_DESTINATION__SCHEMA": schema]
        let sync = try sandbox.etlHost(["sync", "csv", "-s", "path=orders.csv", "--json"], environment: environment)
        #expect(sync.status == 0, "\(sync.stderr)")
        let runs = try sandbox.etlHost(["runs", "--json"])
        #expect(!runs.stdout.contains("pw-Hidden42"))
        let record = try #require((try JSONSerialization.jsonObject(with: Data(runs.stdout.utf8)) as? [[String: Any]])?.first)
        #expect(record["destination_config"] as? [String: String] == ["url": "@env:ETL_DESTINATION__URL", "schema": schema])
        let id = try #require(record["id"] as? String)

        // Without the variable, replay names it; with it (here from the folder's .env), replay loads.
        let missing = try sandbox.etlHost(["replay", id, "--quiet"])
        #expect(missing.status == 64)
        #expect(missing.stderr == "etl-host: error: postgres: config key 'url' comes from the environment variable ETL_DESTINATION__URL, which is not set\n")
        try sandbox.write("ETL_DESTINATION__URL=\(url)\n", to: ".env")
        let replay = try sandbox.etlHost(["replay", id, "--quiet"])
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(try db.scalar("SELECT count(*) FROM \(PostgresInspector.qualified(schema, "orders"))") == "3")
    }
}

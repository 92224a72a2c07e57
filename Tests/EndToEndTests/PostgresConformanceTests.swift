import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// `etl-host plugins test postgres`: the bundled PostgreSQL warehouse
/// passes every check of the conformance suite against the test server
/// (`scripts/postgres-server`), in a schema of its own.
@Suite struct PostgresConformanceTests {
    @Test func theBundledPostgresWarehousePassesEveryCheck() throws {
        let sandbox = try HostSandbox("conformance-postgres")
        let schema = PostgresInspector.uniqueSchema("conformance")
        let url = try PostgresInspector.serverURL()
        let db = try PostgresInspector(url: url)
        defer { db.dropSchema(schema) }
        let result = try sandbox.etlHost("plugins", "test", "postgres", "--kind", "warehouse", "-c", "url=\(url)", "-c", "schema=\(schema)")
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(!result.stdout.contains("FAIL  "), "\(result.stdout)")
        #expect(result.stdout.contains("\n13 checks: 13 passed, 0 failed, 0 skipped\n"), "\(result.stdout)")
        let tables = try db.tables(schema: schema).filter { $0.hasPrefix("etl_conformance_") }
        #expect(tables.count == 6, "\(tables)")  // one per check that commits a table
    }
}

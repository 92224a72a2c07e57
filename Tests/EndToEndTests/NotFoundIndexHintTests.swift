import ETLTestSupport
import Foundation
import Testing

/// A lookup that misses a plugin, with plugin indexes configured: the
/// error ends with `plugins search NAME` and `plugins install NAME` (after
/// the hints it had before); without an index it does not.
@Suite struct NotFoundIndexHintTests {
    static let bundled = TestSupport.repositoryRoot + "/registry.json"
    static let missing = "etl-host: error: no plugin named 'erp' in \(bundled); available: airtable, csv, jsonl, "
        + "postgres, rest, sqlite (install one with `etl-host plugins install PATH`)"

    @Test func anIndexFromTheEnvironmentIsNamedWithTheSearchCommand() throws {
        let sandbox = try HostSandbox("notfound-index-env")
        let index = sandbox.root + "/index.json"
        let sync = try sandbox.etlHost("sync", "erp", "sqlite", environment: ["ETL_PLUGIN_INDEX": index])
        #expect(sync.status == 1)
        #expect(sync.stderr == Self.missing + "; `etl-host plugins search erp` looks for it in the plugin indexes (\(index)); "
            + "`etl-host plugins install erp` installs it from there\n")
    }

    @Test func theProjectsIndexFileCountsAndNoIndexMeansNoHint() throws {
        let sandbox = try HostSandbox("notfound-index-project")
        let plain = try sandbox.etlHost("plugins", "info", "erp", environment: ["ETL_PLUGIN_INDEX": ""])
        #expect(plain.status == 1)
        #expect(plain.stderr == Self.missing + "\n")

        try Data(#"{"indexes": ["https://example.org/etl/index.json"]}"#.utf8).write(to: URL(fileURLWithPath: sandbox.root + "/etl-index.json"))
        let info = try sandbox.etlHost("plugins", "info", "erp", environment: ["ETL_PLUGIN_INDEX": ""])
        #expect(info.status == 1)
        #expect(info.stderr == Self.missing + "; `etl-host plugins search erp` looks for it in the plugin indexes "
            + "(https://example.org/etl/index.json); `etl-host plugins install erp` installs it from there\n")
    }
}

import ETLTestSupport
import Foundation
import Testing

/// `@env:` inside nested config (an `auth` object, a resource's params) through the binary: the
/// value is resolved, and a failing run shows it nowhere (stderr, `--json`, run record, log).
@Suite struct RestNestedSecretTests {
    static let token = "tok-31c8-nested-bearer-secret"
    static let key = "key-4242-nested-param-secret"

    @Test func aBearerTokenFromTheEnvironmentInsideAnAuthObject() throws {
        let server = try RestServer(routes: [["path": "/items", "require": ["Authorization": "Bearer \(Self.token)"],
                                              "responses": [["json": items(1, 2)]]]])
        let sync = try RestSync("rest-nested-bearer")
        let result = try sync.run(itemsConfig(server, extra: ["auth": ["type": "bearer", "token": "@env:API_TOKEN"]]),
                                  environment: ["API_TOKEN": Self.token])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try sync.rows("SELECT id, name FROM items ORDER BY id") == itemRows(1, 2))
    }

    @Test func aNestedSecretInAFailingRunsMessageIsScrubbedEverywhere() throws {
        // The resource's query parameter comes from the environment; the URL in the error shows it
        // unless the host scrubs it.
        let server = try RestServer(routes: [["path": "/items", "responses": [["status": 404]]]])
        let sync = try RestSync("rest-nested-scrub")
        let state = sync.sandbox.root + "/state"
        var config = itemsConfig(server)
        config["resources"] = [["name": "items", "path": "/items", "params": ["access_key": "@env:ITEMS_KEY"]]]
        let result = try sync.run(config, extra: ["--json"], environment: ["ITEMS_KEY": Self.key, "ETL_STATE_DIR": state])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(try server.log().first?.parameter("access_key") == Self.key)
        #expect(result.stderr.contains("GET \(server.url)/items?access_key=***: not found (HTTP 404)"), "\(result.stderr)")
        #expect(result.stdout.contains("access_key=***"), "\(result.stdout)")
        #expect(!result.stderr.contains(Self.key) && !result.stdout.contains(Self.key))
        let files = try #require(FileManager.default.subpaths(atPath: state))
        #expect(files.contains { $0.hasSuffix(".json") && $0.contains("runs") }, "\(files)")
        for file in files {
            guard let data = FileManager.default.contents(atPath: state + "/" + file) else { continue }
            #expect(!String(decoding: data, as: UTF8.self).contains(Self.key), "\(file)")
        }
        // The text summary (no --json) prints the same scrubbed error.
        let text = try sync.run(config, environment: ["ITEMS_KEY": Self.key, "ETL_STATE_DIR": state])
        #expect(text.status == 1, "\(text.stderr)")
        #expect(text.stderr.contains("etl-host: error: plugin 'rest': stream 'items': resource \"items\": GET "
            + "\(server.url)/items?access_key=***: not found (HTTP 404)"), "\(text.stderr)")
        #expect(!text.stderr.contains(Self.key) && !text.stdout.contains(Self.key))
        // The run record keeps the reference, so that the run can be replayed.
        let recorded = files.compactMap { FileManager.default.contents(atPath: state + "/" + $0) }
            .map { String(decoding: $0, as: UTF8.self) }
        #expect(recorded.contains { $0.contains("@env:ITEMS_KEY") })
    }
}

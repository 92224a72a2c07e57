import ETLTestSupport
import Foundation
import Testing

/// The `rest` extractor used the other ways: a POST with a JSON body paged by a cursor in
/// the body, `-s` settings alone, a pipeline step, and the types the host infers (or the
/// hints give).
@Suite struct RestUsageTests {
    @Test func aPostBodyCarriesTheCursor() throws {
        let server = try RestServer(routes: [
            ["method": "POST", "path": "/search", "body": ["kind": "click"],
             "responses": [["json": ["hits": items(1, 2), "next": "c2"]]]],
            ["method": "POST", "path": "/search", "body": ["kind": "click", "after": "c2"],
             "responses": [["json": ["hits": items(3, 1)]]]],
        ])
        let sync = try RestSync("rest-post")
        let result = try sync.run([
            "base_url": server.url,
            "resources": [["name": "items", "path": "/search", "method": "POST", "body": ["kind": "click"],
                           "records": "hits", "paginator": ["type": "cursor", "path": "next", "param": "after", "in": "body"]]],
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try sync.rows("SELECT id, name FROM items ORDER BY id") == itemRows(1, 3))
        #expect(try server.log().map(\.method) == ["POST", "POST"])
    }

    @Test func settingsOnTheCommandLineAlone() throws {
        let server = try RestServer(routes: [
            ["path": "/items", "query": ["offset": "0"], "responses": [["json": items(1, 2)]]],
            ["path": "/items", "query": ["offset": "2"], "responses": [["json": [Any]()]]],
        ])
        let sync = try RestSync("rest-settings")
        let result = try TestSupport.run(TestSupport.hostExecutable, [
            "sync", "rest", "sqlite", "-s", "base_url=\(server.url)",
            "-s", #"resources=[{"name": "items", "path": "/items"}]"#,
            "-s", #"paginator={"type": "offset", "limit": 2}"#,
        ], environment: sync.sandbox.environment, currentDirectory: sync.sandbox.root)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try sync.rows("SELECT id, name FROM items ORDER BY id") == itemRows(1, 2))
    }

    @Test func aPipelineStepWithTypesInferredAndHinted() throws {
        let server = try RestServer(routes: [
            ["path": "/users", "require": ["Authorization": "Bearer tok-pipeline-1234"], "responses": [["json": ["data": [
                ["id": 1, "active": true, "score": 1.5, "joined": "2024-03-01", "seen": "2024-03-01T10:00:00Z",
                 "zip": "01234", "tags": ["a", "b"]],
                ["id": 2, "active": false, "score": 2, "joined": "2024-03-02", "seen": "2024-03-02T11:30:00Z",
                 "zip": "99999", "tags": [Any]()],
            ]]]]],
        ])
        let sandbox = try HostSandbox("rest-pipeline")
        let yaml = """
            name: api
            connections:
              api:
                plugin: rest
                base_url: "\(server.url)"
                auth: bearer
                token: "@env:API_TOKEN"
                resources:
                  - {name: users, path: /users, records: data, primary_key: id, types: {joined: string}}
              dwh: {plugin: sqlite, path: dwh.db}
            steps:
              raw_users:
                sync: {from: api, to: dwh, mode: upsert}
            """
        try FileManager.default.createDirectory(atPath: sandbox.root + "/project", withIntermediateDirectories: true)
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: sandbox.root + "/project/etl.yaml"))
        let result = try TestSupport.run(TestSupport.hostExecutable, ["run", "-f", "project/etl.yaml"],
                                         environment: sandbox.environment.merging([
                                             "API_TOKEN": "tok-pipeline-1234", "ETL_STATE_DIR": sandbox.root + "/state"]) { $1 },
                                         currentDirectory: sandbox.root)
        #expect(result.status == 0, "\(result.stderr)")
        let db = try SQLiteInspector(path: sandbox.root + "/project/dwh.db")
        // Inferred as for JSON Lines; "joined" would be DATE_TEXT without its hint.
        #expect(try db.rows("SELECT name, type FROM pragma_table_info('users') ORDER BY name") == [
            ["active", "BOOLEAN"], ["id", "INTEGER"], ["joined", "TEXT"], ["score", "REAL"], ["seen", "TIMESTAMP_TEXT"],
            ["tags", "JSON_TEXT"], ["zip", "TEXT"],
        ])
        #expect(try db.rows("SELECT id, active, score, joined, seen, zip, tags FROM users ORDER BY id") == [
            ["1", "1", "1.5", "2024-03-01", "2024-03-01T10:00:00.000000Z", "01234", #"["a", "b"]"#],
            ["2", "0", "2.0", "2024-03-02", "2024-03-02T11:30:00.000000Z", "99999", "[]"],
        ])
    }

    @Test func theConformanceSuitePasses() throws {
        let server = try RestServer(routes: [
            ["path": "/items", "responses": [["json": [["id": 1, "when": "2024-01-01"], ["id": 2, "when": "2024-01-02"]]]]],
            // Nothing changed after the checkpoint's cursor.
            ["path": "/items", "query": ["since": "2024-01-02"], "responses": [["json": [Any]()]]],
        ])
        let sandbox = try HostSandbox("rest-conformance")
        let result = try TestSupport.run(TestSupport.hostExecutable, [
            "plugins", "test", "rest", "-c", "base_url=\(server.url)",
            "-c", #"resources=[{"name": "items", "path": "/items", "primary_key": "id", "types": {"when": "date"}, "#
                + #""incremental": {"cursor_field": "when", "param": "since"}}]"#,
        ], environment: sandbox.environment, currentDirectory: sandbox.root)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("14 checks: 14 passed, 0 failed, 0 skipped"), "\(result.stdout)")
    }
}

import ETLTestSupport
import Foundation
import Testing

/// The documented headline, `etl-host sync rest sqlite -s @file:github.json`, with the example
/// file itself (Plugins/Rest/examples/github.json) against a ``RestServer`` that answers as
/// GitHub's REST API does (bearer token and version header required, `Link` headers whose next
/// URL is absolute and on another path, `since` for changes), only `base_url` pointing at it;
/// and the same API read by a `rest` step of a pipeline file through `etl-host run`.
@Suite struct RestGitHubExampleTests {
    static let token = "ghp_exampleToken1234"
    static let repo = "/repos/apple/swift-argument-parser"
    static let exampleFile = TestSupport.repositoryRoot + "/Plugins/Rest/examples/github.json"

    /// What GitHub checks on every request.
    static let required = ["Authorization": "Bearer \(token)", "X-GitHub-Api-Version": "2022-11-28",
                           "Accept": "application/vnd.github+json"]

    static func issue(_ id: Int, _ number: Int, _ title: String, updated: String) -> [String: Any] {
        ["id": id, "number": number, "title": title, "state": "open", "user": ["login": "octocat", "id": 1],
         "labels": [["name": "bug"]], "created_at": "2024-01-02T10:00:00Z", "updated_at": updated, "closed_at": NSNull()]
    }

    /// Run 1: issues in two pages (the second under /repositories/ID, as GitHub links it), two
    /// comments, one release with one asset. Run 2 (since = the largest updated_at minus the
    /// 60 s lookback): issue 1002 changed and issue 1004 is new; no comment changed.
    static func githubServer() throws -> RestServer {
        let issuesQuery = ["state": "all", "sort": "updated", "direction": "asc", "per_page": "100"]
        let page2 = "{base}/repositories/44838949/issues?state=all&sort=updated&direction=asc&per_page=100&page=2"
        return try RestServer(routes: [
            ["path": repo + "/issues", "query": issuesQuery, "require": required, "responses": [[
                "headers": ["Link": "<\(page2)>; rel=\"next\", <\(page2)>; rel=\"last\""],
                "json": [issue(1001, 1, "first", updated: "2024-01-05T10:00:00Z"),
                         issue(1002, 2, "second", updated: "2024-01-06T10:00:00Z")],
            ]]],
            ["path": "/repositories/44838949/issues", "query": ["page": "2"], "require": required, "responses": [[
                "headers": ["Link": "<{base}/repositories/44838949/issues?page=1>; rel=\"prev\""],
                "json": [issue(1003, 3, "third", updated: "2024-01-07T10:00:00Z")],
            ]]],
            ["path": repo + "/issues", "query": issuesQuery.merging(["since": "2024-01-07T09:59:00.000000Z"]) { $1 },
             "require": required, "responses": [["json": [
                 issue(1003, 3, "third", updated: "2024-01-07T10:00:00Z"),
                 issue(1002, 2, "second, edited", updated: "2024-02-01T08:00:00Z"),
                 issue(1004, 4, "fourth", updated: "2024-02-02T09:00:00Z"),
             ]]]],
            ["path": repo + "/issues/comments", "require": required, "responses": [["json": [
                ["id": 9001, "body": "me too", "issue_url": "https://api.github.com/repos/x/y/issues/1",
                 "created_at": "2024-01-05T11:00:00Z", "updated_at": "2024-01-05T11:00:00Z"],
                ["id": 9002, "body": "fixed", "issue_url": "https://api.github.com/repos/x/y/issues/2",
                 "created_at": "2024-01-06T11:00:00Z", "updated_at": "2024-01-06T12:00:00Z"],
            ]]]],
            ["path": repo + "/issues/comments", "query": ["since": "2024-01-06T11:59:00.000000Z"], "require": required,
             "responses": [["json": [
                 ["id": 9002, "body": "fixed", "issue_url": "https://api.github.com/repos/x/y/issues/2",
                  "created_at": "2024-01-06T11:00:00Z", "updated_at": "2024-01-06T12:00:00Z"],
             ]]]],
            ["path": repo + "/releases", "require": required, "responses": [["json": [
                ["id": 501, "tag_name": "1.5.0", "name": "1.5.0", "draft": false,
                 "created_at": "2024-01-03T00:00:00Z", "published_at": "2024-01-03T01:00:00Z"],
            ]]]],
            ["path": repo + "/releases/501/assets", "require": required, "responses": [["json": [
                ["id": 7001, "name": "parser.zip", "size": 1024, "download_count": 12],
            ]]]],
        ])
    }

    /// `etl-host sync rest sqlite -s @file:<the example> -s base_url=<server>/repos/…`.
    static func syncExample(_ sandbox: HostSandbox, _ server: RestServer) throws -> TestSupport.ProcessResult {
        try TestSupport.run(TestSupport.hostExecutable, [
            "sync", "rest", "sqlite", "-s", "@file:\(exampleFile)", "-s", "base_url=\(server.url)\(repo)",
            "--incremental", "--mode", "upsert",
        ], environment: sandbox.environment.merging(["GITHUB_TOKEN": token, "ETL_STATE_DIR": sandbox.root + "/state"]) { $1 },
           currentDirectory: sandbox.root)
    }

    @Test func theExampleConfigSyncsAndPicksUpChanges() throws {
        let server = try Self.githubServer()
        let sandbox = try HostSandbox("rest-github")
        let first = try Self.syncExample(sandbox, server)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(!first.stderr.contains(Self.token) && !first.stdout.contains(Self.token))
        let db = try SQLiteInspector(path: sandbox.root + "/warehouse.db")
        #expect(try db.rows("SELECT id, number, title, updated_at, json_extract(user, '$.login') FROM issues ORDER BY id") == [
            ["1001", "1", "first", "2024-01-05T10:00:00.000000Z", "octocat"],
            ["1002", "2", "second", "2024-01-06T10:00:00.000000Z", "octocat"],
            ["1003", "3", "third", "2024-01-07T10:00:00.000000Z", "octocat"],
        ])
        #expect(try db.rows("SELECT id, body FROM issue_comments ORDER BY id") == [["9001", "me too"], ["9002", "fixed"]])
        #expect(try db.rows("SELECT id, tag_name, published_at FROM releases") == [["501", "1.5.0", "2024-01-03T01:00:00.000000Z"]])
        #expect(try db.rows("SELECT releases_id, id, name, size FROM release_assets") == [["501", "7001", "parser.zip", "1024"]])

        let second = try Self.syncExample(sandbox, server)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try db.rows("SELECT id, title, updated_at FROM issues ORDER BY id") == [
            ["1001", "first", "2024-01-05T10:00:00.000000Z"],
            ["1002", "second, edited", "2024-02-01T08:00:00.000000Z"],
            ["1003", "third", "2024-01-07T10:00:00.000000Z"],
            ["1004", "fourth", "2024-02-02T09:00:00.000000Z"],
        ])
        #expect(try db.rows("SELECT count(*) FROM issue_comments") == [["2"]])

        let requests = try server.log()
        // Run 1: issues (2 pages), comments, releases (twice: for itself and for its assets), assets;
        // run 2: the same but one page of issues.
        #expect(requests.filter { $0.path.hasSuffix("/issues") }.map { $0.parameter("since") }
            == [nil, nil, "2024-01-07T09:59:00.000000Z"])
        #expect(requests.count == 6 + 5)
    }

    @Test func aPipelineStepReadsTheSameAPI() throws {
        let server = try Self.githubServer()
        let sandbox = try HostSandbox("rest-github-pipeline")
        let yaml = """
            name: github
            connections:
              github:
                plugin: rest
                base_url: "\(server.url)\(Self.repo)"
                auth: bearer
                token: "@env:GITHUB_TOKEN"
                headers: {Accept: application/vnd.github+json, X-GitHub-Api-Version: "2022-11-28"}
                paginator: link_header
                resources:
                  - name: issues
                    path: /issues
                    params: {state: all, sort: updated, direction: asc, per_page: 100}
                    primary_key: id
                    incremental: {cursor_field: updated_at, param: since, lookback: 60}
              dwh: {plugin: sqlite, path: github.db}
            steps:
              issues:
                sync: {from: github, to: dwh, mode: upsert, incremental: true}
              open_issues:
                needs: [issues]
                query: SELECT number, title FROM issues WHERE state = 'open'
                materialize: table
            """
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: sandbox.root + "/etl.yaml"))
        let environment = sandbox.environment.merging(["GITHUB_TOKEN": Self.token, "ETL_STATE_DIR": sandbox.root + "/state"]) { $1 }
        for _ in 0..<2 {
            let result = try TestSupport.run(TestSupport.hostExecutable, ["run", "-f", "etl.yaml"],
                                             environment: environment, currentDirectory: sandbox.root)
            #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        }
        let db = try SQLiteInspector(path: sandbox.root + "/github.db")
        #expect(try db.rows("SELECT number, title FROM open_issues ORDER BY number") == [
            ["1", "first"], ["2", "second, edited"], ["3", "third"], ["4", "fourth"],
        ])
        #expect(try server.log().filter { $0.path.hasSuffix("/issues") }.map { $0.parameter("since") }
            == [nil, nil, "2024-01-07T09:59:00.000000Z"])
    }
}

import ETLTestSupport
import Foundation
import Testing

/// An incremental child resource (`/posts/{posts.id}/comments`): a cursor per parent value,
/// each sent with that parent's child request; a parent whose children had no cursor yet
/// gets `initial_value` again.
@Suite struct RestChildIncrementalTests {
    static let initial = "2024-01-01T00:00:00Z"

    @Test func eachParentsChildrenAreReadFromTheirOwnCursor() throws {
        let server = try RestServer(routes: [
            ["path": "/posts", "responses": [["json": [["id": 1], ["id": 2], ["id": 3]]]]],
            ["path": "/posts/1/comments", "query": ["since": Self.initial], "responses": [["json": [
                ["id": 10, "text": "a", "updated_at": "2024-02-01T10:00:00Z"],
                ["id": 11, "text": "b", "updated_at": "2024-02-03T10:00:00Z"],
            ]]]],
            ["path": "/posts/2/comments", "query": ["since": Self.initial], "responses": [["json": [
                ["id": 20, "text": "c", "updated_at": "2024-02-02T10:00:00Z"],
            ]]]],
            // Post 3 has no comments at first, so no cursor: the second run sends initial_value again.
            ["path": "/posts/3/comments", "query": ["since": Self.initial], "responses": [
                ["json": [[String: Any]]()],
                ["json": [["id": 30, "text": "d", "updated_at": "2024-02-05T10:00:00Z"]]],
            ]],
            ["path": "/posts/1/comments", "query": ["since": "2024-02-03T10:00:00Z"], "responses": [["json": [
                ["id": 11, "text": "b2", "updated_at": "2024-02-04T10:00:00Z"],
            ]]]],
            ["path": "/posts/2/comments", "query": ["since": "2024-02-02T10:00:00Z"], "responses": [["json": [[String: Any]]()]]],
        ])
        let sync = try RestSync("rest-child-incremental")
        let config: [String: Any] = ["base_url": server.url, "resources": [
            ["name": "posts", "path": "/posts", "primary_key": "id"],
            ["name": "comments", "path": "/posts/{posts.id}/comments", "primary_key": "id",
             "incremental": ["cursor_field": "updated_at", "param": "since", "initial_value": Self.initial]],
        ]]
        func commentRequests(_ requests: ArraySlice<RestServer.Request>) -> [String] {
            requests.filter { $0.path.hasSuffix("/comments") }.map { "\($0.path) since=\($0.parameter("since") ?? "-")" }.sorted()
        }

        let first = try sync.run(config, extra: ["--mode", "upsert", "--incremental"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try sync.rows("SELECT posts_id, id, text FROM comments ORDER BY id") == [
            ["1", "10", "a"], ["1", "11", "b"], ["2", "20", "c"],
        ])
        let firstLog = try server.log()
        #expect(commentRequests(firstLog[...]) == [
            "/posts/1/comments since=\(Self.initial)", "/posts/2/comments since=\(Self.initial)", "/posts/3/comments since=\(Self.initial)",
        ])
        // The state: one cursor per parent that had one.
        let state = try #require(try sync.rows("SELECT state_json FROM _etl_state WHERE state_key LIKE '%comments%'").first?.first ?? nil)
        let saved = try JSONSerialization.jsonObject(with: Data(state.utf8)) as? [String: [String: String]]
        #expect(saved == ["cursors": ["1": "2024-02-03T10:00:00Z", "2": "2024-02-02T10:00:00Z"]], "\(state)")

        let second = try sync.run(config, extra: ["--mode", "upsert", "--incremental"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(commentRequests(try server.log().dropFirst(firstLog.count)) == [
            "/posts/1/comments since=2024-02-03T10:00:00Z", "/posts/2/comments since=2024-02-02T10:00:00Z",
            "/posts/3/comments since=\(Self.initial)",
        ])
        #expect(try sync.rows("SELECT posts_id, id, text FROM comments ORDER BY id") == [
            ["1", "10", "a"], ["1", "11", "b2"], ["2", "20", "c"], ["3", "30", "d"],
        ])
    }

    @Test func aParentLevelStateIsRefusedNamingTheResource() throws {
        let server = try RestServer(routes: [
            ["path": "/posts", "responses": [["json": [["id": 1]]]]],
            ["path": "/posts/1/comments", "responses": [["json": [["id": 10, "updated_at": "2024-02-01T10:00:00Z"]]]]],
        ])
        let sync = try RestSync("rest-child-incremental-state")
        let incremental: [String: Any] = ["cursor_field": "updated_at", "param": "since"]
        // First one post's comments as a resource of their own: the state is {"cursor": ...}.
        let flat = try sync.run(["base_url": server.url, "resources": [
            ["name": "comments", "path": "/posts/1/comments", "incremental": incremental],
        ]], extra: ["--incremental", "--mode", "append"])
        #expect(flat.status == 0, "\(flat.stderr)")
        // Then as a child of posts: that state does not say which parent it is for.
        let child = try sync.run(["base_url": server.url, "resources": [
            ["name": "posts", "path": "/posts"],
            ["name": "comments", "path": "/posts/{posts.id}/comments", "incremental": incremental],
        ]], extra: ["--incremental", "--mode", "append", "--streams", "comments"])
        // As for a parent-level state that does not parse: the read fails (exit 1), naming the resource.
        #expect(child.status == 1)
        #expect(child.stderr.contains(#"etl-host: error: plugin 'rest': read 'comments' failed: resource "comments": the saved state must be {"cursors": {"<parent value>": "<cursor>", …}} (a child resource's cursor per parent) [ETL_ERR_INVALID_ARGUMENT (2)]"#),
                "\(child.stderr)")
        // The way out the README gives: one load without --incremental, which saves a child's state.
        let childConfig: [String: Any] = ["base_url": server.url, "resources": [
            ["name": "posts", "path": "/posts"],
            ["name": "comments", "path": "/posts/{posts.id}/comments", "incremental": incremental],
        ]]
        let reload = try sync.run(childConfig, extra: ["--streams", "comments"])
        #expect(reload.status == 0, "\(reload.stderr)")
        let again = try sync.run(childConfig, extra: ["--incremental", "--mode", "append", "--streams", "comments"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try server.log().last.map { "\($0.path) since=\($0.parameter("since") ?? "-")" } == "/posts/1/comments since=2024-02-01T10:00:00Z")
    }
}

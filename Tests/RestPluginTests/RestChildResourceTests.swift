import ETLTestSupport
import Foundation
import Testing

/// A child resource (`/posts/{posts.id}/comments`): read once per parent record, each
/// child row carrying its parent's key.
@Suite struct RestChildResourceTests {
    @Test func childRowsCarryTheirParentsKey() throws {
        let server = try RestServer(routes: [
            ["path": "/posts", "responses": [["json": [["id": 1, "title": "one"], ["id": 2, "title": "two"],
                                                       ["id": NSNull(), "title": "draft"]]]]],
            ["path": "/posts/1/comments", "responses": [["json": [["id": 10, "text": "x"], ["id": 11, "text": "y"]]]]],
            ["path": "/posts/2/comments", "responses": [["json": [["id": 20, "text": "z"], [String: Any]()]]]],
        ])
        let sync = try RestSync("rest-child")
        let result = try sync.run([
            "base_url": server.url,
            "resources": [["name": "posts", "path": "/posts"],
                          ["name": "comments", "path": "/posts/{posts.id}/comments"]],
        ])
        #expect(result.status == 0, "\(result.stderr)")
        // The member is `_posts_id`; the host's column naming drops the leading underscore.
        #expect(try sync.rows("SELECT posts_id, id, text FROM comments ORDER BY posts_id, id") == [
            ["1", "10", "x"], ["1", "11", "y"], ["2", nil, nil], ["2", "20", "z"],
        ])
        #expect(try sync.rows("SELECT count(*) FROM posts") == [["3"]])
        // The parent is read once for itself and once for its child; the post without an id has no comments.
        #expect(try server.log().map(\.path).sorted() == ["/posts", "/posts", "/posts/1/comments", "/posts/2/comments"])
    }

    @Test func aPlaceholderNamingNoResourceIsRefused() throws {
        let server = try RestServer(routes: [])
        let sync = try RestSync("rest-child-bad")
        let result = try sync.run([
            "base_url": server.url,
            "resources": [["name": "comments", "path": "/posts/{post.id}/comments"]],
        ])
        #expect(result.status == 64)
        #expect(result.stderr.contains(#"resource "comments": its path names resource "post", which is not in config "resources""#),
                "\(result.stderr)")
    }
}

import ETLTestSupport
import Foundation
import Testing

/// Each paginator of the `rest` extractor, end to end: which requests go out, and that every
/// record of every page lands once.
@Suite struct RestPaginationTests {
    @Test func noPaginatorReadsOneAnswerAtItsRecordsPath() throws {
        let server = try RestServer(routes: [
            ["path": "/items", "responses": [["json": ["data": ["items": items(1, 3)], "next": "{base}/never"]]]],
        ])
        let sync = try RestSync("rest-none")
        let result = try sync.run(itemsConfig(server, records: "data.items"))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try sync.rows("SELECT id, name FROM items ORDER BY id") == itemRows(1, 3))
        #expect(try server.log().map(\.path) == ["/items"])
    }

    @Test func linkHeaderFollowsRelNextUntilThereIsNone() throws {
        let server = try RestServer(routes: [
            ["path": "/items", "responses": [["json": items(1, 2),
                                              "headers": ["Link": #"<{base}/items?page=2>; rel="next", <{base}/items?page=9>; rel="last""#]]]],
            ["path": "/items", "query": ["page": "2"], "responses": [["json": items(3, 2),
                                                                       "headers": ["Link": #"</items?page=3>; rel="next""#]]]],
            ["path": "/items", "query": ["page": "3"], "responses": [["json": items(5, 1),
                                                                       "headers": ["Link": #"<{base}/items?page=1>; rel="first""#]]]],
        ])
        let sync = try RestSync("rest-link")
        let result = try sync.run(itemsConfig(server, paginator: "link_header"))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try sync.rows("SELECT id, name FROM items ORDER BY id") == itemRows(1, 5))
        #expect(try server.log().map { $0.parameter("page") } == [nil, "2", "3"])
    }

    @Test func nextURLInTheBodyEndsOnNull() throws {
        let server = try RestServer(routes: [
            ["path": "/items", "responses": [["json": ["results": items(1, 2), "meta": ["next": "{base}/items?after=2"]]]]],
            ["path": "/items", "query": ["after": "2"],
             "responses": [["json": ["results": items(3, 2), "meta": ["next": NSNull()]]]]],
        ])
        let sync = try RestSync("rest-next-url")
        let result = try sync.run(itemsConfig(server, records: "results", paginator: ["type": "next_url", "path": "meta.next"]))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try sync.rows("SELECT id, name FROM items ORDER BY id") == itemRows(1, 4))
        #expect(try server.log().map { $0.parameter("after") } == [nil, "2"])
    }

    @Test func aCursorInTheBodyIsSentBackAsAQueryParameter() throws {
        let server = try RestServer(routes: [
            ["path": "/items", "responses": [["json": ["items": items(1, 2), "cursor": "c2"]]]],
            ["path": "/items", "query": ["from": "c2"], "responses": [["json": ["items": items(3, 1), "cursor": ""]]]],
        ])
        let sync = try RestSync("rest-cursor")
        let result = try sync.run(itemsConfig(server, records: "items",
                                              paginator: ["type": "cursor", "path": "cursor", "param": "from"]))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try sync.rows("SELECT id, name FROM items ORDER BY id") == itemRows(1, 3))
        #expect(try server.log().map { $0.parameter("from") } == [nil, "c2"])
    }

    @Test func offsetAndLimitStopOnAShortPage() throws {
        let server = try RestServer(routes: [
            ["path": "/items", "query": ["offset": "0", "limit": "2"], "responses": [["json": items(1, 2)]]],
            ["path": "/items", "query": ["offset": "2", "limit": "2"], "responses": [["json": items(3, 2)]]],
            ["path": "/items", "query": ["offset": "4", "limit": "2"], "responses": [["json": items(5, 1)]]],
        ])
        let sync = try RestSync("rest-offset")
        let result = try sync.run(itemsConfig(server, paginator: ["type": "offset", "limit": 2]))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try sync.rows("SELECT id, name FROM items ORDER BY id") == itemRows(1, 5))
        #expect(try server.log().map { $0.parameter("offset") } == ["0", "2", "4"])
    }

    @Test func offsetStopsAtTheTotal() throws {
        let server = try RestServer(routes: [
            ["path": "/items", "query": ["skip": "0"], "responses": [["json": ["rows": items(1, 2), "total": 4]]]],
            ["path": "/items", "query": ["skip": "2"], "responses": [["json": ["rows": items(3, 2), "total": 4]]]],
        ])
        let sync = try RestSync("rest-offset-total")
        let result = try sync.run(itemsConfig(server, records: "rows", paginator: [
            "type": "offset", "limit": 2, "offset_param": "skip", "limit_param": "take", "total_path": "total"]))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try sync.rows("SELECT id, name FROM items ORDER BY id") == itemRows(1, 4))
        #expect(try server.log().map { "\($0.parameter("skip") ?? "-")/\($0.parameter("take") ?? "-")" } == ["0/2", "2/2"])
    }

    @Test func pageNumberStopsOnAnEmptyPage() throws {
        let server = try RestServer(routes: [
            ["path": "/items", "query": ["page": "1"], "responses": [["json": ["data": items(1, 2)]]]],
            ["path": "/items", "query": ["page": "2"], "responses": [["json": ["data": items(3, 2)]]]],
            ["path": "/items", "query": ["page": "3"], "responses": [["json": ["data": [Any]()]]]],
        ])
        let sync = try RestSync("rest-page-empty")
        let result = try sync.run(itemsConfig(server, records: "data", paginator: "page_number"))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try sync.rows("SELECT id, name FROM items ORDER BY id") == itemRows(1, 4))
        #expect(try server.log().map { $0.parameter("page") } == ["1", "2", "3"])
    }

    @Test func pageNumberStopsAfterThePageCount() throws {
        let server = try RestServer(routes: [
            ["path": "/items", "query": ["p": "0"], "responses": [["json": ["data": items(1, 2), "pages": 2]]]],
            ["path": "/items", "query": ["p": "1"], "responses": [["json": ["data": items(3, 2), "pages": 2]]]],
        ])
        let sync = try RestSync("rest-page-total")
        let result = try sync.run(itemsConfig(server, records: "data", paginator: [
            "type": "page_number", "param": "p", "start": 0, "total_path": "pages"]))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try sync.rows("SELECT id, name FROM items ORDER BY id") == itemRows(1, 4))
        #expect(try server.log().map { $0.parameter("p") } == ["0", "1"])
    }
}

import ETLTestSupport
import Foundation
import Testing

/// 429 and 5xx answers of the `rest` extractor: retried (after `Retry-After` when given),
/// and a malformed page: a clear error naming the URL and the byte offset, the warehouse unchanged.
@Suite struct RestRetryTests {
    @Test func a429WithRetryAfterWaitsThatLong() throws {
        let server = try RestServer(routes: [
            ["path": "/items", "responses": [["status": 429, "headers": ["Retry-After": "1"]], ["json": items(1, 2)]]],
        ])
        let sync = try RestSync("rest-429-retry-after")
        let result = try sync.run(itemsConfig(server))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try sync.rows("SELECT id, name FROM items ORDER BY id") == itemRows(1, 2))
        let log = try server.log()
        #expect(log.count == 2)
        #expect(log[1].time - log[0].time >= 0.95, "Retry-After: 1 was not waited")
    }

    @Test func a429WithoutRetryAfterBacksOff() throws {
        let server = try RestServer(routes: [
            ["path": "/items", "responses": [["status": 429], ["status": 429], ["json": items(1, 2)]]],
        ])
        let sync = try RestSync("rest-429")
        let result = try sync.run(itemsConfig(server))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try sync.rows("SELECT id, name FROM items ORDER BY id") == itemRows(1, 2))
        let log = try server.log()
        #expect(log.count == 3)
        // Backoff steps 0.25 s then 0.5 s, each at least half its step.
        #expect(log[1].time - log[0].time >= 0.12 && log[2].time - log[1].time >= 0.25)
    }

    @Test func a500ThenSuccess() throws {
        let server = try RestServer(routes: [
            ["path": "/items", "query": ["page": "2"], "responses": [["status": 500], ["json": [Any]()]]],
            ["path": "/items", "query": ["page": "1"], "responses": [["json": items(1, 2)]]],
        ])
        let sync = try RestSync("rest-500")
        let result = try sync.run(itemsConfig(server, paginator: "page_number"))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try sync.rows("SELECT id, name FROM items ORDER BY id") == itemRows(1, 2))
        #expect(try server.log().map { $0.parameter("page") } == ["1", "2", "2"])
    }

    @Test func retriesRunOutWithAClearError() throws {
        let server = try RestServer(routes: [["path": "/items", "responses": [["status": 503]]]])
        let sync = try RestSync("rest-503")
        // One attempt of the stream (the host would try a retryable failure 3 times).
        let result = try sync.run(itemsConfig(server, extra: ["max_retries": 1]), extra: ["--max-attempts", "1"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("resource \"items\": GET \(server.url)/items: gave up after 1 retry: HTTP 503"),
                "\(result.stderr)")
        #expect(try server.log().count == 2)
    }

    @Test func aMalformedPageNamesTheURLAndOffsetAndLeavesTheWarehouseUnchanged() throws {
        let sync = try RestSync("rest-malformed")
        let good = try RestServer(routes: [["path": "/items", "responses": [["json": items(1, 2)]]]])
        #expect(try sync.run(itemsConfig(good)).status == 0)
        #expect(try sync.rows("SELECT id, name FROM items ORDER BY id") == itemRows(1, 2))

        let bad = try RestServer(routes: [
            ["path": "/items", "query": ["page": "1"], "responses": [["json": items(10, 2)]]],
            ["path": "/items", "query": ["page": "2"], "responses": [["raw": #"[{"id": 12, "name": "x"}, {"id": 13,"#]]],
        ])
        let result = try sync.run(itemsConfig(bad, paginator: "page_number"))
        #expect(result.status == 65)
        #expect(result.stderr.contains("resource \"items\": GET \(bad.url)/items?page=2: the answer is not valid JSON at "
            + "byte offset 36"), "\(result.stderr)")
        #expect(try sync.rows("SELECT id, name FROM items ORDER BY id") == itemRows(1, 2))
    }
}

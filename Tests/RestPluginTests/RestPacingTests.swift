import ETLTestSupport
import Foundation
import Testing

/// `requests_per_second` and `requests_per_minute`: request starts evenly spaced, as the
/// server saw them arrive.
@Suite struct RestPacingTests {
    static func pagedServer() throws -> RestServer {
        try RestServer(routes: [
            ["path": "/items", "query": ["page": "1"], "responses": [["json": items(1, 1)]]],
            ["path": "/items", "query": ["page": "2"], "responses": [["json": items(2, 1)]]],
            ["path": "/items", "query": ["page": "3"], "responses": [["json": [Any]()]]],
        ])
    }

    /// The gaps between consecutive arrivals.
    static func gaps(_ server: RestServer) throws -> [Double] {
        let times = try server.log().map(\.time)
        return zip(times.dropFirst(), times).map { $0 - $1 }
    }

    @Test func requestsPerSecondSpacesTheRequests() throws {
        let server = try Self.pagedServer()
        let sync = try RestSync("rest-rps")
        let result = try sync.run(itemsConfig(server, paginator: "page_number", extra: ["requests_per_second": 4]))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try sync.rows("SELECT id, name FROM items ORDER BY id") == itemRows(1, 2))
        let gaps = try Self.gaps(server)
        #expect(gaps.count == 2 && gaps.allSatisfy { $0 >= 0.2 }, "gaps \(gaps), 0.25 s expected")
    }

    @Test func theStricterOfPerSecondAndPerMinuteWins() throws {
        let server = try Self.pagedServer()
        let sync = try RestSync("rest-rpm")
        let result = try sync.run(itemsConfig(server, paginator: "page_number",
                                              extra: ["requests_per_second": 10, "requests_per_minute": 120]))
        #expect(result.status == 0, "\(result.stderr)")
        let gaps = try Self.gaps(server)
        #expect(gaps.count == 2 && gaps.allSatisfy { $0 >= 0.45 }, "gaps \(gaps), 0.5 s expected")
    }
}

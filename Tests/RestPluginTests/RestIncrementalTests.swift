import ETLTestSupport
import Foundation
import Testing

/// Incremental reads of the `rest` extractor: the largest cursor read is saved, the next
/// run asks for the changes after it (minus the lookback), and picks up exactly the new and
/// changed records; records with a null cursor are included.
@Suite struct RestIncrementalTests {
    @Test func aSecondRunPicksUpExactlyTheNewAndChangedRecords() throws {
        let server = try RestServer(routes: [
            ["path": "/items", "query": ["since": "2024-01-01T00:00:00Z"], "responses": [["json": [
                ["id": 1, "name": "a", "updated_at": "2024-02-01T10:00:00Z"],
                ["id": 2, "name": "b", "updated_at": "2024-02-02T10:00:00Z"],
                ["id": 3, "name": "c", "updated_at": NSNull()],
            ]]]],
            // The saved cursor (2024-02-02T10:00:00Z) minus the 60 s lookback.
            ["path": "/items", "query": ["since": "2024-02-02T09:59:00.000000Z"], "responses": [["json": [
                ["id": 2, "name": "b2", "updated_at": "2024-02-03T08:00:00Z"],
                ["id": 4, "name": "d", "updated_at": "2024-02-03T09:00:00Z"],
            ]]]],
        ])
        let sync = try RestSync("rest-incremental")
        let config: [String: Any] = ["base_url": server.url, "resources": [[
            "name": "items", "path": "/items", "primary_key": "id",
            "incremental": ["cursor_field": "updated_at", "param": "since", "initial_value": "2024-01-01T00:00:00Z",
                            "lookback": 60],
        ]]]
        let first = try sync.run(config, extra: ["--mode", "upsert", "--incremental"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try sync.rows("SELECT id, name FROM items ORDER BY id") == [["1", "a"], ["2", "b"], ["3", "c"]])

        let second = try sync.run(config, extra: ["--mode", "upsert", "--incremental"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try sync.rows("SELECT id, name FROM items ORDER BY id") == [["1", "a"], ["2", "b2"], ["3", "c"], ["4", "d"]])
        #expect(try server.log().map { $0.parameter("since") } == ["2024-01-01T00:00:00Z", "2024-02-02T09:59:00.000000Z"])
    }
}

import ETLTestSupport
import Foundation
import Testing

/// `flatten_depth`: nested objects stay one JSON column by default; with a depth they become
/// `a__b` columns (dlt's naming), typed as any column, down to the depth; lists stay JSON.
@Suite struct RestFlattenTests {
    static var records: [[String: Any]] { [
        ["id": 1, "name": "a", "tags": ["x", "y"], "meta": [String: Any](),
         "address": ["city": "Paris", "zipCode": "75001", "since": "2024-03-01",
                     "geo": ["lat": 48.85, "lng": 2.35]]],
        ["id": 2, "name": "b", "tags": [String](), "meta": [String: Any](),
         "address": ["city": "Lyon", "zipCode": "69001", "since": "2023-11-30", "geo": NSNull()]],
    ] }

    static func server() throws -> RestServer {
        try RestServer(routes: [["path": "/items", "responses": [["json": records]]]])
    }

    /// Column names and declared types of `items`, by name.
    static func columns(_ sync: RestSync) throws -> [[String?]] {
        try sync.rows("SELECT name, type FROM pragma_table_info('items') ORDER BY name")
    }

    @Test func nestedObjectsStayOneJSONColumnByDefault() throws {
        let server = try Self.server()
        let sync = try RestSync("rest-flatten-none")
        let result = try sync.run(itemsConfig(server))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Self.columns(sync) == [["address", "JSON_TEXT"], ["id", "INTEGER"], ["meta", "JSON_TEXT"],
                                           ["name", "TEXT"], ["tags", "JSON_TEXT"]])
        let city = try sync.rows("SELECT json_extract(address, '$.city'), json_extract(address, '$.geo.lat') FROM items ORDER BY id")
        #expect(city == [["Paris", "48.85"], ["Lyon", nil]])
    }

    @Test func depthOneMakesPathColumnsAndKeepsDeeperObjectsAndListsAsJSON() throws {
        let server = try Self.server()
        let sync = try RestSync("rest-flatten-1")
        let result = try sync.run(itemsConfig(server, extra: ["flatten_depth": 1]))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Self.columns(sync) == [
            ["address__city", "TEXT"], ["address__geo", "JSON_TEXT"], ["address__since", "DATE_TEXT"],
            ["address__zip_code", "TEXT"], ["id", "INTEGER"], ["meta", "JSON_TEXT"], ["name", "TEXT"], ["tags", "JSON_TEXT"],
        ])
        let rows = try sync.rows("SELECT id, address__city, address__zip_code, address__since, json_extract(address__geo, '$.lng'), "
            + "address__geo IS NULL, tags, meta FROM items ORDER BY id")
        #expect(rows == [["1", "Paris", "75001", "2024-03-01", "2.35", "0", #"["x", "y"]"#, "{}"],
                         ["2", "Lyon", "69001", "2023-11-30", nil, "1", "[]", "{}"]])
    }

    @Test func aResourcesDepthOverridesTheConfigsDefault() throws {
        let server = try Self.server()
        let sync = try RestSync("rest-flatten-2")
        var config = itemsConfig(server, extra: ["flatten_depth": 1])
        config["resources"] = [["name": "items", "path": "/items", "primary_key": "id", "flatten_depth": 2,
                                "types": ["address__zipCode": "integer"]]]
        let result = try sync.run(config)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Self.columns(sync) == [
            ["address__city", "TEXT"], ["address__geo", "TEXT"], ["address__geo__lat", "REAL"], ["address__geo__lng", "REAL"],
            ["address__since", "DATE_TEXT"], ["address__zip_code", "INTEGER"], ["id", "INTEGER"], ["meta", "JSON_TEXT"],
            ["name", "TEXT"], ["tags", "JSON_TEXT"],
        ])
        let rows = try sync.rows("SELECT id, address__geo__lat, address__geo__lng, address__geo, address__zip_code FROM items ORDER BY id")
        #expect(rows == [["1", "48.85", "2.35", nil, "75001"], ["2", nil, nil, nil, "69001"]])
    }

    @Test func twoMembersOfOneFlattenedNameFailTheStreamNamingThem() throws {
        let server = try RestServer(routes: [["path": "/items", "responses": [["json": [
            ["id": 1, "a__b": 1, "a": ["b": 2]],
        ]]]]])
        let sync = try RestSync("rest-flatten-clash")
        let result = try sync.run(itemsConfig(server, extra: ["flatten_depth": 1]))
        #expect(result.status != 0)
        #expect(result.stderr.contains("resource \"items\", \(server.url)/items: record 1 of the list: two members become "
            + "\"a__b\" (flatten_depth 1)"), "\(result.stderr)")
    }

    @Test func aDepthOutOfRangeIsRefused() throws {
        let server = try Self.server()
        let sync = try RestSync("rest-flatten-bad")
        let result = try sync.run(itemsConfig(server, extra: ["flatten_depth": 17]))
        #expect(result.status == 64, "\(result.stderr)")
        #expect(try server.log().isEmpty)
    }
}

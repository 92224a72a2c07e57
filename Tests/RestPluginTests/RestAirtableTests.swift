import ETLTestSupport
import Foundation
import Testing

/// The generic `rest` extractor reads Airtable's list-records endpoint (bearer token, the
/// `records` list, the `offset` cursor in the body) on the Airtable test server, and gives the
/// rows the `airtable` plugin gives.
@Suite struct RestAirtableTests {
    static let base = "appRest000000001"

    nonisolated(unsafe) static let fixture: [String: Any] = [
        "bases": [[
            "id": base,
            "tables": [[
                "name": "Customers",
                "fields": [
                    ["name": "Name", "type": "singleLineText"],
                    ["name": "Orders", "type": "number", "options": ["precision": 0]],
                ],
                "records": [
                    ["id": "recAAAAAAAAAAAAA1", "createdTime": "2024-01-05T09:30:00.000Z", "fields": ["Name": "Ada", "Orders": 3]],
                    ["id": "recAAAAAAAAAAAAA2", "createdTime": "2024-01-06T10:00:00.000Z", "fields": ["Name": "Grace", "Orders": 0]],
                    ["id": "recAAAAAAAAAAAAA3", "createdTime": "2024-01-07T11:15:00.000Z", "fields": ["Name": "Edsger"]],
                ],
            ]],
        ]],
    ]

    @Test func theListRecordsEndpointGivesTheAirtablePluginsRows() throws {
        let server = try AirtableServer(fixture: Self.fixture)
        let environment = ["AIRTABLE_TOKEN": AirtableServer.defaultToken]

        let airtable = try HostSandbox("rest-airtable-reference")
        let reference = try airtable.etlHost("sync", "airtable", "sqlite", "-s", "base=\(Self.base)",
                                             "-s", "api_url=\(server.url)", "--quiet", environment: environment)
        #expect(reference.status == 0, "\(reference.stderr)")
        let expected = try SQLiteInspector(path: airtable.root + "/warehouse.db")
            .rows("SELECT id, created_time, name, orders FROM customers ORDER BY id")
        #expect(expected.count == 3)

        let before = try server.log().count
        let sync = try RestSync("rest-airtable")
        let result = try sync.run([
            "base_url": "\(server.url)/v0/\(Self.base)",
            "auth": "bearer", "token": "@env:AIRTABLE_TOKEN",
            "params": ["pageSize": 2],
            "resources": [["name": "customers", "path": "/Customers", "records": "records", "primary_key": "id",
                           "paginator": ["type": "cursor", "path": "offset", "param": "offset"]]],
        ], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stderr.contains(AirtableServer.defaultToken))
        #expect(try sync.rows("SELECT id, created_time, json_extract(fields, '$.Name'), json_extract(fields, '$.Orders') "
            + "FROM customers ORDER BY id") == expected)
        // Two pages of two and one: the offset came back in the body and went out again.
        #expect(try server.log(since: before).filter { $0.endpoint == "list" }.map { $0.params?.offset != nil }
            == [false, true])
    }
}

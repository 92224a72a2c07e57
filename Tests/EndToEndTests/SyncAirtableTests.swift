import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// `etl-host sync airtable sqlite`, the headline, through the built binary
/// against the Airtable-compatible test server.
@Suite struct SyncAirtableTests {
    static let base = "appE2E0000000001"

    nonisolated(unsafe) static let fixture: [String: Any] = [
        "bases": [[
            "id": base,
            "tables": [[
                "name": "Customers",
                "fields": [
                    ["name": "Name", "type": "singleLineText"],
                    ["name": "First Name", "type": "singleLineText"],
                    ["name": "first_name", "type": "singleLineText"],
                    ["name": "Active", "type": "checkbox"],
                    ["name": "Orders", "type": "number", "options": ["precision": 0]],
                    ["name": "Balance", "type": "currency", "options": ["precision": 2, "symbol": "$"]],
                    ["name": "Since", "type": "date"],
                    ["name": "Tags", "type": "multipleSelects"],
                    ["name": "Segment", "type": "singleSelect"],
                    ["name": "Notes", "type": "multilineText"],
                    ["name": "Never Filled", "type": "singleLineText"],
                ],
                "records": [
                    ["id": "recAAAAAAAAAAAAA1", "createdTime": "2024-01-05T09:30:00.000Z",
                     "fields": ["Name": "Ada", "First Name": "Ada", "first_name": "ada", "Active": true, "Orders": 3,
                                "Balance": 10.5, "Since": "2020-02-29", "Tags": ["vip", "eu"], "Segment": "Retail",
                                "Notes": "line 1\r\nsaid \"hi\" 🙂; DROP TABLE customers; --"]],
                    ["id": "recAAAAAAAAAAAAA2", "createdTime": "2024-01-06T10:00:00.000Z",
                     "fields": ["Name": "Grace", "Orders": 0, "Balance": 5]],
                ],
            ]],
        ]],
    ]

    @Test func aBaseLoadsTypedIntoSQLite() throws {
        let server = try AirtableServer(fixture: Self.fixture)
        let sandbox = try HostSandbox("sync-airtable")
        let result = try sandbox.etlHost(
            "sync", "airtable", "sqlite", "-s", "base=\(Self.base)", "-s", "api_url=\(server.url)", "--json",
            environment: ["AIRTABLE_TOKEN": AirtableServer.defaultToken]
        )
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.contains(AirtableServer.defaultToken) && !result.stderr.contains(AirtableServer.defaultToken))
        let report = try JSONDecoder().decode(SyncReport.self, from: Data(result.stdout.utf8))
        #expect(report.streams.map(\.stream) == ["Customers"])
        #expect(report.streams.map(\.rowsWritten) == [2])

        let db = try SQLiteInspector(path: sandbox.root + "/warehouse.db")
        #expect(try db.columns("customers") == [
            "id TEXT", "created_time TIMESTAMP_TEXT", "name TEXT", "first_name TEXT", "first_name_2 TEXT", "active BOOLEAN",
            "orders INTEGER", "balance REAL", "since DATE_TEXT", "tags JSON_TEXT", "segment TEXT", "notes TEXT",
            "never_filled TEXT",
        ])
        #expect(try db.rows("SELECT * FROM customers ORDER BY id") == [
            ["recAAAAAAAAAAAAA1", "2024-01-05T09:30:00.000000Z", "Ada", "Ada", "ada", "1", "3", "10.5", "2020-02-29",
             #"["vip","eu"]"#, "Retail", "line 1\r\nsaid \"hi\" 🙂; DROP TABLE customers; --", nil],
            ["recAAAAAAAAAAAAA2", "2024-01-06T10:00:00.000000Z", "Grace", nil, nil, "0", "0", "5.0", nil, nil, nil, nil, nil],
        ])
    }

    @Test func aSingleSelectIsPlainTextThatAnalystsCanCompare() throws {
        let server = try AirtableServer(fixture: Self.fixture)
        let sandbox = try HostSandbox("sync-airtable-select")
        let result = try sandbox.etlHost(
            "sync", "airtable", "sqlite", "-s", "base=\(Self.base)", "-s", "api_url=\(server.url)", "--quiet",
            environment: ["AIRTABLE_TOKEN": AirtableServer.defaultToken]
        )
        #expect(result.status == 0, "\(result.stderr)")
        let db = try SQLiteInspector(path: sandbox.root + "/warehouse.db")
        // No json_extract: the option's name, without JSON quotes; multiple selects stay a JSON array.
        #expect(try db.rows("SELECT id, typeof(segment), length(segment), tags FROM customers WHERE segment = 'Retail'")
            == [["recAAAAAAAAAAAAA1", "text", "6", #"["vip","eu"]"#]])
    }

    @Test func tablesGivenAsAJSONArrayOnTheCommandLineAreAList() throws {
        let server = try AirtableServer(fixture: Self.fixture)
        let sandbox = try HostSandbox("sync-airtable-tables-json")
        let result = try sandbox.etlHost(
            "sync", "airtable", "sqlite", "-s", "base=\(Self.base)", "-s", "api_url=\(server.url)",
            "-s", #"tables=["Customers"]"#, "--json", environment: ["AIRTABLE_TOKEN": AirtableServer.defaultToken]
        )
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONDecoder().decode(SyncReport.self, from: Data(result.stdout.utf8))
        #expect(report.streams.map(\.stream) == ["Customers"])
        #expect(report.streams.map(\.rowsWritten) == [2])
    }

    @Test func tablesThatLookLikeJSONButAreNotAreRefusedBeforeAnyRequest() throws {
        let server = try AirtableServer(fixture: Self.fixture)
        let sandbox = try HostSandbox("sync-airtable-tables-bad-json")
        let result = try sandbox.etlHost(
            "sync", "airtable", "sqlite", "-s", "base=\(Self.base)", "-s", "api_url=\(server.url)",
            "-s", #"tables=["Customers""#, environment: ["AIRTABLE_TOKEN": AirtableServer.defaultToken]
        )
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains(#"airtable: config key 'tables' starts with '[' but is not a JSON array: write "#
            + #"comma-separated values (tables=a,b) or a JSON array (tables='["a","b"]')"#), "\(result.stderr)")
        #expect(try server.log().isEmpty)
    }

    @Test func aRefusedTokenFailsWithAirtablesMessageAndTouchesNothing() throws {
        let server = try AirtableServer(fixture: Self.fixture)
        let sandbox = try HostSandbox("sync-airtable-401")
        let secret = "patWRONG.this-must-never-be-printed"
        let result = try sandbox.etlHost(
            "sync", "airtable", "sqlite", "-s", "base=\(Self.base)", "-s", "api_url=\(server.url)", "-s", "token=@env:MY_TOKEN",
            environment: ["MY_TOKEN": secret]
        )
        #expect(result.status != 0)
        #expect(result.stderr.contains("AUTHENTICATION_REQUIRED") || result.stderr.contains("Authentication required"), "\(result.stderr)")
        #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret))
        if FileManager.default.fileExists(atPath: sandbox.root + "/warehouse.db") {
            #expect(try SQLiteInspector(path: sandbox.root + "/warehouse.db").rows("SELECT name FROM sqlite_master WHERE name = 'customers'").isEmpty)
        }
    }
}

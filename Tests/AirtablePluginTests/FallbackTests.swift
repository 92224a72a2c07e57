import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

/// A token without the schema.bases:read scope: records for the host to type.
@Suite("airtable: without the schema scope")
struct FallbackTests {
    static let base = "appNoSchema000001"
    static let token = "patRecordsOnly000.token"

    static func server() throws -> AirtableServer {
        try AirtableServer.start([
            "tokens": [["token": token, "scopes": ["data.records:read"]], ["token": AirtableServer.defaultToken]],
            "bases": [["id": base, "tables": [
                ["name": "People", "fields": [
                    ["name": "Name", "type": "singleLineText"], ["name": "Age", "type": "number"],
                    ["name": "Done", "type": "checkbox"], ["name": "id", "type": "singleLineText"],
                    ["name": "Calc", "type": "formula"], ["name": "Tags", "type": "multipleSelects"],
                ], "records": [
                    ["id": "recPEOPLE00000001", "fields": [
                        "Name": "Ada \"A\"\r\n😀", "Age": 36, "Done": true, "id": "user-1", "Calc": ["specialValue": "NaN"],
                        "Tags": ["x", "y"],
                    ] as [String: Any]],
                    ["id": "recPEOPLE00000002", "fields": ["Name": "Bob", "Done": false, "Calc": 2] as [String: Any]],
                ]],
                ["name": "Odd / name ✓", "fields": [["name": "Value", "type": "singleLineText"]],
                 "records": [["id": "recODD00000000001", "fields": ["Value": "v"]]]],
            ]]],
        ])
    }

    @Test("the configured tables, one JSON record per row, a single warning")
    func records() throws {
        let server = try Self.server()
        let (instance, log) = try AirtablePlugin.open(server, base: Self.base, [
            "token": .string(Self.token), "tables": .array([.string("People"), .string("Odd / name ✓")]),
        ])
        #expect(try Catalog(jsonText: instance.discover()) == Catalog(streams: [
            CatalogStream(name: "People", primaryKey: ["id"]), CatalogStream(name: "Odd / name ✓", primaryKey: ["id"]),
        ]))
        let people = try instance.readAll("People")
        #expect(people.schema.fields.map(\.name) == ["_record"])
        #expect(people.schema.fields.first?.annotation == .record)
        #expect(people.column("_record") == [
            .string(#"{"id":"recPEOPLE00000001","createdTime":"2024-01-01T00:00:00.000Z","Name":"Ada \"A\"\r\n😀","#
                + #""Age":36,"Done":true,"id (field)":"user-1","Calc":{"specialValue":"NaN"},"Tags":["x","y"]}"#),
            .string(#"{"id":"recPEOPLE00000002","createdTime":"2024-01-01T00:00:01.000Z","Name":"Bob","Calc":2}"#),
        ])
        let odd = try instance.readAll("Odd / name ✓")
        #expect(odd.column("_record") == [
            .string(#"{"id":"recODD00000000001","createdTime":"2024-01-01T00:00:00.000Z","Value":"v"}"#),
        ])
        #expect(log.messages(.warn).count == 1)
        #expect(log.messages(.warn).first?.hasPrefix("the token cannot read the schema of base \(Self.base) (HTTP 403 "
            + "on /v0/meta/bases/\(Self.base)/tables): reading the tables of config \"tables\" without Airtable's "
            + "field types") == true)

        // The odd name is percent-encoded in the URL.
        let lists = try server.log().filter { $0.tableName != nil }
        #expect(lists.map(\.path) == ["/v0/\(Self.base)/People",
                                      "/v0/\(Self.base)/Odd%20%2F%20name%20%E2%9C%93"])
        #expect(lists.map(\.tableName) == ["People", "Odd / name ✓"])
        #expect(try server.log().filter { $0.path.hasPrefix("/v0/meta/") }.count == 1)
    }

    @Test("check reads one record of the first table; with the schema scope, the schema")
    func check() throws {
        let server = try Self.server()
        let (fallback, _) = try AirtablePlugin.open(server, base: Self.base, [
            "token": .string(Self.token), "tables": .array([.string("People")]),
        ])
        try fallback.check()
        let requests = try server.log()
        #expect(requests.map(\.status) == [403, 200])
        #expect(requests.last?.params?.pageSize == 1)
        #expect(requests.last?.records == 1)

        try server.clearLog()
        let (typed, _) = try AirtablePlugin.open(server, base: Self.base)
        try typed.check()
        #expect(try server.log().map(\.path) == ["/v0/meta/bases/\(Self.base)/tables"])
    }

    @Test("without config tables the error says what to do")
    func needsTables() throws {
        let server = try Self.server()
        let (instance, _) = try AirtablePlugin.open(server, base: Self.base, ["token": .string(Self.token)])
        let error = hostError { _ = try instance.discover() }
        #expect(error?.pluginStatus == 6)
        #expect(error?.message.contains(#"Without the schema.bases:read scope the tables cannot be listed: give config "tables" (names or ids)"#) == true)
    }

    @Test("through the host: the records are flattened and typed by inference")
    func throughTheHost() throws {
        let server = try Self.server()
        let sandbox = try AirtableSandbox(server: server)
        let result = try sandbox.sync(["-s", "base=\(Self.base)", "-s", "token=\(Self.token)", "-s", "tables=People"])
        #expect(result.status == 0, "\(result.stderr)")
        let database = try SQLiteInspector(path: sandbox.database)
        let columns = try database.columns("people")
        #expect(columns == [
            "id TEXT", "created_time TIMESTAMP_TEXT", "name TEXT", "age INTEGER", "done BOOLEAN", "id_field TEXT",
            "calc JSON_TEXT", "tags JSON_TEXT",
        ], "\(columns)")
        #expect(try database.rows("SELECT id, name, age, done, id_field, tags, calc FROM people ORDER BY id") == [
            // A formula's NaN keeps Airtable's object (JSON has no NaN): the column is JSON, nothing lost.
            ["recPEOPLE00000001", "Ada \"A\"\r\n😀", "36", "1", "user-1", #"["x","y"]"#, #"{"specialValue":"NaN"}"#],
            ["recPEOPLE00000002", "Bob", nil, nil, nil, nil, "2"],
        ])
    }
}

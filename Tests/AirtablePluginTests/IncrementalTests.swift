import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

@Suite("airtable: incremental reads")
struct IncrementalTests {
    static let base = "appIncremental001"

    static func server(records: Int = 3) throws -> AirtableServer {
        try AirtableServer.start(["bases": [["id": base, "tables": [[
            "name": "T", "fields": [["name": "Name", "type": "singleLineText"],
                                    ["name": "N", "type": "number", "options": ["precision": 0]]],
            "records": (1...records).map { ["id": String(format: "recINCR%010d", $0), "fields": ["Name": "r\($0)", "N": $0]] },
        ]]]]])
    }

    /// The `since` of a state.
    static func since(_ state: String?) throws -> String {
        guard case .string(let since)? = try JSONValue(jsonText: try #require(state))["since"] else {
            throw TestFailure("no since in \(state ?? "nil")")
        }
        return since
    }

    @Test("checkpoint gives the read's start; the next read lists only records changed after it")
    func changesOnly() throws {
        let server = try Self.server()
        let (instance, _) = try AirtablePlugin.open(server, base: Self.base, ["incremental_lookback_seconds": .integer(0)])
        #expect(try instance.readAll("T").rows.count == 3)
        let state = try instance.checkpoint(stream: "T")
        let since = try Self.since(state)
        #expect(state == "{\"since\":\"\(since)\"}")
        #expect(since.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z/) != nil)
        let age = Date().timeIntervalSince1970 - Double(micros(since)) / 1e6
        #expect(age >= 0 && age < 10, "since \(since) is \(age) s old")

        try server.updateRecords(base: Self.base, table: "T", [["id": "recINCR0000000002", "fields": ["Name": "changed"]]])
        try server.addRecords(base: Self.base, table: "T", [["id": "recINCR0000000004", "fields": ["Name": "new", "N": 4]]])
        try server.deleteRecords(base: Self.base, table: "T", ids: ["recINCR0000000003"])
        // The cursor comes from the server's Date header, whole seconds: the server's clock moves to a later
        // second than the changes (and stops), so that the read after the next one has nothing new.
        try server.advanceClock(by: 1)

        let changed = try instance.readAll("T", state: state)
        #expect(changed.column("id") == [.string("recINCR0000000002"), .string("recINCR0000000004")])
        #expect(changed.column("Name") == [.string("changed"), .string("new")])
        #expect(changed.column("N") == [.int(2), .int(4)])
        let list = try #require(try server.log().last)
        #expect(list.params?.filterByFormula == "IS_AFTER(LAST_MODIFIED_TIME(), '\(since)')")
        #expect(try Self.since(instance.checkpoint(stream: "T")) >= since)

        // Nothing changed since: nothing listed.
        let quiet = try instance.readAll("T", state: try instance.checkpoint(stream: "T"))
        #expect(quiet.rows.isEmpty)
    }

    @Test("a key listing returns every record id, asking for one cheap field per page of 100")
    func keyListing() throws {
        let server = try Self.server(records: 250)
        let (instance, _) = try AirtablePlugin.open(server, base: Self.base, ["requests_per_second": .integer(50)])
        try server.deleteRecords(base: Self.base, table: "T", ids: ["recINCR0000000007"])
        try server.clearLog()
        let reader = try instance.read(stream: "T", keysOnly: true)
        #expect(reader.schema.fields.map(\.name) == ["id"])
        var ids: [String] = []
        while let batch = try reader.next() {
            for row in 0..<batch.rowCount { ids.append(String(decoding: batch.utf8(row: row, column: 0)!, as: UTF8.self)) }
        }
        #expect(ids == (1...250).filter { $0 != 7 }.map { String(format: "recINCR%010d", $0) })
        let lists = try server.log().filter { $0.endpoint == "list" }
        #expect(lists.count == 3)
        // The number field "N" (not the text primary field), by id, on every page.
        let fieldID = try #require(lists.first?.params?.fields?.first)
        #expect(fieldID.hasPrefix("fld"))
        #expect(lists.allSatisfy { $0.params?.fields == [fieldID] && $0.params?.filterByFormula == nil })
        #expect(try instance.checkpoint(stream: "T") == "null")
    }

    @Test("the cursor looks back incremental_lookback_seconds (60 by default)")
    func lookback() throws {
        let server = try Self.server()
        let (instance, _) = try AirtablePlugin.open(server, base: Self.base)
        _ = try instance.readAll("T")
        let since = Double(micros(try Self.since(instance.checkpoint(stream: "T")))) / 1e6
        let age = Date().timeIntervalSince1970 - since
        #expect(age >= 60 && age < 70)
    }

    @Test("a read that stopped half-way checkpoints the state it was given")
    func partialRead() throws {
        let server = try Self.server(records: 1_500)
        let (instance, _) = try AirtablePlugin.open(server, base: Self.base, ["requests_per_second": .integer(50)])
        do {
            let reader = try instance.read(stream: "T")
            #expect(try reader.next()?.rowCount == 1_000)
        }
        #expect(try instance.checkpoint(stream: "T") == "null")
        do {
            let reader = try instance.read(stream: "T", stateJSON: #"{"since": "2023-05-01T12:00:00+02:00"}"#)
            #expect(try reader.next()?.rowCount == 1_000)
        }
        #expect(try instance.checkpoint(stream: "T") == #"{"since":"2023-05-01T10:00:00.000Z"}"#)
    }

    @Test("a state that is not {\"since\": time} is refused", arguments: [
        #"{"since": "yesterday"}"#, #"{"cursor": 5}"#, "[1]", "{", #"{"since": "2024-01-01T00:00:00Z') OR TRUE() OR ('"}"#,
    ])
    func badState(state: String) throws {
        let server = try Self.server()
        let (instance, _) = try AirtablePlugin.open(server, base: Self.base)
        let error = hostError { _ = try instance.read(stream: "T", stateJSON: state) }
        #expect(error?.pluginStatus == 2)
        #expect(error?.message.contains(#"{"since": "<ISO 8601 time>"}"#) == true)
        #expect(try server.log().isEmpty)
    }

    @Test("through the host: replace, then upsert --incremental after records change and are added")
    func upsertThroughTheHost() throws {
        let server = try Self.server()
        let sandbox = try AirtableSandbox(server: server)
        let token = ["-s", "base=\(Self.base)", "-s", "token=\(AirtableServer.defaultToken)", "-s", "incremental_lookback_seconds=0"]
        let first = try sandbox.sync(token)
        #expect(first.status == 0, "\(first.stderr)")
        let database = try SQLiteInspector(path: sandbox.database)
        #expect(try database.rows("SELECT id, name, n FROM t ORDER BY id") == [
            ["recINCR0000000001", "r1", "1"], ["recINCR0000000002", "r2", "2"], ["recINCR0000000003", "r3", "3"],
        ])
        // A replace run is not incremental: it still saves the cursor for the next one.
        #expect(try database.scalar("SELECT count(*) FROM _etl_state") == "1")

        try server.updateRecords(base: Self.base, table: "T", [["id": "recINCR0000000002", "fields": ["Name": "changed"]]])
        try server.addRecords(base: Self.base, table: "T", [["id": "recINCR0000000004", "fields": ["Name": "new", "N": 4]]])
        try server.clearLog()
        let second = try sandbox.sync(token + ["--mode", "upsert", "--incremental"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try database.rows("SELECT id, name, n FROM t ORDER BY id") == [
            ["recINCR0000000001", "r1", "1"], ["recINCR0000000002", "changed", "2"], ["recINCR0000000003", "r3", "3"],
            ["recINCR0000000004", "new", "4"],
        ])
        let lists = try server.log().filter { $0.tableName != nil }
        #expect(lists.count == 1)
        #expect(lists.first?.records == 2)
        #expect(lists.first?.params?.filterByFormula?.hasPrefix("IS_AFTER(LAST_MODIFIED_TIME(), '") == true)
    }
}

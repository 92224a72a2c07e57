import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

@Suite("airtable: pagination and pacing")
struct PaginationTests {
    /// Unpaced (the server's limits off): the paced read of this table, its speed against the
    /// 5 requests/s ceiling, is SlowTierAirtablePacingTests.
    @Test("a 20,000-record table: every record once with exact values, in 200 pages of 100")
    func twentyThousand() throws {
        let base = "appBig00000000001"
        let server = try AirtableServer.start(["bases": [["id": base, "tables": [
            ["generate": ["table": "Big", "records": 20_000, "seed": 7]],
        ]]]])
        let (instance, log) = try AirtablePlugin.open(server, base: base, ["requests_per_second": .integer(1000)])
        _ = try instance.discover()
        let result = try instance.readAll("Big")

        #expect(result.columnNames == ["id", "createdTime", "Name", "Amount", "Quantity", "Done", "Notes", "Status", "Due"])
        #expect(result.rows.count == 20_000)
        #expect(result.batches == 20)
        let ids = result.column("id").compactMap(\.text)
        #expect(Set(ids).count == 20_000)
        #expect(ids == (try serverIDs(server, base: base, table: "Big")))
        let start = micros("2024-01-01T00:00:00Z")
        var wrong: [Int] = []
        for (row, cells) in result.rows.enumerated() {
            let i = row + 1
            let expected: [Cell] = [
                cells[0], .timestamp(start + Int64(i) * 1_000_000), .string(String(format: "Record %05d", i)),
                .double(Double(i) * 1.25), .int(Int64(i % 50)), .bool(i % 3 == 0),
                i % 4 == 0 ? .null : .string("Note \(i)\nsecond line"), .string(["Todo", "Doing", "Done"][i % 3]),
                .date(days(2024, 1, 1) + Int32(i % 366)),
            ]
            if cells != expected { wrong.append(i) }
        }
        #expect(wrong.isEmpty, "records with wrong values: \(wrong.prefix(10))")

        // The server's view: 1 schema request + 200 pages of 100, all 200.
        let requests = try server.log()
        #expect(requests.count == 201)
        #expect(requests.allSatisfy { $0.status == 200 })
        #expect(requests.dropFirst().allSatisfy { $0.params?.pageSize == 100 })
        #expect(log.messages(.warn).isEmpty)
        #expect(log.messages(.info) == ["table \"Big\": 20000 records in 200 pages"])
    }

    @Test("a field that first appears on page 3 has its column from the start; one that never appears too")
    func lateField() throws {
        let base = "appLate0000000001"
        let records: [[String: Any]] = (1...250).map { i in
            i > 200 ? ["fields": ["Name": "r\(i)", "Late": i]] : ["fields": ["Name": "r\(i)"]]
        }
        let server = try AirtableServer.start(["bases": [["id": base, "tables": [[
            "name": "T", "fields": [["name": "Name", "type": "singleLineText"],
                                    ["name": "Late", "type": "number", "options": ["precision": 0]],
                                    ["name": "Never", "type": "checkbox"], ["name": "Empty", "type": "multilineText"]],
            "records": records,
        ]]]]])
        let (instance, _) = try AirtablePlugin.open(server, base: base, ["requests_per_second": .integer(50)])
        let result = try instance.readAll("T")
        #expect(result.rows.count == 250)
        #expect(result.column("Name") == (1...250).map { .string("r\($0)") })
        #expect(result.column("Late") == (1...250).map { $0 > 200 ? .int(Int64($0)) : .null })
        #expect(result.column("Never") == Array(repeating: .bool(false), count: 250))
        #expect(result.column("Empty") == Array(repeating: .null, count: 250))
        let pages = try server.log().filter { $0.tableName != nil }
        #expect(pages.map { $0.params?.offset == nil } == [true, false, false])
        #expect(pages.map(\.records) == [100, 100, 50])
    }

    @Test("a query too long for a URL goes as POST .../listRecords, offsets included")
    func longQueryIsPosted() throws {
        let base = "appLong0000000001"
        let view = String(repeating: "v", count: 15_100)
        let server = try AirtableServer.start(["bases": [["id": base, "tables": [[
            "name": "T", "fields": [["name": "Name", "type": "singleLineText"]],
            "views": [["name": "Grid view"], ["name": view]],
            "records": (1...250).map { ["fields": ["Name": "r\($0)"]] },
        ]]]]])
        let (instance, _) = try AirtablePlugin.open(server, base: base, [
            "requests_per_second": .integer(50), "view": .string(view),
        ])
        let result = try instance.readAll("T")
        #expect(result.column("Name") == (1...250).map { .string("r\($0)") })
        let pages = try server.log().filter { $0.tableName != nil }
        #expect(pages.count == 3)
        #expect(pages.allSatisfy { $0.method == "POST" && $0.path.hasSuffix("/listRecords") && $0.status == 200 })
        #expect(pages.allSatisfy { $0.params?.view == view && $0.params?.pageSize == 100 })
        #expect(pages.map { $0.params?.offset == nil } == [true, false, false])
    }

    @Test("a view's records and order")
    func view() throws {
        let base = "appView0000000001"
        let ids = (1...5).map { "recVIEW00000000\($0)0" }
        let server = try AirtableServer.start(["bases": [["id": base, "tables": [[
            "name": "T", "fields": [["name": "Name", "type": "singleLineText"]],
            "views": [["name": "Grid view"], ["name": "Picked", "recordIds": [ids[3], ids[0]]]],
            "records": ids.enumerated().map { ["id": $0.element, "fields": ["Name": "r\($0.offset + 1)"]] },
        ]]]]])
        let (instance, _) = try AirtablePlugin.open(server, base: base, ["view": .string("Picked")])
        #expect(try instance.readAll("T").column("Name") == [.string("r4"), .string("r1")])
        #expect(try server.log().last?.params?.view == "Picked")
    }
}

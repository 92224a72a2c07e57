import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

@Suite("airtable: faults are retried and never loaded")
struct FaultTests {
    static let base = "appFaults00000001"

    static func server(records: Int = 250) throws -> AirtableServer {
        try AirtableServer.start(["bases": [["id": base, "tables": [[
            "name": "T", "fields": [["name": "Name", "type": "singleLineText"], ["name": "N", "type": "number"]],
            "records": (1...records).map { ["fields": ["Name": "r\($0) \"é\"\r\n", "N": $0]] },
        ]]]]])
    }

    /// The exact contents of the table.
    static func expectComplete(_ result: ReadResult, records: Int = 250, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.column("Name") == (1...records).map { .string("r\($0) \"é\"\r\n") }, sourceLocation: sourceLocation)
        #expect(result.column("N") == (1...records).map { .int(Int64($0)) }, sourceLocation: sourceLocation)
        #expect(Set(result.column("id")).count == records, sourceLocation: sourceLocation)
    }

    /// (name, fault, retries): two faults are two retries, except two dropped connections: libcurl itself
    /// retries a request once on a fresh connection when a reused one closes without an answer.
    static let faults: [(String, AirtableServer.Fault, Int)] = [
        ("500 with a JSON body", .init(.serverError, endpoint: "list", page: "later", count: 2), 2),
        ("502 with an HTML page", .init(.badGateway, endpoint: "list", page: "later", count: 2), 2),
        ("503 with a JSON body", .init(.unavailable, endpoint: "list", page: "later", count: 2), 2),
        ("503 with an HTML page", .init(.unavailable, endpoint: "list", page: "later", count: 2, html: true), 2),
        ("a dropped connection", .init(.drop, endpoint: "list", page: "later", count: 2), 1),
        ("a connection reset", .init(.drop, endpoint: "list", page: "later", count: 2, mode: "reset"), 1),
        ("a body shorter than its Content-Length", .init(.truncate, endpoint: "list", page: "later", count: 2), 2),
        ("a JSON body cut by the connection closing", .init(.truncate, endpoint: "list", page: "later", count: 2, mode: "close"), 2),
        ("200 with an HTML page", .init(.status, endpoint: "list", page: "later", count: 2, status: 200,
                                        body: "<html><body>{\"records\": []}</body></html>", contentType: "text/html"), 2),
        ("200 with invalid JSON", .init(.status, endpoint: "list", page: "later", count: 2, status: 200,
                                        body: "{\"records\": [{\"id\": \"recX\""), 2),
        ("200 with JSON that is not an object", .init(.status, endpoint: "list", page: "later", count: 2, status: 200,
                                                      body: "[]"), 2),
        ("a request slower than the timeout", .init(.slow, endpoint: "list", page: "later", count: 2, delay: 2.5), 2),
    ]

    @Test("each fault on a later page is retried at the same offset; the table loads exactly", arguments: faults)
    func recovered(name: String, fault: AirtableServer.Fault, retries: Int) throws {
        let server = try Self.server()
        try server.addFaults(fault)
        let (instance, log) = try AirtablePlugin.open(server, base: Self.base, [
            "requests_per_second": .integer(50), "timeout_seconds": .integer(1),
        ])
        let result = try instance.readAll("T")
        Self.expectComplete(result)

        let pages = try server.log().filter { $0.tableName != nil }
        #expect(pages.map(\.fault) == [nil, fault.kind.rawValue, fault.kind.rawValue, nil, nil], "\(name)")
        #expect(pages[1].params?.offset != nil)
        #expect(pages[1].params?.offset == pages[2].params?.offset)
        #expect(pages[2].params?.offset == pages[3].params?.offset)
        let warnings = log.messages(.warn)
        #expect(warnings.count == retries, "\(warnings)")
        #expect(warnings.allSatisfy { $0.hasPrefix("listing the records of table \"T\" (page 2): ") })
        #expect(warnings.last?.contains("; retry \(retries) of 4 in ") == true)
        // A dropped kept-alive connection is re-sent once by libcurl (paced, counted and said), then retried by us.
        let resent = fault.kind == .drop
            ? ", 1 request re-sent on a new connection after a kept-alive one closed without an answer" : ""
        #expect(log.messages(.info)
            == ["table \"T\": 250 records in 3 pages (\(retries) \(retries == 1 ? "retry" : "retries")\(resent))"])
    }

    @Test("an HTML error page is reported by its type and size, never parsed")
    func htmlIsNotParsed() throws {
        let server = try Self.server()
        try server.addFaults(.init(.badGateway, endpoint: "list", page: "first"))
        let (instance, log) = try AirtablePlugin.open(server, base: Self.base, ["requests_per_second": .integer(50)])
        Self.expectComplete(try instance.readAll("T"))
        let warning = try #require(log.messages(.warn).first)
        #expect(warning.hasPrefix("listing the records of table \"T\" (page 1): HTTP 502 (text/html, 122 bytes); "
            + "retry 1 of 4 in "))
    }

    @Test("faults on the schema request are retried too")
    func schemaFaults() throws {
        let server = try Self.server()
        try server.addFaults(.init(.truncate, endpoint: "meta"), .init(.serverError, endpoint: "meta"))
        let (instance, log) = try AirtablePlugin.open(server, base: Self.base)
        #expect(try Catalog(jsonText: instance.discover()).streams.map(\.name) == ["T"])
        #expect(log.messages(.warn).count == 2)
        #expect(try server.log().map(\.status) == [200, 500, 200])
    }

    @Test("after max_retries the read fails with a retryable error naming the last failure")
    func givesUp() throws {
        let server = try Self.server()
        try server.addFaults(.init(.unavailable, endpoint: "list", count: 10))
        let (instance, _) = try AirtablePlugin.open(server, base: Self.base, [
            "max_retries": .integer(2), "requests_per_second": .integer(50),
        ])
        let reader = try instance.read(stream: "T")
        let error = hostError { _ = try reader.next() }
        #expect(error?.retryable == true)
        #expect(error?.message == "plugin 'airtable': stream 'T': listing the records of table \"T\" (page 1): gave up "
            + "after 2 retries: HTTP 503 SERVICE_UNAVAILABLE: The service is temporarily unavailable. Please retry "
            + "shortly. [ETL_ERR_IO]")
        #expect(try server.log().filter { $0.tableName != nil }.count == 3)
    }

    @Test("an expired iterator restarts the table; records already read are not emitted twice")
    func expiredIterator() throws {
        let server = try Self.server(records: 450)
        try server.addFaults(.init(.expiredIterator, endpoint: "list", nth: 3))
        let (instance, log) = try AirtablePlugin.open(server, base: Self.base, ["requests_per_second": .integer(50)])
        let result = try instance.readAll("T")
        Self.expectComplete(result, records: 450)
        #expect(result.column("id").compactMap(\.text) == (try serverIDs(server, base: Self.base, table: "T")))

        let pages = try server.log().filter { $0.tableName != nil }
        #expect(pages.map(\.status) == [200, 200, 200, 422, 200, 200, 200, 200, 200])
        #expect(pages.map { $0.params?.offset == nil } == [true, false, false, false, true, false, false, false, false])
        #expect(log.messages(.warn) == [
            "table \"T\": the pagination iterator expired at page 4 (LIST_RECORDS_ITERATOR_NOT_AVAILABLE); restarting "
                + "from the first page, skipping the 300 records already read (restart 1 of 4)",
        ])
        #expect(log.messages(.info) == [
            "table \"T\": 450 records in 8 pages (1 restart after an expired iterator, 300 records seen twice skipped)",
        ])
    }

    @Test("records added before a restart are emitted once, like the rest")
    func expiredIteratorWithNewRecords() throws {
        let server = try Self.server(records: 1_200)
        let (instance, _) = try AirtablePlugin.open(server, base: Self.base, ["requests_per_second": .integer(50)])
        let reader = try instance.read(stream: "T")
        var names: [String] = []
        func take(_ batch: ImportedBatch) {
            for row in 0..<batch.rowCount { names.append(batch.string(row: row, column: 2) ?? "") }
        }
        take(try #require(try reader.next()))  // pages 1-10
        #expect(names.count == 1_000)
        try server.addRecords(base: Self.base, table: "T", [["fields": ["Name": "late", "N": 999]]])
        try server.addFaults(.init(.expiredIterator, endpoint: "list", nth: 1))
        while let batch = try reader.next() { take(batch) }
        #expect(names.count == 1_201)
        #expect(Set(names).count == 1_201)
        #expect(names.last == "late")
    }

    @Test("an iterator that keeps expiring gives up after max_retries restarts")
    func iteratorKeepsExpiring() throws {
        let server = try Self.server(records: 250)
        try server.addFaults(.init(.expiredIterator, endpoint: "list", count: 100))
        let (instance, _) = try AirtablePlugin.open(server, base: Self.base, [
            "max_retries": .integer(2), "requests_per_second": .integer(50),
        ])
        let error = hostError { _ = try instance.readAll("T") }
        #expect(error?.retryable == true)
        #expect(error?.message.contains("the pagination iterator expired (LIST_RECORDS_ITERATOR_NOT_AVAILABLE) 3 times; "
            + "gave up after 2 restarts") == true)
    }
}

import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

@Suite("airtable: the 429 penalty")
struct RateLimitTests {
    static func table(_ base: String, records: Int) -> [String: Any] {
        ["bases": [["id": base, "tables": [[
            "name": "T", "fields": [["name": "Name", "type": "singleLineText"]],
            "records": (1...records).map { ["fields": ["Name": "r\($0)"]] },
        ]]]]]
    }

    @Test("after a 429 nothing reaches the base during the penalty, then the read continues at the same offset")
    func penaltyRespected() throws {
        let base = "appPenalty0000001"
        let server = try AirtableServer.start(Self.table(base, records: 350), rateLimited: true)
        try server.setRateLimit(perSecond: 5, penaltySeconds: 2)
        try server.addFaults(.init(.rateLimit, base: base, endpoint: "list", page: "later", nth: 2))
        let (instance, log) = try AirtablePlugin.open(server, base: base, ["rate_limit_wait_seconds": .integer(2)])
        let result = try instance.readAll("T")

        #expect(result.column("Name") == (1...350).map { .string("r\($0)") })
        #expect(Set(result.column("id")).count == 350)
        let requests = try server.log()
        let limited = requests.filter { $0.status == 429 }
        #expect(limited.count == 1)
        #expect(requests.allSatisfy { !$0.penalty }, "a request arrived during the penalty")
        let index = try #require(requests.firstIndex { $0.status == 429 })
        let next = requests[index + 1]
        #expect(next.time - requests[index].time >= 2.0)
        #expect(next.params?.offset == requests[index].params?.offset)
        #expect(next.params?.offset != nil)
        #expect(requests.count == 1 + 4 + 1)
        #expect(log.messages(.warn) == [
            "listing the records of table \"T\" (page 3): HTTP 429 (rate limit) RATE_LIMIT_REACHED: Rate limit "
                + "exceeded. Please try again later; sending nothing to base \(base), then continuing where "
                + "the read stopped; retry 1 of 4 in 2 s",
        ])
        #expect(log.messages(.info).last == "table \"T\": 350 records in 4 pages (1 retry, 1 rate-limit wait)")
    }

    @Test("pacing faster than the base allows earns 429s; each penalty is respected and every record loads")
    func overTheLimit() throws {
        let base = "appTooFast0000001"
        let server = try AirtableServer.start(Self.table(base, records: 1_200), rateLimited: true)
        try server.setRateLimit(perSecond: 5, penaltySeconds: 1)
        let (instance, log) = try AirtablePlugin.open(server, base: base, [
            "requests_per_second": .integer(20), "rate_limit_wait_seconds": .integer(1), "max_retries": .integer(3),
        ])
        let result = try instance.readAll("T")
        #expect(result.column("Name") == (1...1_200).map { .string("r\($0)") })
        let requests = try server.log()
        #expect(requests.contains { $0.rateLimited })
        #expect(requests.allSatisfy { !$0.penalty }, "a request arrived during the penalty")
        #expect(requests.filter { $0.status == 200 }.count == 1 + 12)
        #expect(log.messages(.warn).count == requests.filter { $0.status == 429 }.count)
    }
}

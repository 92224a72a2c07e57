import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

/// The slow tier (suites named `SlowTier...`, left out by `scripts/test`, run by
/// `scripts/test --all` and CI): a long read paced in real time against the
/// server's real rate limit, about 45 seconds.
@Suite("airtable: a 20,000-record read paced under the rate limit (slow tier)")
struct SlowTierAirtablePacingTests {
    @Test("200 pages at 5 requests a second: never over the limit, no 429, at least 0.85 of the 500 records/s ceiling")
    func twentyThousandPaced() throws {
        let base = "appBig00000000001"
        let server = try AirtableServer.start(["bases": [["id": base, "tables": [
            ["generate": ["table": "Big", "records": 20_000, "seed": 7]],
        ]]]], rateLimited: true)
        try server.setRateLimit(perSecond: 5, penaltySeconds: 30)
        let (instance, log) = try AirtablePlugin.open(server, base: base)
        _ = try instance.discover()
        let started = Date()
        let result = try instance.readAll("Big")
        let seconds = Date().timeIntervalSince(started)
        #expect(result.rows.count == 20_000)
        #expect(Set(result.column("id").compactMap(\.text)).count == 20_000)

        // The server's view: 1 schema request + 200 pages, all 200, never over 5 in a second.
        let requests = try server.log()
        #expect(requests.count == 201)
        #expect(requests.allSatisfy { $0.status == 200 && !$0.penalty && !$0.rateLimited })
        #expect(maxRequestsPerSecond(requests) <= 5)
        #expect(log.messages(.warn).isEmpty)

        // 5 requests a second of 100 records: 500 records a second at most; the pacer spaces requests
        // 220 ms apart (a 100 ms margin in every 6), so 0.91 of it at best.
        let ratio = 20_000.0 / seconds / 500.0
        print("airtable: 20,000 records in \(String(format: "%.2f", seconds)) s: "
            + "\(String(format: "%.0f", 20_000 / seconds)) records/s, \(String(format: "%.3f", ratio)) of the 500/s ceiling")
        #expect(ratio >= 0.85)
    }
}

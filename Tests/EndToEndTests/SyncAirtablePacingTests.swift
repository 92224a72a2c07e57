import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// Two `etl-host` processes reading one base share its 5 requests a second
/// (a pacing file under the state folder), as Airtable counts them: from
/// the test server's own log of arrivals.
@Suite struct SyncAirtablePacingTests {
    static let base = "appE2EPacing00001"

    static func server(records: Int) throws -> AirtableServer {
        let server = try AirtableServer(fixture: ["bases": [["id": base, "tables": [
            ["generate": ["table": "Big", "records": records, "seed": 3]],
        ]]]])
        try server.setRateLimit(perSecond: 5, penaltySeconds: 30, tokenPerSecond: 0)
        return server
    }

    /// The most requests the server received in any window of one second.
    static func maxRequestsPerSecond(_ log: [AirtableServer.LogEntry]) -> Int {
        let times = log.map(\.time).sorted()
        var best = 0
        var start = 0
        for end in times.indices {
            while times[end] - times[start] >= 1.0 { start += 1 }
            best = max(best, end - start + 1)
        }
        return best
    }

    /// `etl-host sync airtable sqlite` of the base into `database`, sharing `state` as the state folder.
    static func sync(_ sandbox: HostSandbox, _ server: AirtableServer, database: String,
                     state: String) throws -> TestSupport.ProcessResult {
        try sandbox.etlHost(
            "sync", "airtable", "sqlite", "-s", "base=\(base)", "-s", "api_url=\(server.url)", "-d", "path=\(database)",
            "--quiet", environment: ["AIRTABLE_TOKEN": AirtableServer.defaultToken, "ETL_STATE_DIR": state])
    }

    static func rows(_ sandbox: HostSandbox, _ database: String) throws -> Int {
        let count = try SQLiteInspector(path: sandbox.root + "/" + database).rows("SELECT count(*) FROM big")
        return Int(count.first?.first.flatMap { $0 } ?? "") ?? -1
    }

    @Test func twoSyncsOfOneBaseAtOnceShareItsFiveRequestsPerSecond() throws {
        let server = try Self.server(records: 1_000)
        let sandbox = try HostSandbox("sync-airtable-two-at-once")
        let state = sandbox.root + "/state"

        final class Runs: @unchecked Sendable {
            var results: [Result<TestSupport.ProcessResult, Error>?] = [nil, nil]
            let lock = NSLock()
        }
        let runs = Runs()
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            let result = Result { try Self.sync(sandbox, server, database: "run\(index).db", state: state) }
            runs.lock.withLock { runs.results[index] = result }
        }
        for case let result? in runs.results {
            let run = try result.get()
            #expect(run.status == 0, "\(run.stderr)")
        }
        #expect(try Self.rows(sandbox, "run0.db") == 1_000)
        #expect(try Self.rows(sandbox, "run1.db") == 1_000)

        let requests = try server.log()
        #expect(requests.count == 2 * (1 + 10))
        #expect(requests.allSatisfy { $0.status == 200 && !$0.penalty && !$0.rateLimited }, "\(requests.map(\.status))")
        #expect(Self.maxRequestsPerSecond(requests) <= 5)
        let pacingFiles = try FileManager.default.contentsOfDirectory(atPath: state + "/airtable-pacing")
        #expect(pacingFiles.count == 1 && pacingFiles[0].hasPrefix(Self.base + "-"), "\(pacingFiles)")
    }

    @Test func aSyncRightAfterAnotherStartsWhereItsPacingLeftOff() throws {
        let server = try Self.server(records: 500)
        let sandbox = try HostSandbox("sync-airtable-back-to-back")
        let state = sandbox.root + "/state"
        for index in 0..<2 {
            let run = try Self.sync(sandbox, server, database: "run\(index).db", state: state)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(try Self.rows(sandbox, "run\(index).db") == 500)
        }
        let requests = try server.log()
        #expect(requests.count == 2 * (1 + 5))
        #expect(requests.allSatisfy { $0.status == 200 && !$0.penalty && !$0.rateLimited }, "\(requests.map(\.status))")
        #expect(Self.maxRequestsPerSecond(requests) <= 5)
    }
}

import ETLTestSupport
import Foundation
import Testing

/// `requests_per_second` shared between processes: two `etl-host sync rest` at once against one
/// API take turns through a pacing file under the state folder, keyed by the host of `base_url`
/// (or `pacing_key`), as the server's own log of arrivals shows.
@Suite struct RestSharedPacingTests {
    /// Pages 1-9 hold one item each, page 10 is empty: 10 requests per read.
    static let pages = 10
    static let rate = 4.0

    static func server(pages: Int = pages) throws -> RestServer {
        try RestServer(routes: (1...pages).map { page in
            ["path": "/items", "query": ["page": "\(page)"],
             "responses": [["json": page < pages ? items(page, 1) : [Any]()]]]
        })
    }

    /// `etl-host sync rest sqlite` of `config` (written to `<name>.json`) into `<name>.db`, with
    /// `state` as the state folder.
    static func sync(_ sandbox: HostSandbox, name: String, config: [String: Any], state: String) throws
        -> TestSupport.ProcessResult {
        let file = sandbox.root + "/\(name).json"
        try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys]).write(to: URL(fileURLWithPath: file))
        return try TestSupport.run(TestSupport.hostExecutable,
                                   ["sync", "rest", "sqlite", "-s", "@file:\(name).json", "-d", "path=\(name).db", "--quiet"],
                                   environment: sandbox.environment.merging(["ETL_STATE_DIR": state]) { $1 },
                                   currentDirectory: sandbox.root)
    }

    /// A paced config of `/items` whose requests carry `client=<client>`.
    static func config(_ server: RestServer, client: String, extra: [String: Any] = [:]) -> [String: Any] {
        itemsConfig(server, paginator: "page_number",
                    extra: ["requests_per_second": rate, "params": ["client": client]].merging(extra) { $1 })
    }

    @Test func twoProcessesAtOnceShareOneRequestsPerSecondBudget() throws {
        let server = try Self.server()
        let sandbox = try HostSandbox("rest-shared-pacing")
        let state = sandbox.root + "/state"
        final class Runs: @unchecked Sendable {
            var results: [Result<TestSupport.ProcessResult, Error>?] = [nil, nil]
            let lock = NSLock()
        }
        let runs = Runs()
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            let client = index == 0 ? "a" : "b"
            let result = Result { try Self.sync(sandbox, name: client, config: Self.config(server, client: client), state: state) }
            runs.lock.withLock { runs.results[index] = result }
        }
        for case let result? in runs.results {
            let run = try result.get()
            #expect(run.status == 0, "\(run.stderr)")
        }
        for client in ["a", "b"] {
            let rows = try SQLiteInspector(path: sandbox.root + "/\(client).db").rows("SELECT id FROM items ORDER BY id")
            #expect(rows == (1..<Self.pages).map { ["\($0)"] })
        }

        let requests = try server.log().sorted { $0.time < $1.time }
        #expect(requests.count == 2 * Self.pages)
        // The reads overlapped: one client's first request came before the other's last.
        let clients = requests.map { $0.parameter("client") ?? "?" }
        let firstB = clients.firstIndex(of: "b") ?? clients.count
        let firstA = clients.firstIndex(of: "a") ?? clients.count
        let lastA = clients.lastIndex(of: "a") ?? -1
        let lastB = clients.lastIndex(of: "b") ?? -1
        #expect(firstB < lastA && firstA < lastB, "the two syncs did not overlap: \(clients)")
        // Request starts are at least 1/rate apart across both processes. An arrival comes at or after
        // its start, and at most a scheduling delay later: any 5 consecutive arrivals span at least
        // 4 intervals (1 s) less a 250 ms allowance for that delay. Two processes pacing alone would
        // put 5 arrivals within about 2 intervals (0.5 s).
        let times = requests.map(\.time)
        let interval = 1 / Self.rate
        let spans = zip(times, times.dropFirst(4)).map { $1 - $0 }
        #expect(spans.allSatisfy { $0 >= 4 * interval - 0.25 }, "spans of 5 arrivals: \(spans), clients \(clients)")
        // One pacing file, named after the host of base_url.
        let files = try FileManager.default.contentsOfDirectory(atPath: state + "/rest-pacing")
        #expect(files.count == 1 && files[0].hasPrefix("127.0.0.1_\(server.port)-") && files[0].hasSuffix(".pacing"), "\(files)")
    }

    @Test func aRunRightAfterAnotherStartsWhereItsPacingLeftOff() throws {
        // One request a second, two requests a run: b starts well within a second of a's last request.
        let server = try Self.server(pages: 2)
        let sandbox = try HostSandbox("rest-pacing-back-to-back")
        let state = sandbox.root + "/state"
        for client in ["a", "b"] {
            let run = try Self.sync(sandbox, name: client,
                                    config: Self.config(server, client: client, extra: ["requests_per_second": 1]), state: state)
            #expect(run.status == 0, "\(run.stderr)")
        }
        let times = try server.log().map(\.time).sorted()
        #expect(times.count == 4)
        // b's first request waited for the slot after a's last one (a request is never early, so the
        // arrivals of consecutive slots are an interval apart, less a 250 ms allowance for delays).
        let gaps = zip(times, times.dropFirst()).map { $1 - $0 }
        #expect(gaps.allSatisfy { $0 >= 0.75 }, "gaps \(gaps)")
    }

    @Test func pacingKeyNamesTheBudgetAndAnUnpacedRunKeepsNoFile() throws {
        let server = try Self.server()
        let sandbox = try HostSandbox("rest-pacing-key")
        let state = sandbox.root + "/state"
        let keyed = try Self.sync(sandbox, name: "keyed", config: Self.config(server, client: "k", extra: ["pacing_key": "Example API/eu"]),
                                  state: state)
        #expect(keyed.status == 0, "\(keyed.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: state + "/rest-pacing")
        #expect(files.count == 1 && files[0].hasPrefix("Example_API_eu-"), "\(files)")

        let unpacedState = sandbox.root + "/unpaced-state"
        let unpaced = try Self.sync(sandbox, name: "unpaced", config: itemsConfig(server, paginator: "page_number"),
                                    state: unpacedState)
        #expect(unpaced.status == 0, "\(unpaced.stderr)")
        #expect(!FileManager.default.fileExists(atPath: unpacedState + "/rest-pacing"))

        let empty = try Self.sync(sandbox, name: "empty", config: Self.config(server, client: "e", extra: ["pacing_key": ""]),
                                  state: state)
        #expect(empty.status == 64)
        #expect(empty.stderr.contains("pacing_key"), "\(empty.stderr)")
    }
}

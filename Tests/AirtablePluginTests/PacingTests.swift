import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

/// The pacer as the server sees it: request arrivals from the server's own
/// log, never this process's clock.
@Suite("airtable: pacing, as the server counts it")
struct PacingTests {
    static func table(_ base: String, records: Int) -> [String: Any] {
        ["bases": [["id": base, "tables": [[
            "name": "T", "fields": [["name": "Name", "type": "singleLineText"]],
            "records": (1...records).map { ["fields": ["Name": "r\($0)"]] },
        ]]]]]
    }

    /// The shortest time between two consecutive arrivals.
    static func minimumGap(_ log: [AirtableServer.LogEntry]) -> Double {
        let times = log.map(\.time).sorted()
        return zip(times, times.dropFirst()).map { $1 - $0 }.min() ?? .infinity
    }

    @Test("requests are spread evenly, about 220 ms apart: never 6 in a second, never back to back")
    func evenlySpaced() throws {
        let base = "appEvenly00000001"
        let server = try AirtableServer.start(Self.table(base, records: 900), rateLimited: true)
        try server.setRateLimit(perSecond: 5, penaltySeconds: 30)
        let (instance, log) = try AirtablePlugin.open(server, base: base)
        let result = try instance.readAll("T")
        #expect(result.column("Name") == (1...900).map { .string("r\($0)") })

        let requests = try server.log()
        #expect(requests.count == 1 + 9)
        #expect(requests.allSatisfy { $0.status == 200 && !$0.penalty && !$0.rateLimited })
        #expect(maxRequestsPerSecond(requests) <= 5)
        // Five back to back and a wait (the old pacer) put requests a millisecond apart.
        #expect(Self.minimumGap(requests) >= 0.1, "\(requests.map(\.time))")
        #expect(log.messages(.warn).isEmpty)
    }

    @Test("libcurl's silent re-send after a dropped kept-alive connection takes its own slot: no 429")
    func resendsArePaced() throws {
        let base = "appResend00000001"
        let server = try AirtableServer.start(Self.table(base, records: 1_200), rateLimited: true)
        try server.setRateLimit(perSecond: 5, penaltySeconds: 30)
        // Every third request to the base: the server reads it and closes the connection.
        try server.addFaults(.init(.drop, base: base, every: 3))
        let (instance, log) = try AirtablePlugin.open(server, base: base)
        let result = try instance.readAll("T")
        #expect(result.column("Name") == (1...1_200).map { .string("r\($0)") })
        #expect(Set(result.column("id")).count == 1_200)

        let requests = try server.log()
        let dropped = requests.filter { $0.fault == "drop" }
        // 1 schema request + 12 pages, and one more for each drop (the 3rd, 6th, ... request).
        #expect(requests.count == 13 + dropped.count)
        #expect(dropped.count == requests.count / 3)
        #expect(dropped.allSatisfy { $0.status == 0 })
        #expect(requests.allSatisfy { $0.status != 429 && !$0.penalty && !$0.rateLimited }, "\(requests.map(\.status))")
        #expect(maxRequestsPerSecond(requests) <= 5)
        #expect(Self.minimumGap(requests) >= 0.1, "\(requests.map(\.time))")
        // libcurl re-sends a dropped request on a new connection within the same transfer (counted and said,
        // not a retry of ours); when it finds the connection dead while sending instead (curl error 55), the
        // request is retried through the pacer. Either way each drop costs one more request, never a 429.
        let retries = log.messages(.warn)
        #expect(retries.allSatisfy { $0.contains("; retry 1 of 4 in ") }, "\(retries)")
        let resends = dropped.count - retries.count
        let notes = (retries.isEmpty ? [] : ["\(retries.count) \(retries.count == 1 ? "retry" : "retries")"])
            + (resends == 0 ? [] : ["\(resends) \(resends == 1 ? "request" : "requests") re-sent on a new connection "
                + "after a kept-alive one closed without an answer"])
        #expect(resends > 0)
        #expect(log.messages(.info) == ["table \"T\": 1200 records in 12 pages (\(notes.joined(separator: ", ")))"])
    }

    @Test("two instances reading one base share its budget")
    func twoInstancesShare() throws {
        let base = "appShared00000001"
        let server = try AirtableServer.start(Self.table(base, records: 500), rateLimited: true)
        try server.setRateLimit(perSecond: 5, penaltySeconds: 30)
        /// Two instances, each read on its own thread.
        final class Readers: @unchecked Sendable {
            let instances: [PluginInstance]
            var results: [Result<ReadResult, Error>?] = [nil, nil]
            let lock = NSLock()
            init(_ instances: [PluginInstance]) { self.instances = instances }
        }
        let readers = Readers([try AirtablePlugin.open(server, base: base).0, try AirtablePlugin.open(server, base: base).0])
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            let result = Result { try readers.instances[index].readAll("T") }
            readers.lock.withLock { readers.results[index] = result }
        }
        for result in readers.results {
            #expect(try result?.get().rows.count == 500)
        }
        let requests = try server.log()
        #expect(requests.count == 2 * (1 + 5))
        #expect(requests.allSatisfy { $0.status == 200 && !$0.penalty && !$0.rateLimited })
        #expect(maxRequestsPerSecond(requests) <= 5)
    }

    @Test("the pacing file: read back as written; a file of another boot reads as fresh")
    func pacingFileFormat() throws {
        let folder = try TestSupport.temporaryDirectory("airtable-pacing-file")
        let path = RequestPacerPaths.path(folder: folder + "/nested/airtable-pacing")
        let server = try AirtableServer.start(Self.table("appPacingFile0001", records: 1))
        let (instance, _) = try AirtablePlugin.open(server, base: "appPacingFile0001", ["state_dir": .string(folder + "/nested")])
        _ = try instance.readAll("T")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder + "/nested/airtable-pacing")
        #expect(files.count == 1)
        let name = try #require(files.first)
        #expect(name.hasPrefix("appPacingFile0001-") && name.hasSuffix(".pacing"))
        let text = try String(contentsOfFile: path(name), encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines.first == "etl-host pacing 1 airtable")
        let boot = try String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(lines.dropFirst().first == "boot \(boot)")
        #expect(lines.dropFirst(2).first?.hasPrefix("next_start ") == true)
        #expect(lines.last == "penalty_until 0.0")

        // A file from another boot: its monotonic times mean nothing now, so the next read is not held up.
        try "etl-host airtable pacing 1\nboot another-boot\nnext_start 1e12\npenalty_until 1e12\n"
            .write(toFile: path(name), atomically: false, encoding: .utf8)
        try server.clearLog()
        let (again, _) = try AirtablePlugin.open(server, base: "appPacingFile0001", ["state_dir": .string(folder + "/nested")])
        #expect(try again.readAll("T").rows.count == 1)
        #expect(try server.log().count == 2)
    }
}

/// Paths of pacing files in tests.
enum RequestPacerPaths {
    static func path(folder: String) -> (String) -> String {
        { name in folder + "/" + name }
    }
}

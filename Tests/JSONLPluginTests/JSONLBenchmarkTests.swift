import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

@Suite("jsonl plugin speed through the C stream (set ETL_BENCH=1; meaningful in release builds)")
struct JSONLBenchmarkTests {
    @Test("rows/s and MB/s of a 1,000,000-line file read through the host",
          .enabled(if: ProcessInfo.processInfo.environment["ETL_BENCH"] == "1"))
    func throughput() throws {
        let rows = 1_000_000
        var text = ""
        text.reserveCapacity(rows * 230)
        for id in 0..<rows {
            text += #"{"id":\#(id),"name":"user \#(id)","email":"u\#(id)@example.com","active":\#(id % 2 == 0),"#
                + #""score":\#(Double(id % 10_000) / 100),"created_at":"2024-01-05T10:00:00Z","#
                + #""address":{"city":"Zürich","zip":"\#(id % 100_000)"},"tags":["a","b\#(id % 9)"]"#
                + (id % 3 == 0 ? #","note":"said \"hi\"\n twice""# : "") + "}\n"
        }
        let folder = try JSONLPlugin.folder(["bench.jsonl": text])
        let bytes = Double(text.utf8.count)
        let instance = try JSONLPlugin.open(["path": "\(folder)/bench.jsonl"])
        var best = Double.infinity
        for _ in 0..<3 {
            let start = DispatchTime.now().uptimeNanoseconds
            let reader = try instance.read(stream: "bench")
            var count = 0
            while let batch = try reader.next() { count += batch.rowCount }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            #expect(count == rows)
        }
        print("jsonl through the C stream: \(Int(Double(rows) / best / 1000))K rows/s, \(Int(bytes / 1e6 / best)) MB/s "
            + "(\(rows) rows, \(Int(bytes / 1e6)) MB, best of 3: \(Int(best * 1000)) ms)")
        try? FileManager.default.removeItem(atPath: folder)
    }
}

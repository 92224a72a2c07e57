import ETLPluginKit
import Foundation
import Testing

/// Typical JSON Lines records of 100 to 300 bytes: ids, names, emails,
/// flags, numbers, timestamps, a nested object, an array, sometimes an
/// escape, a missing key or a non-ASCII name.
enum JSONBenchmarkData {
    static func records(_ count: Int) -> [UInt8] {
        var generator = SeededGenerator(seed: 99)
        var out: [UInt8] = []
        out.reserveCapacity(count * 220)
        let cities = ["Paris", "Zürich", "New York", "São Paulo", "Tokyo", "Lagos"]
        for id in 0..<count {
            let city = cities[Int(generator.next() % 6)]
            var line = #"{"id":\#(id),"name":"user \#(id)","email":"u\#(id)@example.com","active":"#
                + (generator.next() % 2 == 0 ? "true" : "false")
                + #","score":\#(Double(generator.next() % 100_000) / 100),"created_at":"2024-01-05T10:00:00Z","#
                + #""address":{"city":"\#(city)","zip":"\#(generator.next() % 100_000)"},"tags":["a","b\#(id % 9)"]"#
            if id % 3 == 0 { line += #","note":"said \"hi\"\n twice""# }
            if id % 5 == 0 { line += #","missing_sometimes":null"# }
            line += "}\n"
            out += Array(line.utf8)
        }
        return out
    }

    /// The byte ranges of the lines of `bytes` (line breaks excluded).
    static func lines(_ bytes: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        for (index, byte) in bytes.enumerated() where byte == 0x0A {
            ranges.append(start..<index)
            start = index + 1
        }
        return ranges
    }
}

/// The slow tier (suites named `SlowTier...`, left out by `scripts/test`, run by
/// `scripts/test --all` and CI): the speed floors hold in release builds only; a
/// debug build checks the scan's result.
@Suite("JSON scanner speed (slow tier; the floors apply to release builds)")
struct SlowTierJSONScannerSpeedTests {
    @Test("scan, validate and JSONValue throughput on typical records")
    func throughput() throws {
        #if DEBUG
        let data = JSONBenchmarkData.records(20_000) // no floors to check: the scan's result only
        #else
        let data = JSONBenchmarkData.records(200_000)
        #endif
        let lines = JSONBenchmarkData.lines(data)
        let scanner = JSONObjectScanner()
        func measure(_ label: String, rounds: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) rethrows -> Double {
            var best = Double.infinity
            try data.withUnsafeBytes { all in
                for _ in 0..<rounds {
                    let start = DispatchTime.now().uptimeNanoseconds
                    for range in lines { try body(UnsafeRawBufferPointer(rebasing: all[range])) }
                    best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                }
            }
            let megabytes = Double(data.count) / 1e6
            print("\(label): \(Int(megabytes / best)) MB/s, \(Int(Double(lines.count) / best / 1000))K records/s, "
                + "\(Int(best * 1e9 / Double(lines.count))) ns/record (\(lines.count) records, "
                + "\(data.count / lines.count) bytes each on average)")
            return megabytes / best
        }
        var members = 0
        let scan = try measure("scan (members, keys, strings, numbers)", rounds: 5) { line in
            members += try scanner.scan(line).count
        }
        let validate = try measure("validateObject", rounds: 5) { try scanner.validateObject($0) }
        _ = try measure("JSONValue(jsonBytes:)", rounds: 2) { _ = try JSONValue(jsonBytes: $0) }
        _ = try measure("Foundation JSONSerialization (for comparison)", rounds: 1) { line in
            _ = try JSONSerialization.jsonObject(with: Data(line))
        }
        #expect(members > lines.count * 9)
        #if !DEBUG
        #expect(scan >= 300, "scan: \(scan) MB/s")
        #expect(validate >= 300, "validateObject: \(validate) MB/s")
        #endif
    }
}

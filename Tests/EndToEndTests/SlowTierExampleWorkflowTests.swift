import ETLTestSupport
import Foundation
import Testing

/// The slow tier: Examples/RatesWorkflow, a separate package that declares a
/// workflow in Swift against this checkout, built with `swift build` (its
/// own scratch folder under the test's temporary folder, never the
/// repository's .build) and run with the plugins of this build.
@Suite struct SlowTierExampleWorkflowTests {
    @Test(.timeLimit(.minutes(20))) func theExampleWorkflowBuildsRunsAndIsRecorded() throws {
        let root = try TestSupport.temporaryDirectory("example-workflow")
        let example = TestSupport.repositoryRoot + "/Examples/RatesWorkflow"
        let scratch = root + "/build"
        // The test's own environment (HOME), so that SwiftPM finds its cache.
        let build = try TestSupport.run("/usr/bin/env", ["swift", "build", "--package-path", example, "--scratch-path", scratch])
        #expect(build.status == 0, "\(build.stdout)\(build.stderr)")

        let work = root + "/work"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: example + "/rates.csv", toPath: work + "/rates.csv")
        var environment = ProcessInfo.processInfo.environment
        environment["ETL_HOST_DIR"] = TestSupport.productsDirectory
        environment["ETL_STATE_DIR"] = root + "/state"
        environment["ETL_REGISTRY_PATH"] = nil
        let run = try TestSupport.run(scratch + "/debug/rates-workflow", [], environment: environment, currentDirectory: work)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let lines = run.stdout.components(separatedBy: "\n")
        #expect(lines.count == 7, "\(run.stdout)")
        guard lines.count == 7 else { return }
        let oneLiner = String(lines[0].dropFirst("one-liner run ".count).prefix { $0 != ":" })
        let id = String(lines[1].dropFirst("workflow run ".count).prefix { $0 != ":" })
        #expect(lines == [
            "one-liner run \(oneLiner): succeeded",
            "workflow run \(id): succeeded",
            "  raw_rates sync succeeded",
            "  stamp swift succeeded",
            "  count swift succeeded",
            "  report command succeeded",
            "",
        ])
        #expect(try SQLiteInspector(path: work + "/dwh.db").rows("SELECT currency, rate FROM rates ORDER BY currency")
            == [["EUR", "1.08"], ["GBP", "1.27"], ["JPY", "0.0067"]])
        #expect(try String(contentsOfFile: work + "/report.txt", encoding: .utf8) == "run \(id)\n3 rates\n")

        // The record, through the built etl-host.
        let show = try TestSupport.run(TestSupport.hostExecutable, ["runs", "show", id, "--json"], environment: environment)
        #expect(show.status == 0, "\(show.stderr)")
        let record = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        #expect(record["pipeline"] as? String == "rates")
        #expect(record["status"] as? String == "succeeded")
        #expect(record["file"] as? String == "swift:rates-workflow")
        let steps = try #require(record["steps"] as? [[String: Any]])
        #expect(steps.map { "\($0["name"] ?? "")=\($0["kind"] ?? "")/\($0["state"] ?? "")" }
            == ["raw_rates=sync/succeeded", "stamp=swift/succeeded", "count=swift/succeeded", "report=command/succeeded"])
        #expect(steps.first?["rows"] as? Int == 3)
        let list = try TestSupport.run(TestSupport.hostExecutable, ["runs"], environment: environment)
        #expect(list.stdout.contains("\(id)  rates "), "\(list.stdout)")
        #expect(list.stdout.contains("\(oneLiner)  etl-csv-sqlite "), "\(list.stdout)")
    }
}

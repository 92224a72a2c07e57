import ETLTestSupport
import Foundation
import Testing

/// One flag vocabulary: `plugins test` takes a plugin's config as `sync`
/// does (-s for an extractor, -d for a warehouse, @file:PATH for a whole
/// config); the spellings before (-c/--set, --config FILE) still work and
/// are hidden from --help.
@Suite struct FlagVocabularyTests {
    @Test func pluginsTestTakesSourceAndDestKeysAndTheOldSpellingsStillWork() throws {
        let sandbox = try CLISandbox("flags-plugins-test")
        try sandbox.write("id,name\n1,a\n2,b\n", to: "a.csv")
        try sandbox.write(#"{"path": "a.csv"}"#, to: "csv.json")
        for arguments in [["-s", "path=a.csv"], ["-s", "@file:csv.json"], ["-c", "path=a.csv"], ["--set", "path=a.csv"], ["--config", "csv.json"]] {
            let result = try sandbox.etlHost(["plugins", "test", "csv", "--json"] + arguments)
            #expect(result.status == 0, "\(arguments): \(result.stdout)\(result.stderr)")
            let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            let checks = report?["checks"] as? [[String: Any]] ?? []
            #expect(checks.contains { $0["check"] as? String == "arrow" && $0["status"] as? String == "pass" }, "\(arguments): \(result.stdout)")
        }
        let warehouse = try sandbox.etlHost(["plugins", "test", "sqlite", "-d", "path=\(sandbox.root)/conformance.db", "--json"])
        #expect(warehouse.status == 0, "\(warehouse.stdout)\(warehouse.stderr)")

        let wrongSide = try sandbox.etlHost(["plugins", "test", "sqlite", "-s", "path=x.db"])
        #expect(wrongSide.status == 64)
        #expect(wrongSide.stderr == "etl-host: error: -s sets an extractor's config, and this plugin is a warehouse: use -d KEY=VALUE\n")
        let otherSide = try sandbox.etlHost(["plugins", "test", "csv", "-d", "path=a.csv"])
        #expect(otherSide.status == 64)
        #expect(otherSide.stderr == "etl-host: error: -d sets a warehouse's config, and this plugin is an extractor: use -s KEY=VALUE\n")

        let help = try sandbox.etlHost(["plugins", "test", "--help"])
        #expect(help.stdout.contains("-s, --source <key=value>") && help.stdout.contains("-d, --dest <key=value>"), "\(help.stdout)")
        #expect(!help.stdout.contains("--set") && !help.stdout.contains("--config <"), "\(help.stdout)")
    }
}

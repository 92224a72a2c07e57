import ETLTestSupport
import Foundation
import Testing

/// `--mode`, `--deletions`, `--log-level` and `--log-format` take one of
/// their names: `--help` lists them, and an unknown one is the command's
/// own usage error (exit 64; with `--json` one JSON line), never the
/// argument parser's.
@Suite struct OptionChoiceTests {
    static let cases: [(option: String, value: String, message: String)] = [
        ("--mode", "merge", "unknown --mode 'merge'; use replace, append or upsert"),
        ("--deletions", "purge", "unknown --deletions 'purge'; use keep, remove or flag"),
        ("--log-level", "loud", "unknown --log-level 'loud'; use trace, debug, info, warn, error"),
        ("--log-format", "xml", "unknown --log-format 'xml'; use text or json"),
    ]

    @Test func anUnknownNameIsAUsageErrorNamingTheValidOnes() throws {
        let sandbox = try HostSandbox("option-choice")
        for (option, value, message) in Self.cases {
            let text = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=x.csv", option, value)
            #expect(text.status == 64, "\(option): \(text.stderr)")
            #expect(text.stderr == "etl-host: error: \(message)\n", "\(option)")
            #expect(text.stdout == "")

            let json = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=x.csv", option, value, "--json")
            #expect(json.status == 64, "\(option): \(json.stderr)")
            let summary = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(option): \(json.stdout)")
            #expect(summary["status"] as? String == "failed")
            #expect(summary["error"] as? String == message)
            #expect(summary["run_id"] is NSNull)
        }
    }

    @Test func aConfigFilesModeIsCheckedTheSameWay() throws {
        let sandbox = try HostSandbox("option-choice-config")
        try Data(#"{"extractor": "csv", "warehouse": "sqlite", "mode": "merge", "deletions": "keep"}"#.utf8)
            .write(to: URL(fileURLWithPath: sandbox.root + "/sync.json"))
        let result = try sandbox.etlHost("sync", "--config", "sync.json", "-s", "path=x.csv")
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr == "etl-host: error: unknown --mode 'merge'; use replace, append or upsert\n")
    }

    @Test func runsShowAndReplayCheckTheirsToo() throws {
        let sandbox = try HostSandbox("option-choice-runs")
        try Data("id,name\n1,a\n".utf8).write(to: URL(fileURLWithPath: sandbox.root + "/x.csv"))
        let sync = try sandbox.etlHost("sync", "csv", "sqlite", "-s", "path=x.csv", "--json")
        #expect(sync.status == 0, "\(sync.stderr)")
        let runID = try #require((try JSONSerialization.jsonObject(with: Data(sync.stdout.utf8)) as? [String: Any])?["run_id"] as? String)
        let show = try sandbox.etlHost("runs", "show", runID, "--log-level", "loud")
        #expect(show.status == 64)
        #expect(show.stderr == "etl-host: error: unknown --log-level 'loud'; use trace, debug, info, warn, error\n")
        let replay = try sandbox.etlHost("replay", runID, "--mode", "merge")
        #expect(replay.status == 64)
        #expect(replay.stderr == "etl-host: error: unknown --mode 'merge'; use replace, append or upsert\n")
        let shown = try sandbox.etlHost("runs", "show", runID, "--log-level", "error")
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains("  from -> to: csv -> sqlite (replace)\n"), "\(shown.stdout)")
    }

    @Test func helpListsTheNames() throws {
        let sandbox = try HostSandbox("option-choice-help")
        let help = try sandbox.etlHost("sync", "--help")
        #expect(help.status == 0)
        let text = help.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        #expect(text.contains("--mode <mode>"), "\(help.stdout)")
        #expect(text.contains("values: replace, append, upsert"), "\(help.stdout)")
        #expect(text.contains("values: keep, remove, flag"), "\(help.stdout)")
        #expect(text.contains("(values: trace, debug, info, warn, error; default: warn)"), "\(help.stdout)")
        #expect(text.contains("(values: text, json; default: text)"), "\(help.stdout)")
    }
}

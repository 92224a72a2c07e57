@testable import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// Which indexes are read, in which order (docs/PLUGIN_INDEX.md).
@Suite struct PluginIndexSourcesTests {
    @Test func theOrderIsFlagsEnvironmentProjectThenUser() throws {
        let root = try TestSupport.temporaryDirectory("index-sources")
        try FileManager.default.createDirectory(atPath: root + "/config/etl-host", withIntermediateDirectories: true)
        try Data(#"{"indexes": ["vendor/index.json", "https://example.org/a.json"]}"#.utf8).write(to: URL(fileURLWithPath: root + "/etl-index.json"))
        try Data(#"{"indexes": ["https://example.org/user.json", "https://example.org/a.json"]}"#.utf8)
            .write(to: URL(fileURLWithPath: root + "/config/etl-host/etl-index.json"))
        let sources = try PluginIndexSources(
            explicit: ["https://example.org/flag.json", "local/index.json"],
            environment: ["ETL_PLUGIN_INDEX": "file:///srv/one.json  https://example.org/two.json", "XDG_CONFIG_HOME": root + "/config"],
            currentDirectory: root)
        #expect(sources.locations.map(\.reference) == [
            "https://example.org/flag.json", root + "/local/index.json",
            "file:///srv/one.json", "https://example.org/two.json",
            root + "/vendor/index.json", "https://example.org/a.json",
            "https://example.org/user.json",
        ])
        #expect(sources.locations.map(\.scope) == [.explicit, .explicit, .environment, .environment, .project, .project, .user])
        #expect(sources.locations[4].configuration == root + "/etl-index.json")
    }

    @Test func aBadConfigurationFileIsNamed() throws {
        let root = try TestSupport.temporaryDirectory("index-sources-bad")
        try Data(#"{"indexes": "https://example.org/a.json"}"#.utf8).write(to: URL(fileURLWithPath: root + "/etl-index.json"))
        #expect(throws: HostError(.invalidArgument, "plugin index configuration '\(root)/etl-index.json' must be {\"indexes\": [\"URL or path\", ...]} (a JSON object with an array of strings)")) {
            try PluginIndexSources(environment: ["HOME": root], currentDirectory: root)
        }
    }
}

import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

/// `-s @file:api.json`: a whole config from a JSON object file, its `@env:` references
/// resolved, later settings overriding it, and the file kept out of the recorded config's secrets.
@Suite struct ConfigFileSettingTests {
    static let schema = """
        {"type": "object", "additionalProperties": false, "required": ["path"],
         "properties": {"path": {"type": "string"}, "limit": {"type": "integer"},
                        "resources": {"type": "array"}, "token": {"type": "string", "x-secret": true}}}
        """

    @Test func aConfigFileGivesEveryMemberAndLaterSettingsOverrideIt() throws {
        let folder = try TestSupport.temporaryDirectory("config-file-setting")
        let file = folder + "/api.json"
        try Data(#"{"path": "a.csv", "limit": 5, "resources": [{"name": "users"}], "token": "@env:DEMO_TOKEN"}"#.utf8)
            .write(to: URL(fileURLWithPath: file))
        let resolver = try ConfigResolver(plugin: "demo", schemaJSON: Self.schema)
        let config = try resolver.resolve(settings: ["@file:\(file)", "limit=7"], environment: ["DEMO_TOKEN": "s3cret-token"])
        #expect(try ConfigResolver.json(config)
            == #"{"limit":7,"path":"a.csv","resources":[{"name":"users"}],"token":"s3cret-token"}"#)
        #expect(resolver.recordable(settings: ["@file:\(file)"])["token"] == .string("@env:DEMO_TOKEN"))
    }

    @Test func aMissingOrNonObjectFileIsNamed() throws {
        let folder = try TestSupport.temporaryDirectory("config-file-setting-bad")
        try Data("[1]".utf8).write(to: URL(fileURLWithPath: folder + "/list.json"))
        let resolver = try ConfigResolver(plugin: "demo", schemaJSON: Self.schema)
        #expect(throws: HostError(.invalidArgument, "demo: the config file '\(folder)/none.json' (@file:) cannot be read")) {
            try resolver.resolve(settings: ["@file:\(folder)/none.json"])
        }
        #expect(throws: HostError(.invalidArgument, "demo: the config file '\(folder)/list.json' (@file:) is not a JSON object")) {
            try resolver.resolve(settings: ["@file:\(folder)/list.json"])
        }
    }
}

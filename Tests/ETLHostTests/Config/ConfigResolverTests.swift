import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

@Suite struct ConfigResolverTests {
    static let schema = """
        {"type": "object", "additionalProperties": false, "required": ["path"],
         "properties": {"path": {"type": "string"}, "limit": {"type": "integer"}, "ratio": {"type": "number"},
                        "header": {"type": "boolean"}, "format": {"type": "string", "enum": ["a", "b"]},
                        "token": {"type": "string", "x-secret": true}}}
        """

    @Test func settingsAreCoercedToTheSchemasTypes() throws {
        let resolver = try ConfigResolver(plugin: "demo", schemaJSON: Self.schema)
        let config = try resolver.resolve(settings: ["path=a=b.csv", "limit=10", "ratio=0.5", "header=no", "format=b"])
        #expect(try ConfigResolver.json(config) == #"{"format":"b","header":false,"limit":10,"path":"a=b.csv","ratio":0.5}"#)
    }

    @Test func unknownAndMissingKeysListTheValidOnes() throws {
        let resolver = try ConfigResolver(plugin: "demo", schemaJSON: Self.schema)
        #expect(throws: HostError(.invalidArgument, "demo: unknown config key 'paht'; valid keys: format, header, limit, path, ratio, token")) {
            try resolver.resolve(settings: ["paht=x"])
        }
        #expect(throws: HostError(.invalidArgument, "demo: missing required config key 'path' (set it with -s KEY=VALUE for a source, -d KEY=VALUE for a destination); valid keys: format, header, limit, path, ratio, token")) {
            try resolver.resolve(settings: [])
        }
        #expect(throws: HostError(.invalidArgument, "demo: config key 'limit' must be an integer, not 'ten'")) {
            try resolver.resolve(settings: ["path=x", "limit=ten"])
        }
        #expect(throws: HostError(.invalidArgument, "demo: config key 'format' must be one of: a, b")) {
            try resolver.resolve(settings: ["path=x", "format=c"])
        }
        #expect(throws: HostError(.invalidArgument, "demo: 'path' is not KEY=VALUE; valid keys: format, header, limit, path, ratio, token")) {
            try resolver.resolve(settings: ["path"])
        }
    }

    @Test func secretsComeFromTheEnvironmentOrAFileAndAreRedacted() throws {
        let resolver = try ConfigResolver(plugin: "demo", schemaJSON: Self.schema)
        let folder = try TestSupport.temporaryDirectory("config")
        try Data("s3cr3t-from-file\n".utf8).write(to: URL(fileURLWithPath: folder + "/token"))
        let fromEnvironment = try resolver.resolve(settings: ["path=x", "token=@env:DEMO_TOKEN"], environment: ["DEMO_TOKEN": "s3cr3t"])
        #expect(fromEnvironment["token"] == .string("s3cr3t"))
        let fromFile = try resolver.resolve(settings: ["path=x", "token=@file:\(folder)/token"], environment: [:])
        #expect(fromFile["token"] == .string("s3cr3t-from-file"))
        #expect(resolver.redacted(fromFile)["token"] == .string("***"))
        #expect(throws: HostError(.invalidArgument, "demo: config key 'token' comes from the environment variable NOPE, which is not set")) {
            try resolver.resolve(settings: ["path=x", "token=@env:NOPE"], environment: [:])
        }
    }

    @Test func fileValuesAreValidatedAndOverriddenBySettings() throws {
        let resolver = try ConfigResolver(plugin: "demo", schemaJSON: Self.schema)
        let config = try resolver.resolve(settings: ["limit=5"], file: ["path": .string("from-file.csv"), "limit": .integer(1)])
        #expect(try ConfigResolver.json(config) == #"{"limit":5,"path":"from-file.csv"}"#)
        #expect(throws: HostError(.invalidArgument, "demo: config key 'limit' must be an integer")) {
            try resolver.resolve(settings: [], file: ["path": .string("x"), "limit": .string("many")])
        }
    }

    @Test("a config file's values reach the plugin as the same JSON text as before configs were typed")
    func fileValuesKeepTheirJSONText() throws {
        let schema = #"{"type": "object", "properties": {"path": {"type": "string"}, "limit": {"type": "integer"}, "#
            + #""ratio": {"type": "number"}, "tags": {"type": "array"}, "headers": {"type": "object"}, "on": {"type": "boolean"}}}"#
        let resolver = try ConfigResolver(plugin: "demo", schemaJSON: schema)
        let text = #"{"path": "a/b é.csv", "limit": 2, "ratio": 2.0, "tags": [1, 2.5, 1e20, 1e-7, "x"], "#
            + #""headers": {"k": null, "n": 0.1}, "on": true}"#
        // Read as `sync --config` reads a file (the kit's parser); `raw` is how it was read before.
        let raw = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let config = try resolver.resolve(settings: [], file: try #require(try JSONValue(jsonText: text).objectValue))
        #expect(config["limit"] == .integer(2))
        #expect(config["ratio"] == .number(2))
        #expect(config["on"] == .bool(true))
        let before = String(decoding: try JSONSerialization.data(withJSONObject: raw, options: [.sortedKeys, .withoutEscapingSlashes]),
                            as: UTF8.self)
        #expect(try ConfigResolver.json(config) == before)
        #expect(try ConfigResolver.json(config) == #"{"headers":{"k":null,"n":0.1},"limit":2,"on":true,"path":"a/b é.csv","ratio":2,"#
            + #""tags":[1,2.5,1e+20,1e-07,"x"]}"#)
    }

    @Test("the recorded config keeps references and hides typed secrets; redacted hides every secret")
    func recordableAndRedacted() throws {
        let resolver = try ConfigResolver(plugin: "demo", schemaJSON: Self.schema)
        let recorded = resolver.recordable(settings: ["token=typed-secret", "limit=3"], file: ["path": .string("@env:P")])
        #expect(recorded == ["token": .string("***"), "limit": .string("3"), "path": .string("@env:P")])
        #expect(resolver.recordable(settings: ["token=@file:/run/secret"]) == ["token": .string("@file:/run/secret")])
        let config = try resolver.resolve(settings: ["path=x", "token=abcd", "limit=4"])
        #expect(resolver.redacted(config) == ["path": .string("x"), "token": .string("***"), "limit": .integer(4)])
        #expect(resolver.secretValues(config) == ["abcd"])
    }
}

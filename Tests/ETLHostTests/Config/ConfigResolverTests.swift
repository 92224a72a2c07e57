import ETLHost
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
        #expect(fromEnvironment["token"] as? String == "s3cr3t")
        let fromFile = try resolver.resolve(settings: ["path=x", "token=@file:\(folder)/token"], environment: [:])
        #expect(fromFile["token"] as? String == "s3cr3t-from-file")
        #expect(resolver.redacted(fromFile)["token"] as? String == "***")
        #expect(throws: HostError(.invalidArgument, "demo: config key 'token' comes from the environment variable NOPE, which is not set")) {
            try resolver.resolve(settings: ["path=x", "token=@env:NOPE"], environment: [:])
        }
    }

    @Test func fileValuesAreValidatedAndOverriddenBySettings() throws {
        let resolver = try ConfigResolver(plugin: "demo", schemaJSON: Self.schema)
        let config = try resolver.resolve(settings: ["limit=5"], file: ["path": "from-file.csv", "limit": 1])
        #expect(try ConfigResolver.json(config) == #"{"limit":5,"path":"from-file.csv"}"#)
        #expect(throws: HostError(.invalidArgument, "demo: config key 'limit' must be an integer")) {
            try resolver.resolve(settings: [], file: ["path": "x", "limit": "many"])
        }
    }
}

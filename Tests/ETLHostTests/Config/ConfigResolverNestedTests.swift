import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

/// `@env:`/`@file:` inside nested config (an `auth` object, a resource's headers) are resolved,
/// their values and the values of nested `x-secret` keys are secrets, and the recorded config
/// keeps references and hides literal secrets.
@Suite struct ConfigResolverNestedTests {
    static let schema = """
        {"type": "object", "additionalProperties": false,
         "$defs": {"auth": {"type": "object", "properties": {"type": {"type": "string"},
                                                             "client_secret": {"type": "string", "x-secret": true},
                                                             "client_id": {"type": "string"}}}},
         "properties": {
           "base_url": {"type": "string"},
           "auth": {"oneOf": [{"type": "string"}, {"$ref": "#/$defs/auth"}]},
           "resources": {"type": "array", "items": {"type": "object", "properties": {
             "name": {"type": "string"},
             "headers": {"type": "object", "additionalProperties": {"type": "string"}}}}}}}
        """

    static let environment = ["CLIENT_SECRET": "env-client-secret-1", "ITEMS_TOKEN": "env-items-token-2"]

    static let file: JSONObject = [
        "base_url": .string("http://127.0.0.1:1"),
        "auth": .object(["type": .string("oauth2_client_credentials"), "client_id": .string("etl"),
                         "client_secret": .string("@env:CLIENT_SECRET")]),
        "resources": .array([.object(["name": .string("items"),
                                      "headers": .object(["X-Token": .string("@env:ITEMS_TOKEN"),
                                                          "X-Client": .string("etl-host")])])]),
    ]

    @Test func referencesAreResolvedAtAnyDepth() throws {
        let resolver = try ConfigResolver(plugin: "rest", schemaJSON: Self.schema)
        let config = try resolver.resolve(settings: [], file: Self.file, environment: Self.environment)
        #expect(config["auth"]?["client_secret"] == .string("env-client-secret-1"))
        #expect(config["auth"]?["client_id"] == .string("etl"))
        #expect(config["resources"]?.arrayValue?.first?["headers"]?["X-Token"] == .string("env-items-token-2"))
        #expect(config["resources"]?.arrayValue?.first?["headers"]?["X-Client"] == .string("etl-host"))
    }

    @Test func aMissingNestedVariableNamesItsPlace() throws {
        let resolver = try ConfigResolver(plugin: "rest", schemaJSON: Self.schema)
        #expect(throws: HostError(.invalidArgument, "rest: config key 'resources[0].headers.X-Token' comes from the "
            + "environment variable ITEMS_TOKEN, which is not set")) {
            try resolver.resolve(settings: [], file: Self.file, environment: ["CLIENT_SECRET": "x"])
        }
    }

    @Test func aKeyValueSettingOfJSONTextIsResolvedToo() throws {
        let resolver = try ConfigResolver(plugin: "rest", schemaJSON: Self.schema)
        let config = try resolver.resolve(
            settings: [#"auth={"type": "oauth2_client_credentials", "client_id": "etl", "client_secret": "@env:CLIENT_SECRET"}"#],
            environment: Self.environment)
        #expect(config["auth"]?["client_secret"] == .string("env-client-secret-1"))
    }

    @Test func nestedReferencesAndNestedSecretKeysAreSecrets() throws {
        let resolver = try ConfigResolver(plugin: "rest", schemaJSON: Self.schema)
        let resolved = try resolver.resolve(settings: [], file: Self.file, environment: Self.environment)
        let recorded = resolver.recordable(settings: [], file: Self.file)
        let secrets = resolver.secretValues(resolved) + ConfigResolver.nestedReferenceValues(given: recorded, resolved: resolved)
        #expect(Set(secrets) == ["env-client-secret-1", "env-items-token-2"])
        // The reference is what the run keeps.
        #expect(recorded["auth"]?["client_secret"] == .string("@env:CLIENT_SECRET"))
        #expect(recorded["resources"]?.arrayValue?.first?["headers"]?["X-Token"] == .string("@env:ITEMS_TOKEN"))
    }

    @Test func aLiteralNestedSecretIsRecordedAndShownAsStars() throws {
        let resolver = try ConfigResolver(plugin: "rest", schemaJSON: Self.schema)
        var file = Self.file
        file["auth"] = .object(["type": .string("oauth2_client_credentials"), "client_id": .string("etl"),
                                "client_secret": .string("typed-in-secret")])
        let resolved = try resolver.resolve(settings: [], file: file, environment: Self.environment)
        #expect(resolver.secretValues(resolved).contains("typed-in-secret"))
        let recorded = resolver.recordable(settings: [], file: file)
        #expect(recorded["auth"] == .object(["type": .string("oauth2_client_credentials"), "client_id": .string("etl"),
                                             "client_secret": .string("***")]))
        #expect(resolver.redacted(resolved)["auth"]?["client_secret"] == .string("***"))
        // Given as JSON text on the command line, too.
        let typed = resolver.recordable(settings: [#"auth={"type": "x", "client_secret": "typed-in-secret"}"#])
        #expect(typed["auth"] == .object(["type": .string("x"), "client_secret": .string("***")]))
    }
}

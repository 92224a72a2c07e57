import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

@Suite("airtable: descriptor and config")
struct DescriptorAndConfigTests {
    @Test("the descriptor: an incremental extractor with type hints, and its config schema")
    func descriptor() throws {
        let plugin = try AirtablePlugin.load()
        #expect(plugin.descriptor.name == "airtable")
        #expect(plugin.descriptor.kind == .extractor)
        #expect(plugin.descriptor.version == "0.1.0")
        #expect(plugin.descriptor.language == "swift")
        #expect(plugin.descriptor.toolchain == ETLToolchain.current)
        #expect(plugin.descriptor.capabilities.sorted() == ["incremental", "key_listing", "schema_hints"])
        #expect(plugin.descriptor.optionalOperations.contains("checkpoint"))
        let schema = try JSONValue(jsonText: plugin.descriptor.configSchema)
        #expect(schema["additionalProperties"] == .bool(false))
        #expect(schema["required"] == .array([.string("base")]))
        guard case .object(let properties)? = schema["properties"] else {
            Issue.record("the schema has no properties")
            return
        }
        #expect(properties.keys.sorted() == [
            "api_url", "base", "incremental_lookback_seconds", "max_retries", "rate_limit_wait_seconds",
            "requests_per_second", "state_dir", "tables", "timeout_seconds", "token", "token_env", "view",
        ])
        #expect(properties["token"]?["x-secret"] == .bool(true))
        #expect(properties["api_url"]?["default"] == .string("https://api.airtable.com"))
        #expect(properties["token_env"]?["default"] == .string("AIRTABLE_TOKEN"))
        #expect(properties["requests_per_second"]?["default"] == .integer(5))
        #expect(properties["rate_limit_wait_seconds"]?["default"] == .integer(30))
        #expect(properties["max_retries"]?["default"] == .integer(5))
        #expect(properties["timeout_seconds"]?["default"] == .integer(60))
        #expect(properties["tables"]?["type"] == .string("array"))
    }

    @Test("a missing token is a clear error naming the variable; the token never shows")
    func missingToken() throws {
        let plugin = try AirtablePlugin.load()
        let variable = "ETL_AIRTABLE_TEST_UNSET_\(getpid())"
        let missing = hostError {
            _ = try PluginInstance(plugin: plugin, configJSON: #"{"base": "appAAAAAAAAAAAAAA", "token_env": "\#(variable)"}"#)
        }
        #expect(missing?.pluginStatus == 5)
        #expect(missing?.message == "plugin 'airtable': open failed: no Airtable token: set the environment variable "
            + "\(variable) to a personal access token (https://airtable.com/create/tokens), or give config \"token\" "
            + "(e.g. token=@env:NAME or token=@file:PATH) [ETL_ERR_UNAUTHENTICATED (5)]")

        // From the environment variable: accepted (nothing is sent at open).
        setenv(variable, "patFromTheEnvironment.secret-value", 1)
        defer { unsetenv(variable) }
        _ = try PluginInstance(plugin: plugin, configJSON: #"{"base": "appAAAAAAAAAAAAAA", "token_env": "\#(variable)"}"#)

        // A token with a line break would forge headers: refused without showing it.
        let forged = hostError {
            _ = try PluginInstance(plugin: plugin, configJSON: #"{"base": "appAAAAAAAAAAAAAA", "token": "pat1\r\nX-Evil: 1"}"#)
        }
        #expect(forged?.pluginStatus == 2)
        #expect(forged?.message.contains("pat1") == false)
        #expect(forged?.message.contains("line break") == true)
    }

    @Test("bad values are refused with the key and the fix", arguments: [
        (#"{"base": "tblNOTABASE000000", "token": "x"}"#, #"config "base" must be a base id"#),
        (#"{"base": "appAAAAAAAAAAAAAA", "token": "x", "api_url": "ftp://example.com"}"#, #"config "api_url" must be an http or https URL"#),
        (#"{"base": "appAAAAAAAAAAAAAA", "token": "x", "requests_per_second": 0}"#, #"config "requests_per_second" must be between 1 and 1000"#),
        (#"{"base": "appAAAAAAAAAAAAAA", "token": "x", "tables": []}"#, #"config "tables" is empty"#),
        (#"{"base": "appAAAAAAAAAAAAAA", "token": "x", "max_retries": -1}"#, #"config "max_retries" must be between 0 and 100"#),
        (#"{"base": "appAAAAAAAAAAAAAA", "token": "x", "colour": "red"}"#, #"unknown config key "colour""#),
    ])
    func badConfig(config: String, message: String) throws {
        let error = hostError { _ = try PluginInstance(plugin: AirtablePlugin.load(), configJSON: config) }
        #expect(error?.pluginStatus == 2)
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }

    @Test("the token appears in no message or log line, whatever fails")
    func tokenNeverLogged() throws {
        let server = try AirtableServer.start(["bases": [["id": "appSecret00000001", "tables": [
            ["name": "T", "fields": [["name": "Name", "type": "singleLineText"]], "records": [["fields": ["Name": "a"]]]],
        ]]]])

        // Refused: the message names where the token came from, not what it is.
        let secret = "patWrongToken0000.very-secret-value"
        let (refused, refusedLog) = try AirtablePlugin.open(server, base: "appSecret00000001", ["token": .string(secret)])
        let error = hostError { _ = try refused.discover() }
        #expect(error?.pluginStatus == 5)
        #expect(error?.message.contains("config \"token\"") == true)
        #expect(error?.message.contains("very-secret") == false)
        #expect(refusedLog.all.allSatisfy { !$0.contains("very-secret") })

        // Retried: the warnings do not carry it either.
        try server.addFaults(.init(.unavailable, count: 2))
        let (accepted, log) = try AirtablePlugin.open(server, base: "appSecret00000001")
        _ = try accepted.discover()
        #expect(log.messages(.warn).count == 2)
        #expect(log.all.allSatisfy { !$0.contains("full-access-test-token") && !$0.contains("Bearer") })
    }
}

import ETLHost
import ETLPluginKit
import ETLTestSupport
@testable import ETLWorkflow
import Testing

/// A connection's config resolved as sync resolves it: secrets for the
/// plugin only, references kept for the record.
@Suite struct ResolvedConnectionTests {
    @Test func secretsAreResolvedForThePluginAndKeptAsReferencesForTheRecord() throws {
        let fixture = try PipelineFixture("""
            connections:
              crm: {plugin: airtable, base: "${BASE}", token: "@env:AIRTABLE_TEST_TOKEN", timeout_seconds: 50}
              raw: {plugin: airtable, base: appX, token: patLiteralSecret}
            steps:
              load: {sync: {from: crm, to: crm}}
            """)
        let pipeline = try fixture.parse(environment: ["BASE": "appABC"])
        let plugin = try PluginLoader().load(libraryAt: TestSupport.productsDirectory + "/libetl_airtable.so")
        let crm = try ResolvedConnection(pipeline.connections[0], plugin: plugin, environment: ["AIRTABLE_TEST_TOKEN": "patSecretValue"])
        #expect(crm.config["token"] == .string("patSecretValue"))
        #expect(crm.config["base"] == .string("appABC"))
        #expect(crm.config["timeout_seconds"] == .integer(50))
        #expect(crm.recordedConfig["token"] == .string("@env:AIRTABLE_TEST_TOKEN"))
        #expect(crm.secrets == ["patSecretValue"])
        let raw = try ResolvedConnection(pipeline.connections[1], plugin: plugin, environment: [:])
        #expect(raw.recordedConfig["token"] == .string("***"))

        #expect(throws: HostError.self) {
            try ResolvedConnection(pipeline.connections[0], plugin: plugin, environment: [:])
        }
        do { _ = try ResolvedConnection(pipeline.connections[0], plugin: plugin, environment: [:]) } catch let error as HostError {
            #expect(error.message == "airtable: config key 'token' comes from the environment variable AIRTABLE_TEST_TOKEN, which is not set")
            #expect(error.exitStatus == .usage)
        }
    }
}

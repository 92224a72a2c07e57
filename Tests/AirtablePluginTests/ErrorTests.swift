import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

/// 401, 403 and 404 fail at once with Airtable's type and message, never retried.
@Suite("airtable: refused requests")
struct ErrorTests {
    static let base = "appErrors00000001"

    static func fixture(tokens: [[String: Any]]? = nil) -> [String: Any] {
        var fixture: [String: Any] = ["bases": [["id": base, "tables": [[
            "name": "T", "fields": [["name": "Name", "type": "singleLineText"]],
            "records": [["fields": ["Name": "a"]]],
        ]]]]]
        if let tokens { fixture["tokens"] = tokens }
        return fixture
    }

    @Test("401: a wrong token fails discover at once with UNAUTHENTICATED")
    func unauthenticated() throws {
        let server = try AirtableServer.start(Self.fixture())
        let (instance, log) = try AirtablePlugin.open(server, base: Self.base, ["token": .string("patNotKnown.x")])
        let error = hostError { _ = try instance.discover() }
        #expect(error?.pluginStatus == 5)
        #expect(error?.retryable == false)
        #expect(error?.message == "plugin 'airtable': discover failed: reading the schema of base \(Self.base): "
            + "Airtable refused the token from config \"token\" (HTTP 401 AUTHENTICATION_REQUIRED: Authentication "
            + "required); check that it is a valid, unexpired personal access token [ETL_ERR_UNAUTHENTICATED (5)]")
        #expect(try server.log().count == 1)
        #expect(log.all.isEmpty)
    }

    @Test("401 during a read (the token expired) fails the stream at once")
    func expiredDuringRead() throws {
        let token = "patExpiring000000.token"
        let server = try AirtableServer.start(Self.fixture(tokens: [["token": token]]))
        let (instance, _) = try AirtablePlugin.open(server, base: Self.base, ["token": .string(token)])
        _ = try instance.discover()
        try server.load(["tokens": [["token": token, "expired": true]]])
        let reader = try instance.read(stream: "T")
        let error = hostError { _ = try reader.next() }
        #expect(error?.pluginStatus == 5)
        #expect(error?.message == "plugin 'airtable': stream 'T': listing the records of table \"T\" (page 1): "
            + "Airtable refused the token from config \"token\" (HTTP 401 AUTHENTICATION_REQUIRED: Authentication "
            + "required); check that it is a valid, unexpired personal access token [ETL_ERR_UNAUTHENTICATED]")
        #expect(try server.log().map(\.status) == [200, 401])
    }

    @Test("403: no access to the base fails discover with PERMISSION_DENIED and Airtable's message")
    func permissionDenied() throws {
        let token = "patOtherBase00000.token"
        let server = try AirtableServer.start(Self.fixture(tokens: [["token": token, "bases": ["appSomewhereElse1"]]]))
        let (instance, _) = try AirtablePlugin.open(server, base: Self.base, ["token": .string(token)])
        let error = hostError { _ = try instance.discover() }
        #expect(error?.pluginStatus == 6)
        #expect(error?.message == "plugin 'airtable': discover failed: reading the schema of base \(Self.base): "
            + "Airtable denied access (HTTP 403 INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND: Invalid permissions, or the "
            + "requested model was not found. Check that both your user and your token have the required "
            + "permissions, and that the model names and/or ids are correct.); check that the token has the "
            + "data.records:read scope and access to base \(Self.base). Without the schema.bases:read scope the "
            + "tables cannot be listed: give config \"tables\" (names or ids) to read them with inferred types, or "
            + "add the scope for typed columns [ETL_ERR_PERMISSION_DENIED (6)]")
        #expect(try server.log().count == 1)
    }

    @Test("403 on the records (no data.records:read scope) fails the stream at once")
    func noRecordsScope() throws {
        let token = "patSchemaOnly0000.token"
        let server = try AirtableServer.start(Self.fixture(tokens: [["token": token, "scopes": ["schema.bases:read"]]]))
        let (instance, _) = try AirtablePlugin.open(server, base: Self.base, ["token": .string(token)])
        _ = try instance.discover()
        let error = hostError { _ = try instance.readAll("T") }
        // The same cause as the schema endpoint's 403, so the same code: EPERM through the Arrow stream.
        #expect(error?.pluginStatus == 6)
        #expect(error?.message.hasSuffix("[ETL_ERR_PERMISSION_DENIED]") == true, "\(error?.message ?? "")")
        #expect(error?.retryable == false)
        #expect(error?.message.contains("listing the records of table \"T\" (page 1): Airtable denied access (HTTP 403 "
            + "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND: Invalid permissions") == true)
        #expect(try server.log().map(\.status) == [200, 403])
    }

    @Test("404: a table deleted after discover fails the read with NOT_FOUND and Airtable's message")
    func tableNotFound() throws {
        let server = try AirtableServer.start(Self.fixture())
        let (instance, _) = try AirtablePlugin.open(server, base: Self.base)
        _ = try instance.discover()
        try server.load(["bases": [["id": Self.base, "tables": [[
            "name": "Other", "fields": [["name": "Name", "type": "singleLineText"]],
        ]]]]])
        let error = hostError { _ = try instance.readAll("T") }
        #expect(error?.pluginStatus == 3)
        let tableID = try #require(try server.log().first { $0.tableName != nil }?.tableName)
        #expect(error?.message == "plugin 'airtable': stream 'T': listing the records of table \"T\" (page 1): not "
            + "found (HTTP 404 TABLE_NOT_FOUND: Could not find table \(tableID) in application \(Self.base)); check "
            + "the base id \(Self.base), the table and the view [ETL_ERR_NOT_FOUND]")
        #expect(try server.log().map(\.status) == [200, 404])
    }

    @Test("404 with Airtable's bare {\"error\": \"NOT_FOUND\"} (an unknown base)")
    func baseNotFound() throws {
        let server = try AirtableServer.start(Self.fixture())
        let (instance, log) = try AirtablePlugin.open(server, base: "appNoSuchBase0001", ["tables": .array([.string("T")])])
        // The schema API answers an unknown base with 403 (fallback), the records API with 404.
        _ = try instance.discover()
        let error = hostError { _ = try instance.readAll("T") }
        #expect(error?.pluginStatus == 3)
        #expect(error?.message.contains("listing the records of table \"T\" (page 1): not found (HTTP 404 NOT_FOUND)") == true)
        #expect(try server.log().map(\.status) == [403, 404])
        #expect(log.messages(.warn).count == 1)
    }

    @Test("another 4xx fails at once as an invalid request, with Airtable's message")
    func invalidView() throws {
        let server = try AirtableServer.start(Self.fixture())
        let (instance, _) = try AirtablePlugin.open(server, base: Self.base, ["view": .string("Nope")])
        let error = hostError { _ = try instance.readAll("T") }
        #expect(error?.pluginStatus == 2)
        #expect(error?.message.contains("Airtable refused the request (HTTP 422 VIEW_NAME_NOT_FOUND: Could not find "
            + "view \"Nope\" in table T)") == true)
        #expect(try server.log().map(\.status) == [200, 422])
    }

    @Test("a redirect is not followed")
    func redirect() throws {
        let server = try AirtableServer.start(Self.fixture())
        try server.addFaults(.init(.status, endpoint: "meta", status: 301, body: "", contentType: "text/plain"))
        let (instance, _) = try AirtablePlugin.open(server, base: Self.base)
        let error = hostError { _ = try instance.discover() }
        #expect(error?.pluginStatus == 2)
        #expect(error?.message.contains("the server answered with a redirect (HTTP 301), which is not followed") == true)
        #expect(try server.log().count == 1)
    }

    @Test("nothing listening: connection refused is retried, then a retryable error")
    func connectionRefused() throws {
        let server = try AirtableServer.start(Self.fixture())
        let url = server.url
        server.stop()
        let log = LogCapture()
        let config = JSONValue.object([
            "base": .string(Self.base), "api_url": .string(url), "token": .string("x"), "max_retries": .integer(1),
        ]).jsonText
        let instance = try PluginInstance(plugin: AirtablePlugin.load(), configJSON: config, logSink: log)
        let error = hostError { _ = try instance.discover() }
        #expect(error?.pluginStatus == 4)
        #expect(error?.retryable == true)
        #expect(error?.message.contains("gave up after 1 retry: Couldn't connect to server (curl error 7)") == true)
        #expect(log.messages(.warn).count == 1)
    }

    @Test("cancel stops a read that waits out a penalty")
    func cancelDuringPenalty() throws {
        let server = try AirtableServer.start(Self.fixture(), rateLimited: true)
        try server.setRateLimit(perSecond: 5, penaltySeconds: 30)
        try server.addFaults(.init(.rateLimit, endpoint: "list"))
        let (instance, log) = try AirtablePlugin.open(server, base: Self.base, ["rate_limit_wait_seconds": .integer(30)])
        let reader = try instance.read(stream: "T")
        // Cancel once the plugin has announced the 30-second wait (its retry report comes right before it).
        DispatchQueue.global().async {
            if log.waitForMessage(containing: "; retry 1 of 4 in 30 s") { instance.cancel() }
        }
        let started = Date()
        let error = hostError { _ = try reader.next() }
        #expect(error?.pluginStatus == 7)
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(log.messages(.warn).contains { $0.hasSuffix("; retry 1 of 4 in 30 s") }, "\(log.all)")
        #expect(try server.log().count == 2)
    }
}

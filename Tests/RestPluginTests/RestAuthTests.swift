import ETLTestSupport
import Foundation
import Testing

/// Each auth kind of the `rest` extractor, with the secret from `@env:`; a wrong secret
/// fails with a clear error that never shows it.
@Suite struct RestAuthTests {
    static let token = "tok-7f3a9c2e-secret-value"

    static func server(require: [String: String] = [:], requireQuery: [String: String] = [:]) throws -> RestServer {
        try RestServer(routes: [["path": "/items", "require": require, "require_query": requireQuery,
                                 "responses": [["json": items(1, 2)]]]])
    }

    @Test func aBearerTokenFromTheEnvironmentIsSent() throws {
        let server = try Self.server(require: ["Authorization": "Bearer \(Self.token)"])
        let sync = try RestSync("rest-bearer")
        let result = try sync.run(itemsConfig(server, extra: ["auth": "bearer", "token": "@env:API_TOKEN"]),
                                  environment: ["API_TOKEN": Self.token])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try sync.rows("SELECT id, name FROM items ORDER BY id") == itemRows(1, 2))
    }

    @Test func aWrongBearerTokenFailsClearlyWithoutShowingIt() throws {
        let server = try Self.server(require: ["Authorization": "Bearer \(Self.token)"])
        let sync = try RestSync("rest-bearer-wrong")
        let wrong = "tok-wrong-0000-secret-value"
        let result = try sync.run(itemsConfig(server, extra: ["auth": "bearer", "token": "@env:API_TOKEN"]),
                                  environment: ["API_TOKEN": wrong])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("resource \"items\": GET \(server.url)/items: the server refused the bearer "
            + "token of config \"token\" (HTTP 401)"), "\(result.stderr)")
        #expect(!result.stderr.contains(wrong) && !result.stdout.contains(wrong))
    }

    @Test func anAPIKeyInAHeader() throws {
        let server = try Self.server(require: ["X-API-Key": Self.token])
        let sync = try RestSync("rest-key-header")
        let result = try sync.run(itemsConfig(server, extra: ["auth": "api_key", "api_key_name": "X-API-Key",
                                                              "api_key": "@env:API_KEY"]),
                                  environment: ["API_KEY": Self.token])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try sync.rows("SELECT id, name FROM items ORDER BY id") == itemRows(1, 2))
    }

    @Test func anAPIKeyInTheQueryIsMaskedInMessages() throws {
        let server = try Self.server(requireQuery: ["api_key": Self.token])
        let good = try RestSync("rest-key-query")
        let result = try good.run(itemsConfig(server, extra: ["auth": "api_key", "api_key_name": "api_key",
                                                              "api_key_in": "query", "api_key": "@env:API_KEY"]),
                                  environment: ["API_KEY": Self.token])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try good.rows("SELECT id, name FROM items ORDER BY id") == itemRows(1, 2))

        let wrong = "key-wrong-1111-secret"
        let bad = try RestSync("rest-key-query-wrong")
        let failed = try bad.run(itemsConfig(server, extra: ["auth": "api_key", "api_key_name": "api_key",
                                                             "api_key_in": "query", "api_key": "@env:API_KEY"]),
                                 environment: ["API_KEY": wrong])
        #expect(failed.status == 1, "\(failed.stderr)")
        #expect(failed.stderr.contains("GET \(server.url)/items?api_key=***: the server refused the API key in query "
            + "parameter api_key (HTTP 401)"), "\(failed.stderr)")
        #expect(!failed.stderr.contains(wrong) && !failed.stdout.contains(wrong))
    }

    @Test func httpBasicCredentials() throws {
        // base64("ada:pa55:word") = YWRhOnBhNTU6d29yZA==
        let server = try Self.server(require: ["Authorization": "Basic YWRhOnBhNTU6d29yZA=="])
        let sync = try RestSync("rest-basic")
        let result = try sync.run(itemsConfig(server, extra: ["auth": "basic", "username": "ada",
                                                              "password": "@env:API_PASSWORD"]),
                                  environment: ["API_PASSWORD": "pa55:word"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try sync.rows("SELECT id, name FROM items ORDER BY id") == itemRows(1, 2))

        let wrong = try RestSync("rest-basic-wrong")
        let failed = try wrong.run(itemsConfig(server, extra: ["auth": "basic", "username": "ada",
                                                               "password": "@env:API_PASSWORD"]),
                                   environment: ["API_PASSWORD": "not-the-password"])
        #expect(failed.status == 1, "\(failed.stderr)")
        #expect(failed.stderr.contains("the server refused HTTP basic credentials of user ada (HTTP 401)"), "\(failed.stderr)")
        #expect(!failed.stderr.contains("not-the-password"))
    }
}

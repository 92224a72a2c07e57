import ETLTestSupport
import Foundation
import Testing

/// OAuth2 auth of the `rest` extractor against the test server's token endpoint, whose access
/// tokens expire after a number of uses (counted by the server: no clock, no sleep).
@Suite struct RestOAuth2Tests {
    static let secret = "cs-9d41e7-client-secret"
    static let refreshToken = "rt-0-refresh-secret"

    /// A token endpoint at /oauth/token and `pages` pages of 2 items at /items?page=N (then an
    /// empty page), each wanting a live token.
    static func server(token: [String: Any], pages: Int = 3, apiRoute: [String: Any] = ["require_oauth": true]) throws -> RestServer {
        var routes: [[String: Any]] = [["method": "POST", "path": "/oauth/token", "oauth_token": token, "responses": [["status": 200]]]]
        for page in 1...(pages + 1) {
            var route: [String: Any] = ["path": "/items", "query": ["page": "\(page)"],
                                        "responses": [["json": page <= pages ? items(2 * page - 1, 2) : []]]]
            route.merge(apiRoute) { $1 }
            routes.append(route)
        }
        return try RestServer(routes: routes)
    }

    static func config(_ server: RestServer, auth: [String: Any]) -> [String: Any] {
        itemsConfig(server, paginator: ["type": "page_number"], extra: ["auth": auth])
    }

    static func clientCredentials(_ server: RestServer, clientAuth: String? = nil) -> [String: Any] {
        var auth: [String: Any] = ["type": "oauth2_client_credentials", "token_url": server.url + "/oauth/token",
                                   "client_id": "etl", "client_secret": "@env:CLIENT_SECRET", "scope": "read items"]
        if let clientAuth { auth["client_auth"] = clientAuth }
        return auth
    }

    /// The requests to the API (not the token endpoint), with the token each carried.
    static func apiRequests(_ server: RestServer) throws -> [(page: String?, authorization: String?)] {
        try server.log().filter { $0.path == "/items" }.map { ($0.parameter("page"), $0.headers["authorization"]) }
    }

    @Test func aTokenThatRunsOutMidRunIsReplacedOnceAndEveryRecordIsLoadedOnce() throws {
        // Each token is good for 2 requests: page 3 is refused with at-1, asked again with at-2.
        let server = try Self.server(token: ["client_id": "etl", "client_secret": Self.secret, "client_auth": "basic",
                                             "expires_in": 3600, "uses": 2])
        let sync = try RestSync("rest-oauth2-midrun")
        let result = try sync.run(Self.config(server, auth: Self.clientCredentials(server)),
                                  environment: ["CLIENT_SECRET": Self.secret])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try sync.rows("SELECT id, name FROM items ORDER BY id") == itemRows(1, 6))
        #expect(try sync.rows("SELECT count(*), count(DISTINCT id) FROM items") == [["6", "6"]])

        let tokenRequests = try server.log().filter { $0.path == "/oauth/token" }
        #expect(tokenRequests.count == 2)
        for request in tokenRequests {
            #expect(request.method == "POST")
            #expect(request.headers["content-type"] == "application/x-www-form-urlencoded")
            // base64("etl:cs-9d41e7-client-secret")
            #expect(request.headers["authorization"] == "Basic ZXRsOmNzLTlkNDFlNy1jbGllbnQtc2VjcmV0")
            #expect(request.form == ["grant_type": ["client_credentials"], "scope": ["read items"]])
        }
        let api = try Self.apiRequests(server)
        #expect(api.map(\.page) == ["1", "2", "3", "3", "4"])
        #expect(api.map(\.authorization) == ["Bearer at-1", "Bearer at-1", "Bearer at-1", "Bearer at-2", "Bearer at-2"])
        #expect(!result.stderr.contains(Self.secret) && !result.stdout.contains(Self.secret))
    }

    @Test func aTokenIsReplacedBeforeItExpires() throws {
        // expires_in 0: due for replacement at once, so every request asks for a new token
        // first (before the server could refuse it); no request is refused.
        let server = try Self.server(token: ["client_id": "etl", "client_secret": Self.secret, "expires_in": 0])
        let sync = try RestSync("rest-oauth2-expiry")
        let result = try sync.run(Self.config(server, auth: Self.clientCredentials(server, clientAuth: "body")),
                                  environment: ["CLIENT_SECRET": Self.secret])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try sync.rows("SELECT id, name FROM items ORDER BY id") == itemRows(1, 6))
        let log = try server.log()
        #expect(log.map(\.path) == ["/oauth/token", "/items", "/oauth/token", "/items", "/oauth/token", "/items",
                                    "/oauth/token", "/items"])
        let tokenRequest = try #require(log.first)
        #expect(tokenRequest.headers["authorization"] == nil)
        #expect(tokenRequest.form == ["grant_type": ["client_credentials"], "scope": ["read items"],
                                      "client_id": ["etl"], "client_secret": [Self.secret]])
        #expect(try Self.apiRequests(server).map(\.authorization) == ["Bearer at-1", "Bearer at-2", "Bearer at-3", "Bearer at-4"])
    }

    @Test func aRefreshTokenGrantUsesTheRotatedRefreshToken() throws {
        // A public client (no secret): client_id in the body. The endpoint rotates the refresh
        // token with each answer; tokens are good for 2 requests.
        let server = try Self.server(token: ["client_id": "etl-public", "grant": "refresh_token",
                                             "refresh_token": Self.refreshToken, "rotate": true, "uses": 2])
        let sync = try RestSync("rest-oauth2-refresh")
        let auth: [String: Any] = ["type": "oauth2_refresh_token", "token_url": server.url + "/oauth/token",
                                   "client_id": "etl-public", "refresh_token": "@env:REFRESH_TOKEN"]
        let result = try sync.run(Self.config(server, auth: auth), environment: ["REFRESH_TOKEN": Self.refreshToken])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try sync.rows("SELECT id, name FROM items ORDER BY id") == itemRows(1, 6))
        let forms = try server.log().filter { $0.path == "/oauth/token" }.map(\.form)
        #expect(forms == [["grant_type": ["refresh_token"], "refresh_token": [Self.refreshToken], "client_id": ["etl-public"]],
                          ["grant_type": ["refresh_token"], "refresh_token": ["rt-1"], "client_id": ["etl-public"]]])
        #expect(result.stderr.contains("the token endpoint handed out a new refresh token"), "\(result.stderr)")
        #expect(!result.stderr.contains(Self.refreshToken) && !result.stderr.contains("rt-1"))
    }

    @Test func aWrongClientSecretFailsNamingTheTokenURLAndShowsTheSecretNowhere() throws {
        let server = try Self.server(token: ["client_id": "etl", "client_secret": Self.secret])
        let sync = try RestSync("rest-oauth2-wrong")
        let wrong = "cs-wrong-5150-client-secret"
        let state = sync.sandbox.root + "/state"
        let result = try sync.run(Self.config(server, auth: Self.clientCredentials(server)),
                                  environment: ["CLIENT_SECRET": wrong, "ETL_STATE_DIR": state])
        #expect(result.status == 1, "\(result.stderr)")
        let tokenURL = server.url + "/oauth/token"
        #expect(result.stderr.contains("auth oauth2_client_credentials: POST \(tokenURL): the token endpoint refused the "
            + "OAuth2 client \"etl\" (client_credentials grant) at \(tokenURL) (HTTP 401, invalid_client: Client "
            + "authentication failed); check token_url, client_id, client_secret (their values are not shown here)"),
                "\(result.stderr)")
        #expect(try Self.apiRequests(server).isEmpty)
        #expect(!result.stderr.contains(wrong) && !result.stdout.contains(wrong))
        // Nothing the run left (its record, log, spool) holds the secret.
        let files = try #require(FileManager.default.subpaths(atPath: state))
        #expect(files.contains { $0.hasSuffix("log.jsonl") })
        for file in files {
            guard let data = FileManager.default.contents(atPath: state + "/" + file) else { continue }
            #expect(!String(decoding: data, as: UTF8.self).contains(wrong), "\(file)")
        }
    }

    @Test func aSecond401AfterANewTokenIsAClearError() throws {
        // The API refuses every token: one new token is asked for, then the read fails.
        let server = try Self.server(token: ["client_id": "etl", "client_secret": Self.secret], pages: 1,
                                     apiRoute: ["require": ["Authorization": "Bearer never-issued"]])
        let sync = try RestSync("rest-oauth2-401")
        let result = try sync.run(Self.config(server, auth: Self.clientCredentials(server)),
                                  environment: ["CLIENT_SECRET": Self.secret])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("resource \"items\": GET \(server.url)/items?page=1: the server refused the OAuth2 "
            + "access token from \(server.url)/oauth/token (HTTP 401), also a new one asked for after a first 401; "
            + "check the client's access to this API"), "\(result.stderr)")
        #expect(try server.log().map(\.path) == ["/oauth/token", "/items", "/oauth/token", "/items"])
    }

    @Test func oauth2KeysAreCheckedBeforeAnyRequest() throws {
        let server = try Self.server(token: ["client_id": "etl", "client_secret": Self.secret])
        let sync = try RestSync("rest-oauth2-config")
        var auth = Self.clientCredentials(server)
        auth["client_secret"] = nil
        let missing = try sync.run(Self.config(server, auth: auth))
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("config \"auth\".client_secret is missing or empty (auth=oauth2_client_credentials)"),
                "\(missing.stderr)")
        auth = Self.clientCredentials(server)
        auth["refresh_token"] = "x"
        let stray = try sync.run(Self.config(server, auth: auth), environment: ["CLIENT_SECRET": Self.secret])
        #expect(stray.stderr.contains("config \"auth\".refresh_token does not go with auth=oauth2_client_credentials"),
                "\(stray.stderr)")
        #expect(try server.log().isEmpty)
    }
}

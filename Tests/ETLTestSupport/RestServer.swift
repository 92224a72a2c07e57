import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The scripted JSON API of the `rest` extractor's tests (`Tests/Fixtures/RestServer/rest_server.py`)
/// in a child process on loopback: routes with answers served in order, and a log of the requests.
///
/// ```swift
/// let server = try RestServer(routes: [
///     ["path": "/items", "responses": [["status": 500], ["json": [["id": 1]]]]],
/// ])
/// // etl-host sync rest sqlite -s @file:api.json   with base_url = server.url
/// let requests = try server.log()
/// ```
///
/// The process ends on ``stop()``, on deinit, and by itself when this process goes away.
public final class RestServer: Sendable {
    /// The port it listens on (127.0.0.1).
    public let port: Int
    /// `http://127.0.0.1:<port>`.
    public let url: String

    private let server: ScriptServer

    /// Starts the server with `routes` (see the script's documentation) and waits for it to listen.
    public init(routes: [[String: Any]], timeout: TimeInterval = 30) throws {
        let folder = try TestSupport.temporaryDirectory("rest-server")
        let routesFile = folder + "/routes.json"
        try JSONSerialization.data(withJSONObject: ["routes": routes]).write(to: URL(fileURLWithPath: routesFile))
        server = try ScriptServer(script: "Tests/Fixtures/RestServer/rest_server.py", arguments: ["--routes", routesFile],
                                  timeout: timeout)
        port = server.port
        url = server.url
    }

    deinit { stop() }

    /// Stops the server and waits for it to exit. Safe to call twice.
    public func stop() { server.stop() }

    /// One request the server received.
    public struct Request: Decodable, Sendable {
        public var method: String
        public var path: String
        /// Query parameters (each with its values).
        public var query: [String: [String]]
        /// Header names lowercased.
        public var headers: [String: String]
        /// The monotonic time it arrived, in seconds.
        public var time: Double
        /// A form-encoded body (an OAuth2 token request), each field with its values.
        public var form: [String: [String]]?

        /// The first value of query parameter `name`.
        public func parameter(_ name: String) -> String? { query[name]?.first }
    }

    /// The requests so far, in arrival order.
    public func log() throws -> [Request] {
        struct Log: Decodable { var requests: [Request] }
        final class Box: @unchecked Sendable { var result: Result<Data, Error> = .failure(TestFailure("no answer")) }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: URL(string: url + "/_control/log")!) { data, _, error in
            box.result = error.map { .failure($0) } ?? .success(data ?? Data())
            done.signal()
        }.resume()
        done.wait()
        return try JSONDecoder().decode(Log.self, from: try box.result.get()).requests
    }
}

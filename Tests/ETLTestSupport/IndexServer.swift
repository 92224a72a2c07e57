import Foundation

/// A static file server on 127.0.0.1 over one folder (a plugin index and
/// its libraries), run by `Tests/Fixtures/IndexServer/index_server.py`.
/// It stops when this object goes away (its standard input closes).
///
/// ```swift
/// let server = try IndexServer(folder: indexFolder)
/// sandbox.etlHost("plugins", "install", "variant", "--index", server.url + "/index.json")
/// ```
public final class IndexServer: Sendable {
    /// The port it listens on.
    public let port: Int
    /// `http://127.0.0.1:PORT`.
    public let url: String

    private let server: ScriptServer

    /// Starts serving `folder`.
    public init(folder: String, timeout: TimeInterval = 30) throws {
        server = try ScriptServer(script: "Tests/Fixtures/IndexServer/index_server.py", arguments: ["--folder", folder],
                                  timeout: timeout)
        port = server.port
        url = server.url
    }

    deinit { stop() }

    /// Stops the server and waits for it to exit.
    public func stop() { server.stop() }
}

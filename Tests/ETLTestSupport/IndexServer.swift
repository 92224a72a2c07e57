import Foundation

/// A static file server on 127.0.0.1 over one folder (a plugin index and
/// its libraries), run by `Tests/Fixtures/IndexServer/index_server.py`.
/// It stops when this object goes away (its standard input closes).
///
/// ```swift
/// let server = try IndexServer(folder: indexFolder)
/// sandbox.etlHost("plugins", "install", "variant", "--index", server.url + "/index.json")
/// ```
public final class IndexServer: @unchecked Sendable {
    // @unchecked: `stopped` is guarded by `lock`; the rest is immutable.
    /// The port it listens on.
    public let port: Int
    /// `http://127.0.0.1:PORT`.
    public let url: String

    private let process: Process
    private let input = Pipe()
    private let output = Pipe()
    private let lock = NSLock()
    private var stopped = false

    /// Starts serving `folder`.
    public init(folder: String, timeout: TimeInterval = 30) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", TestSupport.repositoryRoot + "/Tests/Fixtures/IndexServer/index_server.py",
                             "--port", "0", "--folder", folder]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()
        let line = AirtableServer.readLine(output.fileHandleForReading, timeout: timeout)
        guard let line, line.hasPrefix("LISTENING "), let port = Int(line.dropFirst("LISTENING ".count)) else {
            process.terminate()
            process.waitUntilExit()
            throw TestFailure("index_server.py did not start (first line: \(line ?? "none"))")
        }
        self.port = port
        url = "http://127.0.0.1:\(port)"
    }

    deinit { stop() }

    /// Stops the server and waits for it to exit.
    public func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        stopped = true
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}

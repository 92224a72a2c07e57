import Foundation

/// A test server written in Python (`Tests/Fixtures/*/..._server.py`) in a
/// child process on 127.0.0.1: started with `--port 0`, it prints
/// `LISTENING <port>` as its first line and exits when its standard input
/// closes. ``AirtableServer``, ``RestServer`` and ``IndexServer`` each own one.
///
/// ```swift
/// let server = try ScriptServer(script: "Tests/Fixtures/IndexServer/index_server.py", arguments: ["--folder", folder])
/// print(server.url)   // http://127.0.0.1:PORT
/// ```
public final class ScriptServer: @unchecked Sendable {
    // @unchecked: `stopped` is guarded by `lock`; the rest is immutable.
    /// The port it listens on.
    public let port: Int
    /// `http://127.0.0.1:<port>`.
    public let url: String

    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let lock = NSLock()
    private var stopped = false
    /// Signalled once, when the server process has exited.
    private let exited = DispatchSemaphore(value: 0)

    /// Starts `python3 <script> --port 0 <arguments>` and waits up to
    /// `timeout` seconds for it to listen.
    ///
    /// - Parameter script: the script's path relative to the repository root.
    public init(script: String, arguments: [String] = [], timeout: TimeInterval = 30) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", TestSupport.repositoryRoot + "/" + script, "--port", "0"] + arguments
        process.standardInput = input       // kept open: the server exits when it closes
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        process.terminationHandler = { [exited] _ in exited.signal() }
        try process.run()

        let line = Self.readLine(output.fileHandleForReading, timeout: timeout)
        guard let line, line.hasPrefix("LISTENING "), let port = Int(line.dropFirst("LISTENING ".count)) else {
            process.terminate()
            process.waitUntilExit()
            let name = (script as NSString).lastPathComponent
            throw TestFailure("\(name) did not start (first line: \(line ?? "none"))")
        }
        self.port = port
        url = "http://127.0.0.1:\(port)"
    }

    deinit { stop() }

    /// Stops the server and waits for it to exit. Safe to call twice.
    public func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        stopped = true
        // The server exits when its stdin closes or on SIGTERM; a child started
        // from a test thread may inherit a blocked SIGTERM, so fall back to
        // SIGKILL instead of waiting forever.
        try? input.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        if exited.wait(timeout: .now() + 5) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// The first line the script writes, or nil on end of file or timeout.
    static func readLine(_ handle: FileHandle, timeout: TimeInterval) -> String? {
        final class Box: @unchecked Sendable { var line: String? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            var data = Data()
            while !data.contains(UInt8(ascii: "\n")) {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                data.append(chunk)
            }
            if let end = data.firstIndex(of: UInt8(ascii: "\n")) {
                box.line = String(decoding: data[..<end], as: UTF8.self)
            }
            done.signal()
        }
        guard done.wait(timeout: .now() + timeout) == .success else { return nil }
        return box.line
    }
}

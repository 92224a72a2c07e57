import Foundation
import Synchronization

/// A running `etl-host serve --port 0`: its URL (read from its first line
/// of output, waited for with a deadline), and a SIGTERM stop.
public final class ServeProcess {
    /// The serve process.
    public let process = Process()
    private let output = ProcessOutput()
    /// `http://127.0.0.1:PORT/`.
    public let url: String

    /// Starts serve in `project` with `environment`, extra `arguments`; returns once it printed its URL.
    public init(project: String, environment: [String: String], arguments: [String] = [], currentDirectory: String) throws {
        process.executableURL = URL(fileURLWithPath: TestSupport.hostExecutable)
        process.arguments = ["serve", "--project", project, "--port", "0", "--stop-grace", "5"] + arguments
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let output = output
        out.fileHandleForReading.readabilityHandler = { handle in output.append(handle.availableData, error: false) }
        err.fileHandleForReading.readabilityHandler = { handle in output.append(handle.availableData, error: true) }
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while true {
            if let url = output.url {
                self.url = url
                break
            }
            if !process.isRunning { throw TestFailure("serve ended before listening: \(output.text)") }
            if output.arrived.wait(timeout: .now() + max(0, deadline.timeIntervalSinceNow)) == .timedOut {
                throw TestFailure("serve printed no URL in 60 s: \(output.text)")
            }
        }
    }

    /// Sends SIGTERM and waits for the exit status.
    public func stop() -> Int32 {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// What it wrote to standard output and standard error so far.
    public var text: String { output.text }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// A child's output as it arrives, and a signal at each arrival.
private final class ProcessOutput: Sendable {
    private let state = Mutex((output: "", errors: ""))
    /// Signalled whenever output (or its end) arrives.
    let arrived = DispatchSemaphore(value: 0)

    func append(_ data: Data, error: Bool) {
        state.withLock { state in
            if error { state.errors += String(decoding: data, as: UTF8.self) } else { state.output += String(decoding: data, as: UTF8.self) }
        }
        arrived.signal()
    }

    /// The URL in the first line of standard output, once printed.
    var url: String? {
        state.withLock { state in state.output.range(of: #"http://[0-9.:\[\]]+/"#, options: .regularExpression).map { String(state.output[$0]) } }
    }

    var text: String { state.withLock { $0.output + $0.errors } }
}

/// Headless Chromium (Debian's `chromium-headless-shell` or `chromium`,
/// installed by scripts/install-system-packages): a page's DOM after it
/// loaded, and screenshots.
public enum HeadlessBrowser {
    /// The browser, nil when none is installed.
    public static var executable: String? {
        ["/usr/bin/chromium-headless-shell", "/usr/bin/chromium"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func arguments(_ extra: [String]) throws -> (String, [String]) {
        guard let executable else { throw TestFailure("no headless Chromium: run scripts/install-system-packages") }
        let profile = try TestSupport.temporaryDirectory("chromium-profile")
        return (executable, ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                             "--user-data-dir=\(profile)", "--hide-scrollbars"] + extra)
    }

    /// The serialized DOM of `url` once loaded.
    public static func dom(_ url: String) throws -> String {
        let (executable, arguments) = try arguments(["--dump-dom", url])
        let result = try TestSupport.run(executable, arguments, environment: ["HOME": NSTemporaryDirectory()])
        guard result.status == 0, result.stdout.contains("</html>") else { throw TestFailure("chromium --dump-dom \(url): \(result.status) \(result.stderr)") }
        return result.stdout
    }

    /// Saves a 1280x900 screenshot of `url` to `path`.
    public static func screenshot(_ url: String, to path: String) throws {
        let (executable, arguments) = try arguments(["--window-size=1280,900", "--screenshot=\(path)", url])
        let result = try TestSupport.run(executable, arguments, environment: ["HOME": NSTemporaryDirectory()])
        guard result.status == 0, FileManager.default.fileExists(atPath: path) else { throw TestFailure("chromium --screenshot \(url): \(result.stderr)") }
    }

    /// (width, height, distinct colours) of a PNG file, decoded by python3's zlib (8-bit RGB/RGBA, any filter).
    public static func pngFacts(_ path: String) throws -> (Int, Int, Int) {
        let script = #"""
            import struct, sys, zlib
            data = open(sys.argv[1], "rb").read()
            assert data[:8] == b"\x89PNG\r\n\x1a\n"
            pos, idat = 8, b""
            while pos < len(data):
                length, kind = struct.unpack(">I4s", data[pos:pos + 8])
                body = data[pos + 8:pos + 8 + length]
                if kind == b"IHDR": width, height, depth, colour = struct.unpack(">IIBB", body[:10])
                if kind == b"IDAT": idat += body
                pos += 12 + length
            assert depth == 8 and colour in (2, 6), (depth, colour)
            bpp = 3 if colour == 2 else 4
            raw, stride, prev, colours, i = zlib.decompress(idat), width * bpp, bytearray(width * bpp), set(), 0
            for _ in range(height):
                f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
                for x in range(stride):
                    a = line[x - bpp] if x >= bpp else 0; b = prev[x]; c = prev[x - bpp] if x >= bpp else 0
                    if f == 1: line[x] = (line[x] + a) & 255
                    elif f == 2: line[x] = (line[x] + b) & 255
                    elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
                    elif f == 4:
                        p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                        line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
                for x in range(0, stride, bpp): colours.add(bytes(line[x:x + 3]))
                prev = line
            print(width, height, len(colours))
            """#
        let result = try TestSupport.run("/usr/bin/env", ["python3", "-c", script, path])
        let parts = result.stdout.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        guard result.status == 0, parts.count == 3 else { throw TestFailure("cannot decode \(path): \(result.stderr)") }
        return (parts[0], parts[1], parts[2])
    }
}

import Foundation

/// Paths, temporary folders, the C compiler and the etl-host binary, for tests.
public enum TestSupport {
    /// The repository's root folder.
    public static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0 ..< 3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The build products folder (holds etl-host and the bundled plugins).
    public static let productsDirectory: String = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var folder = (executable as NSString).deletingLastPathComponent
        // swift-testing may run from inside an .xctest bundle folder.
        while !FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent("etl-host")),
              folder != "/" {
            folder = (folder as NSString).deletingLastPathComponent
        }
        return folder
    }()

    /// The etl-host binary under test.
    public static var hostExecutable: String { (productsDirectory as NSString).appendingPathComponent("etl-host") }

    /// The folder with etl_plugin.h and etl_batch.h.
    public static var includeDirectory: String { repositoryRoot + "/Sources/CETLPlugin/include" }

    /// A new empty folder under the system temporary folder, unique per call.
    public static func temporaryDirectory(_ label: String = "test") throws -> String {
        let path = (NSTemporaryDirectory() as NSString)
            .appendingPathComponent("etl-host-\(label)-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Writes a shared library built from C sources with `cc` to `output` (replacing
    /// any file there with a new one). Each set of sources and defines is compiled
    /// once per test process (``CompiledCPlugins``); every call gets its own copy.
    ///
    /// - Parameters:
    ///   - sources: paths relative to the repository root.
    ///   - defines: `-D` arguments without the `-D`, e.g. `VARIANT_ABI_MAJOR=2`.
    ///   - output: the `.so` to write.
    public static func compileCPlugin(_ sources: [String], defines: [String] = [], output: String) throws {
        let library = try CompiledCPlugins.shared.library(sources: sources, defines: defines)
        let partial = output + ".partial-\(UUID().uuidString.prefix(8))"
        try FileManager.default.copyItem(atPath: library, toPath: partial)
        guard rename(partial, output) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: partial)
            throw TestFailure("cannot write \(output): \(reason)")
        }
    }

    /// Compiles C sources into a shared library at `output` with `cc`, every time.
    public static func compileCPluginNow(_ sources: [String], defines: [String] = [], output: String) throws {
        let arguments = ["-std=c99", "-O1", "-fPIC", "-shared", "-Wall", "-Wextra", "-Werror", "-I", includeDirectory]
            + defines.map { "-D\($0)" } + sources.map { repositoryRoot + "/" + $0 } + ["-o", output]
        let result = try run("/usr/bin/env", ["cc"] + arguments)
        guard result.status == 0 else {
            throw TestFailure("cc failed (\(result.status)): \(result.stderr)")
        }
    }

    /// The outcome of a child process.
    public struct ProcessResult: Sendable {
        /// Exit status, or the signal number when ``signaled``.
        public var status: Int32
        /// Whether the process died of a signal.
        public var signaled: Bool
        /// Everything written to standard output.
        public var stdout: String
        /// Everything written to standard error.
        public var stderr: String
    }

    /// Runs a program to completion, capturing its output.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        currentDirectory: String? = nil
    ) throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes concurrently so that neither can fill up and block the child.
        nonisolated(unsafe) var stderrData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            stderrData = errors.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let stdoutData = output.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return ProcessResult(
            status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
            stdout: String(decoding: stdoutData, as: UTF8.self), stderr: String(decoding: stderrData, as: UTF8.self)
        )
    }
}

/// A failure in test set-up, with a message.
public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A sandbox for running the etl-host binary: its own current folder, HOME
/// and XDG_DATA_HOME, so that no test sees another's registry.
public struct HostSandbox: Sendable {
    /// The sandbox folder (also the current folder of runs).
    public let root: String
    /// The environment runs get.
    public let environment: [String: String]

    /// A new sandbox.
    public init(_ label: String = "sandbox") throws {
        root = try TestSupport.temporaryDirectory(label)
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = root + "/home"
        environment["XDG_DATA_HOME"] = root + "/data"
        environment.removeValue(forKey: "ETL_REGISTRY_PATH")
        self.environment = environment
    }

    /// The user registry of this sandbox.
    public var userRegistry: String { root + "/data/etl-host/registry.json" }

    /// Runs `etl-host` with `arguments` in the sandbox.
    public func etlHost(_ arguments: String..., environment extra: [String: String] = [:]) throws -> TestSupport.ProcessResult {
        try TestSupport.run(
            TestSupport.hostExecutable, arguments,
            environment: environment.merging(extra) { $1 }, currentDirectory: root
        )
    }

    /// Compiles a C plugin into the sandbox and returns its path.
    public func compile(_ sources: [String], defines: [String] = [], name: String) throws -> String {
        let output = root + "/" + name
        try TestSupport.compileCPlugin(sources, defines: defines, output: output)
        return output
    }

    /// The bytes of a file, or nil when it does not exist.
    public func contents(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }
}

import ETLTestSupport
import Foundation
import Testing

/// Building plugins with their own tools (make, cc, rustc, swift) and
/// checking them with `etl-host plugins test`, for the example and
/// scaffold tests.
enum PluginBuild {
    /// Runs `make -C folder OUT=output` (plus `variables`) and returns the
    /// path of `library` in `output`.
    static func make(_ folder: String, output: String, library: String, variables: [String] = []) throws -> String {
        let result = try TestSupport.run("/usr/bin/env", ["make", "-s", "-C", folder, "OUT=\(output)"] + variables)
        guard result.status == 0 else {
            throw TestFailure("make -C \(folder) failed (\(result.status)):\n\(result.stdout)\(result.stderr)")
        }
        return output + "/" + library
    }

    /// rustc: `$RUSTC`, else the one on PATH, else rustup's default place.
    static var rustc: String? {
        let environment = ProcessInfo.processInfo.environment
        var candidates = [environment["RUSTC"]].compactMap { $0 }
        candidates += (environment["PATH"] ?? "").split(separator: ":").map { "\($0)/rustc" }
        candidates += [(environment["HOME"] ?? "/root") + "/.cargo/bin/rustc", "/root/.cargo/bin/rustc"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Whether this checkout has `etl-host plugins test` (the conformance
    /// suite was written alongside these tests).
    static var conformanceCommandExists: Bool {
        FileManager.default.fileExists(atPath: TestSupport.repositoryRoot + "/Sources/etl-host/PluginsTestCommand.swift")
    }
}

extension HostSandbox {
    /// Expects `etl-host plugins test PLUGIN OPTION KEY=VALUE...` to pass
    /// (exit 0, no FAIL line), when the command exists; `option` is `-d`
    /// (a warehouse), `-s` (an extractor) or `-c` (the old spelling for either).
    func expectConformance(_ plugin: String, config: [String] = [], option: String = "-c",
                           sourceLocation: SourceLocation = #_sourceLocation) throws {
        guard PluginBuild.conformanceCommandExists else { return }
        let arguments = ["plugins", "test", plugin] + config.flatMap { [option, $0] }
        let result = try TestSupport.run(TestSupport.hostExecutable, arguments, environment: environment, currentDirectory: root)
        let failed = result.stdout.split(separator: "\n").filter { $0.hasPrefix("FAIL") }
        #expect(result.status == 0, "plugins test \(plugin): exit \(result.status)\n\(result.stdout)\(result.stderr)",
                sourceLocation: sourceLocation)
        #expect(failed.isEmpty, "\(failed.joined(separator: "\n"))", sourceLocation: sourceLocation)
    }

    /// Writes `text` to `name` in the sandbox and returns its path.
    @discardableResult
    func write(_ text: String, to name: String) throws -> String {
        let path = root + "/" + name
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The text of a file in the sandbox (nil when it does not exist).
    func text(_ name: String) -> String? {
        contents(name.hasPrefix("/") ? name : root + "/" + name).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Installs a library into the sandbox's user registry, expecting success.
    func install(_ library: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try etlHost("plugins", "install", library)
        #expect(result.status == 0, "install \(library): \(result.stderr)", sourceLocation: sourceLocation)
    }
}

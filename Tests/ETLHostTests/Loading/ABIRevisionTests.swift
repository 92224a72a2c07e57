import CETLPlugin
import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

/// ABI 1.2 through the real etl-host binary and C fixtures: a warehouse with
/// only the required operations syncs, plugins built for 1.0 and 1.1 still
/// load, sync and pass, retries count only when reported through
/// `etl_host_api.retry`, and a stream's full error reaches the host.
@Suite struct ABIRevisionTests {
    static let variant = "Tests/Fixtures/CPlugins/variant.c"
    static let textWarehouse = "Tests/Fixtures/CPlugins/textwarehouse.c"
    /// What textwarehouse writes for variant's stream "numbers".
    static let numbersFile = "id:l\tlabel:u\tok:b\tscore:g\n1\tone\ttrue\t0.5\n2\ttwo\tfalse\t1.5\n3\tthree\ttrue\tNULL\n"

    /// The defines that make variant.c look built against the ABI 1.`minor` header.
    static func variantDefines(minor: Int, name: String) -> [String] {
        ["VARIANT_NAME=\"\(name)\"", "VARIANT_ABI_MINOR=\(minor)",
         "VARIANT_EXTRACTOR_OPS_SIZE=ETL_EXTRACTOR_OPS_SIZE_1_\(minor)", "VARIANT_DESCRIPTOR_SIZE=ETL_PLUGIN_SIZE_1_\(minor)"]
    }

    /// Compiles and installs `source` into `sandbox`; returns the install output.
    @discardableResult
    static func install(_ sandbox: HostSandbox, _ source: String, defines: [String] = [], name: String) throws -> String {
        let library = try sandbox.compile([source], defines: defines, name: name)
        let result = try sandbox.etlHost("plugins", "install", library)
        guard result.status == 0 else { throw TestFailure("install \(name) failed: \(result.stderr)") }
        return result.stdout
    }

    /// `runs show` of the sandbox's only run.
    static func showOnlyRun(_ sandbox: HostSandbox) throws -> String {
        let list = try sandbox.etlHost("runs", "list", "--json")
        let runs = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(runs.count == 1)
        let id = try #require(runs.first?["id"] as? String)
        return try sandbox.etlHost("runs", "show", id).stdout
    }

    @Test func aWarehouseWithNoOptionalOperationSyncsReplaceTwiceThenAppend() throws {
        let sandbox = try HostSandbox("abi-no-schema-get")
        try Self.install(sandbox, Self.variant, name: "libvariant.so")
        try Self.install(sandbox, Self.textWarehouse, name: "libtextwarehouse.so")
        let warehouse = try PluginLoader().load(libraryAt: sandbox.root + "/libtextwarehouse.so")
        #expect(warehouse.descriptor.optionalOperations == [])

        for _ in 1...2 {
            let result = try sandbox.etlHost("sync", "variant", "textwarehouse", "-d", "dir=\(sandbox.root)", "--quiet")
            #expect(result.status == 0, "\(result.stderr)")
            #expect(try String(contentsOfFile: sandbox.root + "/numbers.txt", encoding: .utf8) == Self.numbersFile)
        }
        let append = try sandbox.etlHost("sync", "variant", "textwarehouse", "-d", "dir=\(sandbox.root)", "--mode", "append", "--quiet")
        #expect(append.status == 0, "\(append.stderr)")
        let rows = Self.numbersFile.split(separator: "\n", omittingEmptySubsequences: false).dropFirst().joined(separator: "\n")
        #expect(try String(contentsOfFile: sandbox.root + "/numbers.txt", encoding: .utf8) == Self.numbersFile + rows)
    }

    @Test func incrementalIntoAWarehouseWithoutStateGetIsRefusedBeforeReading() throws {
        let sandbox = try HostSandbox("abi-no-state-get")
        try Self.install(sandbox, "Tests/Fixtures/BrokenPlugins/conformant_extractor.c", name: "libconformant.so")
        try Self.install(sandbox, Self.textWarehouse, name: "libtextwarehouse.so")
        let result = try sandbox.etlHost("sync", "conformant", "textwarehouse", "-s", "rows=3", "-d", "dir=\(sandbox.root)",
                                         "--mode", "append", "--incremental", "--quiet")
        #expect(result.status == 64)
        #expect(result.stderr == "etl-host: error: warehouse 'textwarehouse' cannot read back a stored state (it does not implement state_get), so --incremental cannot continue where the last run stopped; drop --incremental\n")
        #expect(!FileManager.default.fileExists(atPath: sandbox.root + "/numbers.txt"))
    }

    @Test(arguments: [0, 1])
    func pluginsBuiltForAnOlderMinorLoadSyncAndPass(minor: Int) throws {
        let sandbox = try HostSandbox("abi-1-\(minor)")
        let name = "v1\(minor)"
        let installed = try Self.install(sandbox, Self.variant, defines: Self.variantDefines(minor: minor, name: name), name: "lib\(name).so")
        #expect(installed.hasPrefix("Installed \(name) 1.0.0 (extractor, c, ABI 1.\(minor))\n"), "\(installed)")
        let warehouseInstalled = try Self.install(sandbox, Self.textWarehouse, defines: ["TEXTWAREHOUSE_ABI_MINOR=\(minor)"],
                                                  name: "libtextwarehouse.so")
        #expect(warehouseInstalled.hasPrefix("Installed textwarehouse 1.0.0 (warehouse, c, ABI 1.\(minor))\n"), "\(warehouseInstalled)")

        let extractor = try PluginLoader().load(libraryAt: sandbox.root + "/lib\(name).so")
        #expect(extractor.descriptor.negotiatedABI == "1.\(minor)")
        #expect(extractor.descriptor.optionalOperations == ["check", "cancel"])

        let result = try sandbox.etlHost("sync", name, "textwarehouse", "-d", "dir=\(sandbox.root)", "--quiet")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try String(contentsOfFile: sandbox.root + "/numbers.txt", encoding: .utf8) == Self.numbersFile)

        for (plugin, config) in [(name, [String]()), ("textwarehouse", ["-c", "dir=\(sandbox.root)"])] {
            let test = try TestSupport.run(TestSupport.hostExecutable, ["plugins", "test", plugin] + config,
                                           environment: sandbox.environment, currentDirectory: sandbox.root)
            #expect(test.status == 0, "\(test.stdout)\(test.stderr)")
            #expect(test.stdout.contains(" 0 failed"), "\(test.stdout)")
        }
    }

    @Test func aRetryReportedThroughTheHostAPIIsCountedAndLoggedOnce() throws {
        let sandbox = try HostSandbox("abi-retry")
        try Self.install(sandbox, Self.variant, defines: ["VARIANT_REPORTS_RETRY"], name: "libvariant.so")
        try Self.install(sandbox, Self.textWarehouse, name: "libtextwarehouse.so")
        let result = try sandbox.etlHost("sync", "variant", "textwarehouse", "-d", "dir=\(sandbox.root)", "--quiet")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr == "etl-host: [variant] warn: page 1: HTTP 503; retry 1 of 3 in 0.25 s\n")
        let show = try Self.showOnlyRun(sandbox)
        #expect(show.contains("\nRetries: 1\n"), "\(show)")
        #expect(show.contains("  variant [numbers]  attempt 1, waited 0.2 s: page 1: HTTP 503\n"), "\(show)")
    }

    @Test func retryTextInTheLogOfAnABI1_1PluginIsNotCounted() throws {
        let sandbox = try HostSandbox("abi-retry-text")
        try Self.install(sandbox, Self.variant, defines: Self.variantDefines(minor: 1, name: "v11") + ["VARIANT_REPORTS_RETRY"],
                         name: "libv11.so")
        try Self.install(sandbox, Self.textWarehouse, name: "libtextwarehouse.so")
        let result = try sandbox.etlHost("sync", "v11", "textwarehouse", "-d", "dir=\(sandbox.root)", "--quiet")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr == "etl-host: [v11] warn: page 1: HTTP 503; retry 1 of 3 in 0.25 s\n")
        let show = try Self.showOnlyRun(sandbox)
        #expect(show.contains("\nRetries: none\n"), "\(show)")
    }

    @Test func streamErrorHandsTheHostTheCodeRetryabilityAndDetail() throws {
        let folder = try TestSupport.temporaryDirectory("abi-stream-error")
        let library = folder + "/libvariant.so"
        try TestSupport.compileCPlugin([Self.variant], defines: ["VARIANT_STREAM_FAILS"], output: library)
        let plugin = try PluginLoader().load(libraryAt: library)
        #expect(plugin.descriptor.optionalOperations == ["check", "cancel", "stream_error", "error_detail"])
        let stream = try PluginInstance(plugin: plugin, configJSON: "{}").read(stream: "numbers")
        #expect(throws: HostError(.operationFailed, "plugin 'variant': stream 'numbers': serialization failure (SQLSTATE 40001) [ETL_ERR_IO]",
                                  pluginStatus: 4, retryable: true, retryAfterSeconds: 0.3, sqlstate: "40001", vendorCode: 7,
                                  plugin: "variant", stream: "numbers")) {
            try stream.next()
        }
    }

    @Test func withoutStreamErrorTheErrnoAloneDecides() throws {
        let folder = try TestSupport.temporaryDirectory("abi-stream-errno")
        let library = folder + "/libv11.so"
        try TestSupport.compileCPlugin([Self.variant], defines: Self.variantDefines(minor: 1, name: "v11") + ["VARIANT_STREAM_FAILS"],
                                       output: library)
        let plugin = try PluginLoader().load(libraryAt: library)
        #expect(plugin.descriptor.optionalOperations == ["check", "cancel"])
        let stream = try PluginInstance(plugin: plugin, configJSON: "{}").read(stream: "numbers")
        #expect(throws: HostError(.operationFailed, "plugin 'v11': stream 'numbers': serialization failure [ETL_ERR_IO]",
                                  pluginStatus: 4, retryable: true, plugin: "v11", stream: "numbers")) {
            try stream.next()
        }
    }

    @Test func theRetryPolicyWaitsAtLeastTheRetryAfterUpToItsCap() {
        let policy = RetryPolicy(maxAttempts: 3, baseDelay: 0.01, maxDelay: 0.01)
        let asked = HostError(.operationFailed, "rate limited", pluginStatus: 11, retryable: true, retryAfterSeconds: 20)
        #expect(policy.delay(afterAttempt: 1, honouring: asked) == 20)
        let tooLong = HostError(.operationFailed, "rate limited", pluginStatus: 11, retryable: true, retryAfterSeconds: 1_000)
        #expect(policy.delay(afterAttempt: 1, honouring: tooLong) == RetryPolicy.maxRetryAfter)
        let none = HostError(.operationFailed, "io", pluginStatus: 4, retryable: true)
        #expect((0.005...0.01).contains(policy.delay(afterAttempt: 1, honouring: none)))
    }
}

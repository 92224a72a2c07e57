import ETLConformance
import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// A warehouse's SQL operations and their capability bits go together
/// (etl_plugin.h, SQL OPERATIONS): a bit without its function pointer, or
/// a pointer without its bit, is refused when the library loads, through
/// the built binary, with the reason naming the plugin, the capability
/// and the field.
@Suite struct SQLCapabilityRefusalTests {
    /// A fixture, and the problem the loader names.
    struct Mismatch: CustomTestStringConvertible, Sendable {
        var file: String
        var problem: String
        var testDescription: String { file }
    }

    static let mismatches: [Mismatch] = [
        Mismatch(file: "sql_capability_without_execute",
                 problem: "warehouse 'memwh' declares the capability sql_execute (ETL_CAP_SQL_EXECUTE) but "
                     + "etl_warehouse_ops.execute is NULL: set both, or neither"),
        Mismatch(file: "query_without_capability",
                 problem: "warehouse 'memwh' sets etl_warehouse_ops.query but does not declare the capability "
                     + "sql_query (ETL_CAP_SQL_QUERY): set both, or neither"),
    ]

    @Test(arguments: mismatches) func installRefusesItAndInstallsNothing(_ mismatch: Mismatch) throws {
        let sandbox = try HostSandbox("sqlcap-install-\(mismatch.file)")
        let library = try sandbox.compile(["Tests/Fixtures/BrokenPlugins/\(mismatch.file).c"], name: "lib\(mismatch.file).so")
        let result = try sandbox.etlHost("plugins", "install", library)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr == "etl-host: error: plugin '\(library)' has an invalid descriptor: \(mismatch.problem)\n")
        #expect(result.stdout == "")
        #expect(sandbox.contents(sandbox.userRegistry) == nil, "a registry was written")
    }

    @Test(arguments: mismatches) func pluginsTestFailsLoadWithTheReason(_ mismatch: Mismatch) throws {
        let sandbox = try HostSandbox("sqlcap-test-\(mismatch.file)")
        let library = try sandbox.compile(["Tests/Fixtures/BrokenPlugins/\(mismatch.file).c"], name: "lib\(mismatch.file).so")
        let result = try TestSupport.run(TestSupport.hostExecutable, ["plugins", "test", library, "-c", "name=test"],
                                         environment: sandbox.environment, currentDirectory: sandbox.root)
        #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
        let load = ConformanceReport.line(ConformanceResult(
            check: .load, status: .fail,
            detail: "the plugin does not load: plugin '\(library)' has an invalid descriptor: \(mismatch.problem)"))
        #expect(result.stdout.split(separator: "\n").map(String.init).contains(load), "\(result.stdout)")
    }

    /// The SQL bits came with 1.2; in a 1.1 plugin they were unknown bits,
    /// which the header says hosts ignore: such a plugin loads without them.
    @Test func aPluginBuiltFor11LoadsWithTheSQLBitsIgnored() throws {
        let sandbox = try HostSandbox("sqlcap-11")
        let library = try sandbox.compile(["Tests/Fixtures/BrokenPlugins/memory_warehouse.c"], defines: ["MEMWH_ABI_1_1"],
                                          name: "libmemwh11.so")
        let plugin = try PluginLoader().load(libraryAt: library)
        #expect(plugin.descriptor.abi == "1.1")
        #expect(plugin.descriptor.capabilities == ["replace", "append", "upsert", "transactional_state"])
        #expect(!plugin.descriptor.optionalOperations.contains("query"))
    }

    @Test func theHealthyFixtureDeclaresExactlyTheQueryItImplements() throws {
        let sandbox = try HostSandbox("sqlcap-healthy")
        let library = try sandbox.compile(["Tests/Fixtures/BrokenPlugins/memory_warehouse.c"], name: "libmemwh.so")
        let plugin = try PluginLoader().load(libraryAt: library)
        #expect(plugin.descriptor.capabilities.filter { $0.hasPrefix("sql_") } == ["sql_query"])
        #expect(plugin.descriptor.optionalOperations.filter { ["execute", "query"].contains($0) } == ["query"])
    }
}

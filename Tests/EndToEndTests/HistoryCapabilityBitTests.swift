import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// The history capability bit came with ABI 1.3: a plugin built for 1.2
/// that sets it (an unknown bit then, which hosts ignore) loads without it,
/// so it is never sent a history table and `--history` names it.
@Suite struct HistoryCapabilityBitTests {
    @Test func aPluginBuiltFor12LoadsWithTheHistoryBitIgnored() throws {
        let sandbox = try HostSandbox("history-bit-12")
        let library = try sandbox.compile(["Tests/Fixtures/BrokenPlugins/memory_warehouse.c"],
                                          defines: ["MEMWH_ABI_1_2_HISTORY_BIT"], name: "libmemwh12.so")
        let plugin = try PluginLoader().load(libraryAt: library)
        #expect(plugin.descriptor.abi == "1.2")
        #expect(plugin.descriptor.capabilities == ["replace", "append", "upsert", "transactional_state", "sql_query"])
        #expect(!plugin.descriptor.has(.history))
    }
}

import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// Loading C plugins in this process: ABI negotiation and struct_size rules.
@Suite struct PluginLoaderTests {
    static let variant = "Tests/Fixtures/CPlugins/variant.c"

    private func build(_ defines: [String] = [], _ label: String) throws -> String {
        let folder = try TestSupport.temporaryDirectory("loader")
        let path = folder + "/lib\(label).so"
        try TestSupport.compileCPlugin([Self.variant], defines: defines, output: path)
        return path
    }

    @Test func samemajorNewerMinorPluginLoadsAtTheHostsVersion() throws {
        let plugin = try PluginLoader().load(libraryAt: build(["VARIANT_ABI_MINOR=5"], "newer"))
        #expect(plugin.descriptor.abi == "1.5")
        #expect(plugin.descriptor.negotiatedABI == "1.4")
        #expect(plugin.negotiatedABI == HostABI.make(major: 1, minor: 4))
    }

    @Test func olderMinorPluginLoadsAtItsOwnVersion() throws {
        // A host of 1.3 meets a plugin of 1.2: both use 1.2.
        let loader = PluginLoader(hostABI: HostABI.make(major: 1, minor: 3))
        let plugin = try loader.load(libraryAt: build(["VARIANT_ABI_MINOR=2"], "older"))
        #expect(plugin.descriptor.abi == "1.2")
        #expect(plugin.descriptor.negotiatedABI == "1.2")
    }

    @Test func differentMajorIsRefusedWithBothVersions() throws {
        let path = try build(["VARIANT_ABI_MAJOR=2", "VARIANT_ABI_MINOR=1"], "major2")
        #expect(throws: HostError(.abiMismatch, "plugin '\(path)' was built for ABI 2.1; this etl-host speaks ABI 1.4 and needs the same major version: rebuild the plugin against this etl_plugin.h (the plugin says: built for ABI 2.1, host offers 1.4)", plugin: path)) {
            try PluginLoader().load(libraryAt: path)
        }
        // A host of a newer major refuses a 1.x plugin the same way.
        let old = try build([], "v1")
        #expect { try PluginLoader(hostABI: HostABI.make(major: 3, minor: 0)).load(libraryAt: old) } throws: { error in
            let message = (error as? HostError)?.message ?? ""
            return message.hasPrefix("plugin '\(old)' was built for ABI 1.4; this etl-host speaks ABI 3.0")
        }
    }

    @Test func aSmallerOperationTableReadsAsAbsentOperations() throws {
        // Built "against an older minor" whose extractor table ends before
        // checkpoint; the fixture's checkpoint aborts if the host calls it.
        let plugin = try PluginLoader().load(libraryAt: build(["VARIANT_EXTRACTOR_OPS_SIZE=offsetof(etl_extractor_ops,checkpoint)"], "smallops"))
        #expect(!plugin.descriptor.optionalOperations.contains("checkpoint"))
        let instance = try PluginInstance(plugin: plugin, configJSON: "{}")
        #expect(try instance.checkpoint(stream: "numbers") == nil)
        let catalog = try instance.discover()
        #expect(catalog.contains("\"numbers\""))
    }

    @Test func aDescriptorSmallerThanTheHostsIsZeroFilledNotTrusted() throws {
        // The plugin claims to have filled only the 1.0 part; whatever lies past
        // it must read as absent. (1.0 is the whole struct today, so the size is
        // the minimum and the load succeeds.)
        let plugin = try PluginLoader().load(libraryAt: build(["VARIANT_DESCRIPTOR_SIZE=ETL_PLUGIN_SIZE_1_0"], "size10"))
        #expect(plugin.descriptor.name == "variant")
        let tooSmall = try build(["VARIANT_DESCRIPTOR_SIZE=offsetof(etl_plugin,extractor)"], "toosmall")
        #expect { try PluginLoader().load(libraryAt: tooSmall) } throws: { error in
            (error as? HostError)?.message.contains("filled a descriptor of 104 bytes; ABI 1.0 needs at least 120") == true
        }
    }

    @Test func initFailureCarriesThePluginsMessage() throws {
        let path = try build(["VARIANT_INIT_FAILS"], "fails")
        #expect(throws: HostError(.pluginFailed, "plugin '\(path)' failed to initialize: ETL_ERR_INVALID_ARGUMENT (2): refusing to start: the test asked me to", plugin: path)) {
            try PluginLoader().load(libraryAt: path)
        }
    }

    @Test func wrongKindIsRefusedWhereAnotherIsNeeded() throws {
        let plugin = try PluginLoader().load(libraryAt: build([], "kind"))
        #expect(throws: HostError(.invalidArgument, "plugin 'variant' (\(plugin.path)) is an extractor, but a warehouse is needed here", plugin: "variant")) {
            try plugin.require(kind: .warehouse)
        }
    }

    @Test func loadingTwiceReturnsTheSamePlugin() throws {
        let path = try build([], "twice")
        let first = try PluginLoader().load(libraryAt: path)
        let second = try PluginLoader().load(libraryAt: path)
        #expect(first === second)
    }
}

import ETLTestSupport
import Foundation
import Testing

/// A Swift plugin links its own copy of ETLPluginKit, so whatever the SDK
/// holds that only the host calls is code every Swift plugin carries and
/// exports: the SDK keeps none of it (docs/ARCHITECTURE.md, "The SDK is not
/// the host's toolbox").
@Suite struct SwiftPluginFootprintTests {
    /// The types that moved from ETLPluginKit into ETLHost: reading an
    /// ArrowArrayStream, and the raw column buffers the Arrow IPC writer copies.
    static let hostOnlyTypes = ["ArrowStreamReader", "ImportedColumnBuffers"]

    @Test("the ProcStats example plugin exports the SDK but no symbol of a host-only type")
    func procstatsCarriesNoHostOnlyCode() throws {
        let library = TestSupport.productsDirectory + "/libetl_example_procstats.so"
        let result = try TestSupport.run("/usr/bin/env", ["nm", "-D", "--defined-only", library])
        #expect(result.status == 0, "nm failed: \(result.stderr)")
        let symbols = result.stdout.split(separator: "\n").compactMap { $0.split(separator: " ").last.map(String.init) }
        let kit = symbols.filter { $0.hasPrefix("$s12ETLPluginKit") }
        #expect(kit.contains { $0.contains("17ArrowBatchBuilder") }, "the SDK is linked in (sanity check of the symbol names)")
        for type in Self.hostOnlyTypes {
            let carried = kit.filter { $0.contains("\(type.count)\(type)") }
            #expect(carried.isEmpty, "\(carried.count) symbols of \(type), e.g. \(carried.prefix(3))")
        }
    }
}

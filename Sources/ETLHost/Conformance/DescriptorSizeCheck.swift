import CETLPlugin
import ETLPluginKit
import Foundation

/// `descriptor-size`: init writes nothing past the struct_size of the
/// descriptor the host allocated, even when that is smaller than the
/// plugin's own `etl_plugin`.
///
/// The `struct-size` check gives init a descriptor of ABI 1.0's size, which
/// today is the whole `etl_plugin`: a plugin that copies its whole struct
/// (`*out = d`) passes it. This check hands init a descriptor of
/// ``descriptorSize`` bytes (up to, not including, `etl_plugin.warehouse`,
/// the last field of 1.0) against a guard page, as a host whose struct is
/// smaller than the plugin's would: a plugin that copies
/// `min(struct_size, sizeof)` bytes passes (it may also refuse the
/// descriptor with an error), one that writes past it crashes in this
/// phase. What the plugin filled is not validated: the descriptor lacks a
/// field 1.0 requires.
enum DescriptorSizeCheck {
    /// The size given: every field of ABI 1.0 but the last.
    static let descriptorSize = MemoryLayout<etl_plugin>.offset(of: \etl_plugin.warehouse)!

    static func run(_ environment: WorkerEnvironment) throws {
        let recorder = environment.recorder
        let request = environment.request
        let initialize: etl_plugin_init_fn
        do {
            initialize = try RawInit.entryPoint(library: request.library, symbol: request.entry)
        } catch {
            recorder.fail("\(error)")
            throw StopCheck()
        }
        let size = descriptorSize
        recorder.phase("init by a host of ABI 1.0 with a \(size)-byte descriptor (smaller than etl_plugin) against a guard page",
                       crashHint: "init wrote past the \(size) bytes of struct_size the host gave it: copy "
                           + "min(struct_size, sizeof(etl_plugin)) bytes, never the whole struct")
        let outcome = RawInit.call(initialize, hostABI: HostABI.make(major: 1, minor: 0), descriptorSize: size)
        guard outcome.status == ETL_OK.rawValue else {
            recorder.passDetail = "init refused a \(size)-byte descriptor cleanly ("
                + (outcome.failure?.summary ?? PluginStatusCode.name(outcome.status)) + ") and wrote nothing past it"
            return
        }
        guard outcome.reportedSize <= size else {
            recorder.fail("init reported struct_size \(outcome.reportedSize), more than the \(size) bytes the host gave; "
                + "it must report the size it filled, min(host's, its own)")
            return
        }
        recorder.passDetail = "init wrote within a \(size)-byte descriptor and reported struct_size \(outcome.reportedSize)"
    }
}

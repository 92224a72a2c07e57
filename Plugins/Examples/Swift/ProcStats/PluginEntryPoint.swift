import ETLPluginKit

// snippet:entry
/// The entry point the host looks up after dlopen (`etl_plugin_init`):
/// the kit negotiates the ABI, fills the descriptor from
/// ``ProcStatsExtractor/info`` and serves the extractor's operations.
@_cdecl("etl_plugin_init")
public func etl_plugin_init(
    _ hostABI: UInt32, _ host: UnsafePointer<etl_host_api>?, _ out: UnsafeMutablePointer<etl_plugin>?,
    _ error: UnsafeMutablePointer<etl_error>?
) -> Int32 {
    PluginEntry.initialize(hostABI: hostABI, host: host, out: out, error: error, extractor: ProcStatsExtractor.self)
}
// end-snippet

import ETLPluginKit

/// The entry point the host looks up after dlopen (`etl_plugin_init`).
@_cdecl("etl_plugin_init")
public func etl_plugin_init(
    _ hostABI: UInt32, _ host: UnsafePointer<etl_host_api>?, _ out: UnsafeMutablePointer<etl_plugin>?,
    _ error: UnsafeMutablePointer<etl_error>?
) -> Int32 {
    PluginEntry.initialize(hostABI: hostABI, host: host, out: out, error: error, extractor: RestExtractor.self)
}

/// Writes a plugin's `etl_plugin_init` in one line.
///
/// It negotiates the ABI, fills the descriptor from the type's
/// ``PluginInfo`` (language `"swift"`, toolchain ``ETLToolchain/current``)
/// and points its operations at the kit's C trampolines, which open
/// instances of the type and call it. Rules of the contract it follows:
///
/// - A host of another ABI major gets `out->abi_version` set and
///   `ETL_ERR_ABI_MISMATCH`, with a message naming both versions.
/// - At most the host's `out->struct_size` bytes are written; then
///   `struct_size` is set to the number written.
/// - Descriptor strings and operation tables are allocated once and live
///   for the life of the process.
/// - No Swift error crosses the boundary: every failure becomes a status
///   and an `etl_error`.
///
/// ```swift
/// @_cdecl("etl_plugin_init")
/// public func etl_plugin_init(_ hostABI: UInt32, _ host: UnsafePointer<etl_host_api>?,
///                             _ out: UnsafeMutablePointer<etl_plugin>?,
///                             _ error: UnsafeMutablePointer<etl_error>?) -> Int32 {
///     PluginEntry.initialize(hostABI: hostABI, host: host, out: out, error: error,
///                            extractor: CSVExtractor.self)
/// }
/// ```
///
/// A library holds one plugin: initializing it again with the same type
/// refills the descriptor; with another type it fails.
public enum PluginEntry {
    /// Fills the descriptor of an extractor plugin.
    public static func initialize<E: Extractor>(
        hostABI: UInt32, host: UnsafePointer<etl_host_api>?, out: UnsafeMutablePointer<etl_plugin>?,
        error: UnsafeMutablePointer<etl_error>?, extractor: E.Type
    ) -> Int32 {
        initialize(hostABI: hostABI, host: host, out: out, error: error, info: E.info,
                   type: ObjectIdentifier(E.self), kind: .extractor) { config, host in
            ExtractorInstance(extractor: try E(config: config, host: host), host: host)
        }
    }

    /// Fills the descriptor of a warehouse plugin.
    public static func initialize<W: Warehouse>(
        hostABI: UInt32, host: UnsafePointer<etl_host_api>?, out: UnsafeMutablePointer<etl_plugin>?,
        error: UnsafeMutablePointer<etl_error>?, warehouse: W.Type
    ) -> Int32 {
        let capabilities = W.info.capabilities
        return initialize(hostABI: hostABI, host: host, out: out, error: error, info: W.info,
                          type: ObjectIdentifier(W.self), kind: .warehouse) { config, host in
            WarehouseInstance(warehouse: try W(config: config, host: host), capabilities: capabilities,
                              host: host)
        }
    }

    private static func initialize(
        hostABI: UInt32, host: UnsafePointer<etl_host_api>?, out: UnsafeMutablePointer<etl_plugin>?,
        error: UnsafeMutablePointer<etl_error>?, info: PluginInfo, type: ObjectIdentifier,
        kind: Registration.Kind, open: @escaping (PluginConfig, HostContext) throws -> PluginInstance
    ) -> Int32 {
        guard let out else {
            return PluginError.invalidArgument("etl_plugin_init: out is NULL").export(to: error)
        }
        let hostSize = Int(CStructField.structSize(at: out))
        guard ETLABI.major(of: hostABI) == ETLABI.major else {
            let filled = CStructField.end(of: \etl_plugin.abi_version)
            if hostSize >= filled {
                CStructField.write(ETLABI.version, to: \etl_plugin.abi_version, of: out)
                CStructField.write(UInt32(filled), to: \etl_plugin.struct_size, of: out)
            }
            return PluginError(.abiMismatch, "plugin \"\(info.name)\" was built for etl ABI "
                + "\(ETLABI.describe(ETLABI.version)) but the host speaks ABI \(ETLABI.describe(hostABI)); "
                + "rebuild the plugin against the host's etl_plugin.h or use a host of ABI "
                + "\(ETLABI.major).x").export(to: error)
        }
        guard hostSize >= ETLABI.pluginSize1_0 else {
            return PluginError.invalidArgument("etl_plugin.struct_size is \(hostSize), smaller than "
                + "the \(ETLABI.pluginSize1_0) bytes of ABI 1.0; the host must set it to "
                + "sizeof(etl_plugin)").export(to: error)
        }
        let descriptor: StaticDescriptor
        do {
            descriptor = try Registration.register(info: info, type: type, kind: kind, hostAPI: host,
                                                   open: open)
        } catch let failure {
            return failure.export(to: error)
        }
        var local = descriptor.plugin
        let count = min(hostSize, MemoryLayout<etl_plugin>.size)
        local.struct_size = UInt32(count)
        withUnsafeBytes(of: &local) { bytes in
            UnsafeMutableRawPointer(out).copyMemory(from: bytes.baseAddress!, byteCount: count)
        }
        return 0
    }
}

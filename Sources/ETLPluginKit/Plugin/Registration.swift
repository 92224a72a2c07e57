#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The plugin this library holds: one per process (each Swift plugin has
/// its own copy of the kit, hence of this global).
///
/// `@unchecked Sendable`: every member is immutable; `open` captures only a
/// metatype, and the descriptor's pointers are static.
struct Registration: @unchecked Sendable {
    enum Kind: Sendable {
        case extractor, warehouse
    }

    let type: ObjectIdentifier
    let name: String
    let descriptor: StaticDescriptor
    let hostAPI: HostAPIPointer
    let open: (PluginConfig, HostContext) throws -> PluginInstance

    /// The host table, valid for the life of the process.
    struct HostAPIPointer {
        let pointer: UnsafePointer<etl_host_api>?
    }

    private static let current = Mutex<Registration?>(nil)

    /// Forgets the registered plugin, so that a test process can register
    /// several plugin types one after the other. Never used by plugins.
    static func resetForTesting() {
        current.withLock { $0 = nil }
    }

    /// The registered plugin; `nil` before etl_plugin_init.
    static var registered: Registration? {
        current.withLock { $0 }
    }

    /// Registers the plugin (or finds it registered) and returns its
    /// descriptor.
    static func register(
        info: PluginInfo, type: ObjectIdentifier, kind: Kind, hostAPI: UnsafePointer<etl_host_api>?,
        open: @escaping (PluginConfig, HostContext) throws -> PluginInstance
    ) throws(PluginError) -> StaticDescriptor {
        let result: Result<StaticDescriptor, PluginError> = current.withLock { registration in
            if let existing = registration {
                guard existing.type == type else {
                    return .failure(PluginError.internalError("this library already registered plugin "
                        + "\"\(existing.name)\"; one library holds one plugin"))
                }
                registration = Registration(type: type, name: existing.name, descriptor: existing.descriptor,
                                            hostAPI: HostAPIPointer(pointer: hostAPI), open: existing.open)
                return .success(existing.descriptor)
            }
            do {
                try info.validate()
            } catch {
                return .failure(PluginError.wrapping(error))
            }
            let descriptor = StaticDescriptor(plugin: makeDescriptor(info: info, kind: kind))
            registration = Registration(type: type, name: info.name, descriptor: descriptor,
                                        hostAPI: HostAPIPointer(pointer: hostAPI), open: open)
            return .success(descriptor)
        }
        return try result.get()
    }

    /// Builds the descriptor: strings duplicated once, operation tables
    /// allocated once, never freed (the host never unloads plugins).
    private static func makeDescriptor(info: PluginInfo, kind: Kind) -> etl_plugin {
        var plugin = etl_plugin()
        plugin.struct_size = UInt32(MemoryLayout<etl_plugin>.size)
        plugin.abi_version = ETLABI.version
        plugin.name = UnsafePointer(strdup(info.name))
        plugin.version = UnsafePointer(strdup(info.version))
        plugin.description = UnsafePointer(strdup(info.description))
        plugin.language = UnsafePointer(strdup("swift"))
        plugin.toolchain = UnsafePointer(strdup(ETLToolchain.current))
        plugin.config_schema = UnsafePointer(strdup(info.configSchema))
        plugin.capabilities = info.capabilities.rawValue
        plugin.open = instanceOpen
        plugin.check = instanceCheck
        plugin.cancel = instanceCancel
        plugin.close = instanceClose
        plugin.error_detail = exportedErrorDetail
        switch kind {
        case .extractor:
            plugin.kind = Int32(ETL_KIND_EXTRACTOR.rawValue)
            let ops = UnsafeMutablePointer<etl_extractor_ops>.allocate(capacity: 1)
            ops.initialize(to: ExtractorTrampolines.makeOps(incremental: info.capabilities.contains(.incremental)))
            plugin.extractor = UnsafePointer(ops)
        case .warehouse:
            plugin.kind = Int32(ETL_KIND_WAREHOUSE.rawValue)
            let ops = UnsafeMutablePointer<etl_warehouse_ops>.allocate(capacity: 1)
            ops.initialize(to: WarehouseTrampolines.makeOps(capabilities: info.capabilities))
            plugin.warehouse = UnsafePointer(ops)
        }
        return plugin
    }
}

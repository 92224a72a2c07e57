import CETLPlugin
import ETLPluginKit
import Foundation
import Synchronization

/// Loads plugin libraries into this process and checks that they keep the
/// contract of `etl_plugin.h`.
///
/// ```swift
/// let plugin = try PluginLoader().load(libraryAt: "/path/libetl_csv.so")
/// print(plugin.descriptor.name, plugin.descriptor.negotiatedABI) // csv 1.0
/// ```
///
/// Libraries are opened with `RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE` and
/// never closed: unloading a Swift plugin crashes the host on its next
/// dynamic cast. Each library is initialized once per process and host ABI;
/// loading it again returns the same ``LoadedPlugin``.
public struct PluginLoader: Sendable {
    /// The ABI version this loader offers plugins (tests lower or raise it to
    /// exercise the negotiation).
    public var hostABI: UInt32
    /// The toolchain Swift plugins must have been built with.
    public var hostToolchain: String

    /// A loader for this host's ABI and toolchain.
    public init(hostABI: UInt32 = HostABI.current, hostToolchain: String = ETLToolchain.current) {
        self.hostABI = hostABI
        self.hostToolchain = hostToolchain
    }

    private static let loaded = Mutex<[String: LoadedPlugin]>([:])

    /// Loads the library at `path`, calls its entry point and validates the
    /// descriptor it fills.
    ///
    /// - Throws: ``HostError`` naming the file and the cause: `.notAPlugin`
    ///   (missing file, not a shared library, no entry symbol), `.abiMismatch`
    ///   (other ABI major, other Swift toolchain; both versions printed),
    ///   `.pluginFailed` (init returned an error, or the descriptor is invalid).
    public func load(libraryAt path: String, entrySymbol: String = ETL_PLUGIN_ENTRY_SYMBOL) throws -> LoadedPlugin {
        let path = HostEnvironment.absolutePath(path)
        let key = "\(path)|\(entrySymbol)|\(hostABI)"
        if let plugin = Self.loaded.withLock({ $0[key] }) { return plugin }

        try Self.checkIsSharedLibrary(path)
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown reason"
            throw HostError(.notAPlugin, "cannot load plugin '\(path)': \(reason)", plugin: path)
        }
        // Never dlclose: see the type's documentation.
        guard let symbol = dlsym(handle, entrySymbol) else {
            throw HostError(.notAPlugin, "'\(path)' is a shared library but not an etl-host plugin: it exports no entry symbol '\(entrySymbol)' (declare it with ETL_EXPORT in C or @_cdecl(\"\(entrySymbol)\") in Swift)", plugin: path)
        }
        let initialize = unsafeBitCast(symbol, to: etl_plugin_init_fn.self)
        let plugin = try callInit(initialize, path: path)
        Self.loaded.withLock { $0[key] = plugin }
        return plugin
    }

    private func callInit(_ initialize: etl_plugin_init_fn, path: String) throws -> LoadedPlugin {
        let hostSize = MemoryLayout<etl_plugin>.size
        let raw = UnsafeMutableRawPointer.allocate(byteCount: hostSize, alignment: MemoryLayout<etl_plugin>.alignment)
        defer { raw.deallocate() }
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: hostSize)
        let descriptor = raw.bindMemory(to: etl_plugin.self, capacity: 1)
        descriptor.pointee.struct_size = UInt32(hostSize)

        var error = emptyError()
        HostServices.initializingPlugin.withLock { $0 = (path as NSString).lastPathComponent }
        let status = initialize(hostABI, HostServices.table, descriptor, &error)
        let message = status == ETL_OK.rawValue ? nil : PluginError(taking: &error, status: status).message

        let pluginABI = descriptor.pointee.abi_version
        if status == ETL_ERR_ABI_MISMATCH.rawValue || (pluginABI != 0 && pluginABI >> 16 != hostABI >> 16) {
            let built = pluginABI == 0 ? "another ABI" : "ABI \(HostABI.string(pluginABI))"
            throw HostError(.abiMismatch, "plugin '\(path)' was built for \(built); this etl-host speaks ABI \(HostABI.string(hostABI)) and needs the same major version: rebuild the plugin against this etl_plugin.h" + (message.map { " (the plugin says: \($0))" } ?? ""), plugin: path)
        }
        guard status == ETL_OK.rawValue else {
            throw HostError(.pluginFailed, "plugin '\(path)' failed to initialize: \(PluginStatusCode.name(status)): \(message ?? "no message")", plugin: path)
        }

        // Treat everything past the size the plugin filled as absent.
        let filled = Int(descriptor.pointee.struct_size)
        let minimum = MemoryLayout<etl_plugin>.offset(of: \etl_plugin.warehouse)! + MemoryLayout<UnsafeRawPointer>.size
        guard filled >= minimum else {
            throw HostError(.pluginFailed, "plugin '\(path)' filled a descriptor of \(filled) bytes; ABI 1.0 needs at least \(minimum) (set struct_size to the size you filled)", plugin: path)
        }
        if filled < hostSize { (raw + filled).initializeMemory(as: UInt8.self, repeating: 0, count: hostSize - filled) }
        guard pluginABI != 0 else {
            throw HostError(.pluginFailed, "plugin '\(path)' did not set abi_version in its descriptor", plugin: path)
        }
        return try LoadedPlugin(
            path: path, descriptor: descriptor.pointee,
            negotiatedABI: min(hostABI, pluginABI), hostToolchain: hostToolchain
        )
    }

    /// Refuses files that are missing, are not regular files (a FIFO,
    /// `/dev/zero`: see ``LibraryFile``) or are not ELF shared objects, with
    /// a clearer message than dlopen's.
    package static func checkIsSharedLibrary(_ path: String) throws {
        let header = try LibraryFile.header(ofLibraryAt: path, count: 18)
        guard header.count >= 18, header.prefix(4) == [0x7F, 0x45, 0x4C, 0x46] else {
            throw HostError(.notAPlugin, "cannot load plugin '\(path)': not a shared library (no ELF header)", plugin: path)
        }
        // e_type at offset 16: 3 = ET_DYN (shared object or PIE).
        let type = UInt16(header[16]) | UInt16(header[17]) << 8
        guard type == 3 else {
            throw HostError(.notAPlugin, "cannot load plugin '\(path)': an ELF file but not a shared library (build it with -shared -fPIC)", plugin: path)
        }
    }
}

/// Names of `etl_status_code` values for messages.
public enum PluginStatusCode {
    /// "ETL_ERR_IO (4)" for 4, and so on.
    public static func name(_ status: Int32) -> String {
        guard let code = PluginError.Code(rawValue: status) else { return "unknown status \(status)" }
        return "\(code) (\(status))"
    }
}

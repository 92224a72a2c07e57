import CETLPlugin
import ETLHost
import ETLPluginKit
import Foundation

/// Calls a plugin's entry point the way the suite needs to, rather than
/// the way the loader does: with another host ABI version, or a smaller
/// descriptor against a guard page. The contract calls init once per
/// process, so each worker calls it at most once.
enum RawInit {
    /// What init did.
    struct Outcome {
        /// The status it returned.
        var status: Int32
        /// The descriptor bytes up to the host's size (the rest zero).
        var descriptor: etl_plugin
        /// The struct_size the plugin wrote back.
        var reportedSize: Int
        /// Its error, when it failed (released).
        var failure: CallFailure?
    }

    /// dlopens the library (never closed) and finds the entry symbol.
    static func entryPoint(library: String, symbol: String) throws -> etl_plugin_init_fn {
        try PluginLoader.checkIsSharedLibrary(library)
        guard let handle = dlopen(library, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
            throw HostError(.notAPlugin, "cannot load '\(library)': \(dlerror().map { String(cString: $0) } ?? "unknown reason")")
        }
        guard let found = dlsym(handle, symbol) else {
            throw HostError(.notAPlugin, "'\(library)' exports no entry symbol '\(symbol)'")
        }
        return unsafeBitCast(found, to: etl_plugin_init_fn.self)
    }

    /// A copy of the host's service table that says `abi` (kept for the
    /// life of the process, as the contract promises plugins).
    static func hostTable(abi: UInt32) -> UnsafePointer<etl_host_api> {
        let table = UnsafeMutablePointer<etl_host_api>.allocate(capacity: 1)
        table.initialize(to: HostServices.table.pointee)
        table.pointee.abi_version = abi
        return UnsafePointer(table)
    }

    /// Calls `initialize` as a host of ABI `hostABI` that allocated a
    /// descriptor of `descriptorSize` bytes, placed against a guard page.
    static func call(_ initialize: etl_plugin_init_fn, hostABI: UInt32, descriptorSize: Int) -> Outcome {
        let memory = GuardedMemory(size: descriptorSize)
        memory.pointer.storeBytes(of: UInt32(descriptorSize), as: UInt32.self)
        let error = UnsafeMutablePointer<etl_error>.allocate(capacity: 1)
        defer { error.deallocate() }
        error.initialize(to: emptyError())
        let status = initialize(hostABI, hostTable(abi: hostABI), memory.typed(etl_plugin.self), error)
        let reported = Int(memory.pointer.load(as: UInt32.self))
        // Copy what the plugin filled, up to what we gave and it reported.
        let copy = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<etl_plugin>.size,
                                                    alignment: MemoryLayout<etl_plugin>.alignment)
        defer { copy.deallocate() }
        copy.initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<etl_plugin>.size)
        copy.copyMemory(from: memory.pointer, byteCount: min(descriptorSize, max(reported, 8), MemoryLayout<etl_plugin>.size))
        return Outcome(status: status, descriptor: copy.load(as: etl_plugin.self), reportedSize: reported,
                       failure: CallFailure.take(error, status: status))
    }
}

import CETLPlugin
import ETLPluginKit
import Foundation

/// A plugin library that is loaded, initialized and validated.
///
/// Holds copies of the descriptor and of the operation tables, each cut at
/// the size the plugin declared, so that an operation a plugin built against
/// an older minor version does not have reads as `nil`.
public final class LoadedPlugin: @unchecked Sendable {
    // @unchecked: immutable after init; the C tables it copies hold function pointers and static strings.
    /// Absolute path of the library.
    public let path: String
    /// What the plugin says about itself.
    public let descriptor: PluginDescriptor
    /// The ABI version in use: min(host, plugin).
    public let negotiatedABI: UInt32
    /// The raw descriptor, bytes past the plugin's struct_size zeroed
    /// (package: the conformance suite calls the plugin through it).
    package let raw: etl_plugin
    /// The extractor operations, when the plugin is an extractor.
    package let extractorOps: etl_extractor_ops?
    /// The warehouse operations, when the plugin is a warehouse.
    package let warehouseOps: etl_warehouse_ops?

    /// Validates the descriptor `raw` that the library at `path` returned
    /// from init and copies its operation tables; throws naming the field
    /// that breaks the contract, or a Swift toolchain other than
    /// `hostToolchain`. (Package: the conformance suite's struct-size check
    /// builds descriptors cut at older sizes.)
    package init(path: String, descriptor raw: etl_plugin, negotiatedABI: UInt32, hostToolchain: String) throws {
        self.path = path
        self.raw = raw
        self.negotiatedABI = negotiatedABI
        func fail(_ problem: String) -> HostError {
            HostError(.pluginFailed, "plugin '\(path)' has an invalid descriptor: \(problem)", plugin: path)
        }
        func string(_ pointer: UnsafePointer<CChar>?) -> String? { pointer.map { String(cString: $0) } }

        guard let name = string(raw.name), Self.isValidName(name) else {
            throw fail("name must be 1-64 characters of a-z, 0-9, '-' and '_' (got \(string(raw.name).map { "'\($0)'" } ?? "NULL"))")
        }
        guard let version = string(raw.version), !version.isEmpty else { throw fail("version is empty") }
        guard raw.open != nil, raw.close != nil else { throw fail("open and close are required") }
        let language = string(raw.language) ?? "c"
        let toolchain = string(raw.toolchain)
        if language == "swift" {
            guard let toolchain, toolchain == hostToolchain else {
                throw HostError(.abiMismatch, "plugin '\(path)' is a Swift plugin built with \(toolchain ?? "an unknown toolchain"); this etl-host was built with \(hostToolchain), and Swift has no stable ABI on Linux: rebuild the plugin with \(hostToolchain)", plugin: path)
            }
        }
        guard let schemaText = string(raw.config_schema), case .object? = try? JSONValue(jsonText: schemaText)
        else { throw fail("config_schema must be a JSON Schema object") }

        // The SQL capability bits came with ABI 1.2; before it, they were
        // unknown bits, which the header says are ignored.
        // So did the history bit with ABI 1.3: a plugin built before it
        // cannot have meant it, and is never sent a history table.
        let sqlBits = UInt64(ETL_CAP_SQL_EXECUTE.rawValue | ETL_CAP_SQL_QUERY.rawValue)
        let historyBit = UInt64(ETL_CAP_HISTORY.rawValue)
        var capabilities = raw.abi_version & 0xFFFF >= 2 ? raw.capabilities : raw.capabilities & ~sqlBits
        if raw.abi_version & 0xFFFF < 3 { capabilities &= ~historyBit }
        let kind: PluginKind
        var optional: [String] = []
        if raw.check != nil { optional.append("check") }
        if raw.cancel != nil { optional.append("cancel") }
        switch UInt32(bitPattern: raw.kind) {
        case ETL_KIND_EXTRACTOR.rawValue:
            kind = .extractor
            guard let table = raw.extractor else { throw fail("an extractor must point 'extractor' at its operations") }
            let ops = Self.copyTable(table, as: etl_extractor_ops.self)
            guard ops.discover != nil, ops.read != nil else { throw fail("an extractor must implement discover and read") }
            if ops.checkpoint != nil { optional.append("checkpoint") }
            if ops.stream_error != nil { optional.append("stream_error") }
            extractorOps = ops
            warehouseOps = nil
        case ETL_KIND_WAREHOUSE.rawValue:
            kind = .warehouse
            guard let table = raw.warehouse else { throw fail("a warehouse must point 'warehouse' at its operations") }
            let ops = Self.copyTable(table, as: etl_warehouse_ops.self)
            guard ops.begin != nil, ops.write != nil, ops.commit != nil, ops.rollback != nil else {
                throw fail("a warehouse must implement begin, write, commit and rollback")
            }
            if ops.state_get != nil { optional.append("state_get") }
            if ops.table_schema != nil { optional.append("table_schema") }
            if ops.schema_get != nil { optional.append("schema_get") }
            if ops.execute != nil { optional.append("execute") }
            if ops.query != nil { optional.append("query") }
            if let problem = Self.checkSQLCapabilities(capabilities, ops, plugin: name) { throw fail(problem) }
            extractorOps = nil
            warehouseOps = ops
        default:
            throw fail("kind is \(raw.kind); expected \(ETL_KIND_EXTRACTOR.rawValue) (extractor) or \(ETL_KIND_WAREHOUSE.rawValue) (warehouse)")
        }

        if raw.error_detail != nil { optional.append("error_detail") }
        descriptor = PluginDescriptor(
            name: name, kind: kind, version: version, description: string(raw.description) ?? "",
            language: language, toolchain: toolchain, abi: HostABI.string(raw.abi_version),
            negotiatedABI: HostABI.string(negotiatedABI), capabilities: PluginCapabilities.names(capabilities),
            configSchema: schemaText, optionalOperations: optional
        )
    }

    /// The problem with a warehouse's SQL operations, or nil: each is set
    /// exactly when its capability bit is (etl_plugin.h, SQL OPERATIONS),
    /// since the registry lists capabilities without loading the library.
    static func checkSQLCapabilities(_ capabilities: UInt64, _ ops: etl_warehouse_ops, plugin name: String) -> String? {
        let pairs: [(bit: UInt32, capability: String, macro: String, operation: String, isSet: Bool)] = [
            (ETL_CAP_SQL_EXECUTE.rawValue, "sql_execute", "ETL_CAP_SQL_EXECUTE", "execute", ops.execute != nil),
            (ETL_CAP_SQL_QUERY.rawValue, "sql_query", "ETL_CAP_SQL_QUERY", "query", ops.query != nil),
        ]
        for pair in pairs {
            let declared = capabilities & UInt64(pair.bit) != 0
            if declared, !pair.isSet {
                return "warehouse '\(name)' declares the capability \(pair.capability) (\(pair.macro)) but "
                    + "etl_warehouse_ops.\(pair.operation) is NULL: set both, or neither"
            }
            if pair.isSet, !declared {
                return "warehouse '\(name)' sets etl_warehouse_ops.\(pair.operation) but does not declare the capability "
                    + "\(pair.capability) (\(pair.macro)): set both, or neither"
            }
        }
        return nil
    }

    /// Throws unless the plugin is of `kind`, naming what it is instead.
    public func require(kind: PluginKind) throws {
        guard descriptor.kind == kind else { throw kindMismatch(needed: kind) }
    }

    func kindMismatch(needed kind: PluginKind) -> HostError {
        HostError(.invalidArgument, "plugin '\(descriptor.name)' (\(path)) is \(descriptor.kind == .extractor ? "an extractor" : "a warehouse"), but \(kind == .extractor ? "an extractor" : "a warehouse") is needed here", plugin: descriptor.name)
    }

    /// Valid plugin names: 1-64 of a-z, 0-9, '-', '_'.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64 && name.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D || byte == 0x5F
        }
    }

    /// Copies at most the plugin's declared struct_size bytes of an operation
    /// table into a zeroed host-sized struct.
    private static func copyTable<T>(_ table: UnsafePointer<T>, as _: T.Type) -> T {
        let declared = Int(UnsafeRawPointer(table).load(as: UInt32.self))
        let size = min(declared, MemoryLayout<T>.size)
        let copy = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<T>.size, alignment: MemoryLayout<T>.alignment)
        defer { copy.deallocate() }
        copy.initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<T>.size)
        copy.copyMemory(from: UnsafeRawPointer(table), byteCount: size)
        return copy.load(as: T.self)
    }
}

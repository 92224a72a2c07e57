import CETLPlugin
import Foundation

/// The ABI version this host speaks, as in `etl_plugin.h`.
public enum HostABI {
    /// `ETL_ABI_VERSION`: (major << 16) | minor.
    public static let current: UInt32 = make(major: UInt32(ETL_ABI_VERSION_MAJOR), minor: UInt32(ETL_ABI_VERSION_MINOR))

    /// Builds a version number.
    public static func make(major: UInt32, minor: UInt32) -> UInt32 { (major << 16) | (minor & 0xFFFF) }

    /// "major.minor" of a version number.
    public static func string(_ version: UInt32) -> String { "\(version >> 16).\(version & 0xFFFF)" }

    /// Parses "major.minor" (as recorded in registries).
    public static func parse(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".")
        guard parts.count == 2, let major = UInt32(parts[0]), let minor = UInt32(parts[1]), major <= 0xFFFF, minor <= 0xFFFF
        else { return nil }
        return make(major: major, minor: minor)
    }
}

/// The names of the capability bits of `etl_capability`.
public enum PluginCapabilities {
    /// Bit and name of every capability this host knows, in bit order.
    public static let all: [(bit: UInt64, name: String)] = [
        (UInt64(ETL_CAP_INCREMENTAL.rawValue), "incremental"),
        (UInt64(ETL_CAP_SCHEMA_HINTS.rawValue), "schema_hints"),
        (UInt64(ETL_CAP_PARALLEL_STREAMS.rawValue), "parallel_streams"),
        (UInt64(ETL_CAP_KEY_LISTING.rawValue), "key_listing"),
        (UInt64(ETL_CAP_MODE_REPLACE.rawValue), "replace"),
        (UInt64(ETL_CAP_MODE_APPEND.rawValue), "append"),
        (UInt64(ETL_CAP_MODE_UPSERT.rawValue), "upsert"),
        (UInt64(ETL_CAP_TRANSACTIONAL_STATE.rawValue), "transactional_state"),
        (UInt64(ETL_CAP_DELETIONS.rawValue), "deletions"),
        (UInt64(ETL_CAP_SQL_EXECUTE.rawValue), "sql_execute"),
        (UInt64(ETL_CAP_SQL_QUERY.rawValue), "sql_query"),
        (UInt64(ETL_CAP_HISTORY.rawValue), "history"),
    ]

    /// The names of the bits set in `mask`; unknown bits are skipped.
    public static func names(_ mask: UInt64) -> [String] {
        all.filter { mask & $0.bit != 0 }.map(\.name)
    }
}

/// What a plugin says about itself in its descriptor, copied into Swift values.
public struct PluginDescriptor: Codable, Equatable, Sendable {
    /// The plugin's name.
    public var name: String
    /// Extractor or warehouse.
    public var kind: PluginKind
    /// The plugin's own version.
    public var version: String
    /// One line saying what it does.
    public var description: String
    /// Implementation language.
    public var language: String
    /// Compiler toolchain, for Swift plugins.
    public var toolchain: String?
    /// The ABI version the plugin was built against, "major.minor".
    public var abi: String
    /// The ABI version both sides use: min(host, plugin), "major.minor".
    public var negotiatedABI: String
    /// Capability names.
    public var capabilities: [String]
    /// JSON Schema of the plugin's config, as the plugin wrote it.
    public var configSchema: String
    /// Which optional operations the plugin implements (`check`, `cancel`,
    /// `checkpoint`, `stream_error`, `state_get`, `table_schema`,
    /// `schema_get`, `execute`, `query`, `error_detail`).
    public var optionalOperations: [String]

    private enum CodingKeys: String, CodingKey {
        case name, kind, version, description, language, toolchain, abi
        case negotiatedABI = "negotiated_abi"
        case capabilities
        case configSchema = "config_schema"
        case optionalOperations = "optional_operations"
    }
}

/// The version numbers of the plugin contract (`etl_plugin.h`) this kit was
/// built against.
///
/// A version is `(major << 16) | minor`. Different majors are incompatible;
/// with the same major both sides use the smaller minor.
///
/// ```swift
/// ETLABI.version                 // 0x0001_0004 for 1.4
/// ETLABI.describe(0x0002_0001)   // "2.1"
/// ```
public enum ETLABI {
    /// `ETL_ABI_VERSION_MAJOR` of the header.
    public static let major = UInt32(ETL_ABI_VERSION_MAJOR)
    /// `ETL_ABI_VERSION_MINOR` of the header.
    public static let minor = UInt32(ETL_ABI_VERSION_MINOR)
    /// `ETL_ABI_VERSION`: `(major << 16) | minor`.
    public static let version = makeVersion(major: major, minor: minor)

    /// ABI 1.4, the first whose hosts read member columns
    /// (``ArrowFieldAnnotation/member``): send them only to such a host
    /// (``HostContext/hostABIVersion``).
    public static let memberColumnsVersion = makeVersion(major: 1, minor: 4)

    /// `ETL_ABI_MAKE_VERSION(major, minor)`.
    public static func makeVersion(major: UInt32, minor: UInt32) -> UInt32 {
        (major << 16) | (minor & 0xFFFF)
    }

    /// `ETL_ABI_MAJOR(version)`.
    public static func major(of version: UInt32) -> UInt32 { version >> 16 }

    /// `ETL_ABI_MINOR(version)`.
    public static func minor(of version: UInt32) -> UInt32 { version & 0xFFFF }

    /// A version number as people write it, e.g. `"1.0"`.
    public static func describe(_ version: UInt32) -> String {
        "\(major(of: version)).\(minor(of: version))"
    }

    /// The size of `etl_plugin` in ABI 1.0 (`ETL_PLUGIN_SIZE_1_0`).
    public static let pluginSize1_0 = CStructField.end(of: \etl_plugin.warehouse)
    /// The size of `etl_extractor_ops` in ABI 1.0.
    public static let extractorOpsSize1_0 = CStructField.end(of: \etl_extractor_ops.checkpoint)
    /// The size of `etl_warehouse_ops` in ABI 1.0 (`ETL_WAREHOUSE_OPS_SIZE_1_0`,
    /// through `schema_get`).
    public static let warehouseOpsSize1_0 = CStructField.end(of: \etl_warehouse_ops.schema_get)
    /// The size of `etl_read_request` in ABI 1.0 (`ETL_READ_REQUEST_SIZE_1_0`).
    public static let readRequestSize1_0 = CStructField.end(of: \etl_read_request.state_json)
    /// The size of `etl_table_request` in ABI 1.0 (`ETL_TABLE_REQUEST_SIZE_1_0`).
    public static let tableRequestSize1_0 = CStructField.end(of: \etl_table_request.run_id)
    /// The size of `etl_plugin` in ABI 1.2 (`ETL_PLUGIN_SIZE_1_2`, through
    /// `error_detail`).
    public static let pluginSize1_2 = CStructField.end(of: \etl_plugin.error_detail)
    /// The size of `etl_extractor_ops` in ABI 1.2 (`ETL_EXTRACTOR_OPS_SIZE_1_2`,
    /// through `stream_error`).
    public static let extractorOpsSize1_2 = CStructField.end(of: \etl_extractor_ops.stream_error)
    /// The size of `etl_warehouse_ops` in ABI 1.1
    /// (`ETL_WAREHOUSE_OPS_SIZE_1_1`, through `write_present_keys`).
    public static let warehouseOpsSize1_1 = CStructField.end(of: \etl_warehouse_ops.write_present_keys)
    /// The size of `etl_warehouse_ops` in ABI 1.2
    /// (`ETL_WAREHOUSE_OPS_SIZE_1_2`, through `query`).
    public static let warehouseOpsSize1_2 = CStructField.end(of: \etl_warehouse_ops.query)
    /// The size of `etl_table_request` in ABI 1.1 and 1.2
    /// (`ETL_TABLE_REQUEST_SIZE_1_1`, through `deletions`); 1.3 appends
    /// `history_table`.
    public static let tableRequestSize1_1 = CStructField.end(of: \etl_table_request.deletions)
    /// The size of `etl_commit_request` in ABI 1.0 to 1.2
    /// (`ETL_COMMIT_REQUEST_SIZE_1_0`, through `schema_json`); 1.3 appends
    /// `load_instant`.
    public static let commitRequestSize1_0 = CStructField.end(of: \etl_commit_request.schema_json)
    /// The size of `etl_host_api` in ABI 1.0 and 1.1 (`ETL_HOST_API_SIZE_1_1`,
    /// through `reject`); 1.2 appends `retry`.
    public static let hostAPISize1_1 = CStructField.end(of: \etl_host_api.reject)
}

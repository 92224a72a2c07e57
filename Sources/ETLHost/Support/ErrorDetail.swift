/// The fields of a ``HostError`` beside its text, as run records and
/// `--json` summaries write them (`error_detail`): what failed, in which
/// plugin, stream, table and row, and the database's own codes. Only the
/// fields the error knows are written.
///
/// ```json
/// {"kind": "badData", "plugin": "sqlite", "stream": "orders", "table": "orders",
///  "plugin_status": 4, "sqlstate": "22003"}
/// ```
public struct ErrorDetail: Codable, Sendable, Equatable {
    /// The coarse class of the failure (``HostError/Kind``).
    public var kind: HostError.Kind
    /// The plugin's registry name, or its library path before its
    /// descriptor was read.
    public var plugin: String?
    /// The source stream.
    public var stream: String?
    /// The warehouse table.
    public var table: String?
    /// The row or record, as the message says it (`row 3, column 'amount'`).
    public var location: String?
    /// The plugin's status code (`etl_status_code`).
    public var pluginStatus: Int32?
    /// The SQLSTATE the plugin's database reported.
    public var sqlstate: String?
    /// The database vendor's own error code.
    public var vendorCode: Int32?

    enum CodingKeys: String, CodingKey {
        case kind, plugin, stream, table, location, sqlstate
        case pluginStatus = "plugin_status"
        case vendorCode = "vendor_code"
    }
}

extension HostError.Kind: Codable {}

extension HostError {
    /// The error's fields for run records and `--json` summaries.
    public var detail: ErrorDetail {
        ErrorDetail(kind: kind, plugin: plugin, stream: stream, table: table, location: location,
                    pluginStatus: pluginStatus, sqlstate: sqlstate, vendorCode: vendorCode)
    }
}

extension ErrorDetail {
    /// True when the detail says no more than the kind: no plugin, stream,
    /// table, row or code.
    public var isEmpty: Bool {
        plugin == nil && stream == nil && table == nil && location == nil && pluginStatus == nil
            && sqlstate == nil && vendorCode == nil
    }
}

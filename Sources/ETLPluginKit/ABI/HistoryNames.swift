import CETLPlugin

/// The names of the contract's SCD2 history (`etl_plugin.h`, HISTORY and
/// `ETL_HISTORY_*`), read from the header so that the warehouses and the
/// host's as-of reads spell them one way.
///
/// ```swift
/// HistoryNames.addedColumns   // ["_etl_valid_from", "_etl_valid_to", "_etl_run_id", "_etl_row_hash", "_etl_deleted"]
/// HistoryNames.tables         // "_etl_history_tables"
/// ```
public enum HistoryNames {
    /// When a version began (`ETL_HISTORY_VALID_FROM`).
    public static let validFrom = ETL_HISTORY_VALID_FROM
    /// When it ended; NULL while current (`ETL_HISTORY_VALID_TO`).
    public static let validTo = ETL_HISTORY_VALID_TO
    /// The run whose load made it (`ETL_HISTORY_RUN_ID`).
    public static let runID = ETL_HISTORY_RUN_ID
    /// The hash of its non-`_etl_` values (`ETL_HISTORY_ROW_HASH`).
    public static let rowHash = ETL_HISTORY_ROW_HASH
    /// Whether it is a tombstone (`ETL_HISTORY_DELETED`).
    public static let deleted = ETL_HISTORY_DELETED
    /// The table listing each history table (`ETL_HISTORY_TABLES`).
    public static let tables = ETL_HISTORY_TABLES
    /// The columns a history table adds after its table's own, in order.
    public static let addedColumns = [validFrom, validTo, runID, rowHash, deleted]
}

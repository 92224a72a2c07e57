import ETLPluginKit

/// The history tables a warehouse keeps, read through its plugin (the
/// `query` and `table_schema` operations, never behind its back): the rows
/// of `_etl_history_tables` and, for each, the columns of the table it
/// keeps (the history table's columns not starting with `_etl_`).
///
/// ```swift
/// let tables = try HistoryCatalog.tables(in: warehouse)
/// let statement = AsOfStatement(sql: sql, instant: instant, tables: tables)
/// ```
public enum HistoryCatalog {
    /// The table that lists the history tables (`ETL_HISTORY_TABLES`).
    public static let listTable = HistoryNames.tables

    /// The columns a history table carries besides the kept table's.
    public static let bookkeepingPrefix = "_etl_"

    /// Every history table of the warehouse, sorted by table name.
    ///
    /// - Throws: `.invalidArgument` (exit 64) when the warehouse has no
    ///   `_etl_history_tables` or it lists none, or lists a history table
    ///   that does not exist; the plugin's errors otherwise.
    public static func tables(in warehouse: PluginInstance) throws -> [AsOfStatement.HistoryTable] {
        let noHistory = HostError(.invalidArgument, "warehouse has no history tables; sync with --history "
            + "(or `history: scd2` in a pipeline's sync step) to keep them")
        guard try warehouse.tableSchema(name: listTable) != nil else { throw noHistory }
        let rows = try warehouse.query(sql: "SELECT table_name, history_table FROM \(listTable) ORDER BY table_name")
        var pairs: [(String, String)] = []
        while let batch = try rows.next() {
            for row in 0..<batch.rowCount {
                guard let table = batch.string(row: row, column: 0), let history = batch.string(row: row, column: 1) else { continue }
                pairs.append((table, history))
            }
        }
        rows.close()
        guard !pairs.isEmpty else { throw noHistory }
        return try pairs.map { table, history in
            guard let schema = try warehouse.tableSchema(name: history) else {
                throw HostError(.invalidArgument, "\(listTable) names \"\(history)\" as the history of \"\(table)\", "
                    + "but the warehouse has no table \"\(history)\"")
            }
            let columns = schema.fields.map(\.name).filter { !$0.hasPrefix(bookkeepingPrefix) }
            return AsOfStatement.HistoryTable(name: table, historyTable: history, columns: columns)
        }
    }
}

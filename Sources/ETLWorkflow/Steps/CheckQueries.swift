/// The SQL of each check assertion on `table`: standard SQL with quoted
/// identifiers, which SQLite and PostgreSQL both accept. Every query
/// returns counts or one value, never the rows themselves.
struct CheckQueries {
    /// The table checked, as written (one identifier).
    let table: String

    private var from: String { "FROM \(SQLText.identifier(table))" }

    /// One row: per column, how many rows hold NULL.
    func notNull(_ columns: [String]) -> String {
        let counts = columns.map { "COUNT(CASE WHEN \(SQLText.identifier($0)) IS NULL THEN 1 END)" }
        return "SELECT \(counts.joined(separator: ", ")) \(from)"
    }

    /// One row: how many combinations of the columns' values occur more
    /// than once, and how many rows hold them (rows with a NULL in any of
    /// the columns are left out: NULLs are `not_null`'s business, and SQL
    /// does not count two NULLs as equal).
    func unique(_ columns: [String]) -> String {
        let list = columns.map(SQLText.identifier).joined(separator: ", ")
        let present = columns.map { "\(SQLText.identifier($0)) IS NOT NULL" }.joined(separator: " AND ")
        return "SELECT COUNT(*), CAST(COALESCE(SUM(etl_rows), 0) AS BIGINT) FROM (SELECT COUNT(*) AS etl_rows "
            + "\(from) WHERE \(present) GROUP BY \(list) HAVING COUNT(*) > 1) AS etl_duplicates"
    }

    /// One row: how many rows hold a non-NULL value, compared as text, that
    /// is not among `values`.
    func acceptedValues(column: String, values: [String]) -> String {
        let quoted = SQLText.identifier(column)
        let outside = values.isEmpty ? ""
            : " AND CAST(\(quoted) AS TEXT) NOT IN (\(values.map(SQLText.literal).joined(separator: ", ")))"
        return "SELECT COUNT(*) \(from) WHERE \(quoted) IS NOT NULL\(outside)"
    }

    /// No rows: the table's columns.
    var columns: String { "SELECT * \(from) WHERE 1 = 0" }

    /// One row: the table's row count.
    var rowCount: String { "SELECT COUNT(*) \(from)" }

    /// One row: the newest value of the column.
    func newest(_ column: String) -> String {
        "SELECT MAX(\(SQLText.identifier(column))) AS newest \(from)"
    }
}

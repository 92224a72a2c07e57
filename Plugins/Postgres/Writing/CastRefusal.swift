import ETLPostgresShared
/// Finds the column and the row of a value that a cast of a merge refused
/// (`integer out of range`, `value too long for type character
/// varying(5)`, ...): PostgreSQL names neither when an `INSERT ... SELECT`
/// fails.
///
/// The rows are still in the load's temporary table, each with its row
/// number in the load (the ordinal column). Each cast column is tried on
/// its own, inserting its values into a one-column temporary table of the
/// target type (the same cast as the merge's), inside a savepoint that is
/// always rolled back; for the first column that fails, a binary search
/// over row ranges finds the first refused row: about log2(rows) scans,
/// only after a failure.
///
/// ```swift
/// // table "people": merging the loaded rows (INSERT ... SELECT) failed: integer out of
/// // range (SQLSTATE 22003; column "id", row 2 of the load)
/// let place = CastRefusal(db: db, temporary: temp, ordinal: "_etl_row", columns: casts, rows: 2).locate()
/// ```
struct CastRefusal {
    /// A column whose values a cast converts on their way into the table.
    struct Column {
        /// The column's name.
        var name: String
        /// What the merge selects for it, e.g. `s."id"` or `s."doc"::json`.
        var value: String
        /// The table column's declared type, e.g. `integer`.
        var declared: String
    }

    let db: PGConnection
    /// The load's temporary table (in `pg_temp`).
    let temporary: String
    /// The column of the temporary table holding each row's number in the load.
    let ordinal: String
    let columns: [Column]
    /// The rows of the load.
    let rows: Int64

    /// The first cast column that refuses a value, and the first row of the
    /// load whose value it refuses; `nil` when no probe fails (the merge
    /// failed for another reason).
    func locate() -> (column: String, row: Int64)? {
        guard rows > 0 else { return nil }
        for column in columns where refuses(column, from: 1, through: rows) {
            var low: Int64 = 1
            var high = rows
            while low < high {
                let middle = low + (high - low) / 2
                if refuses(column, from: low, through: middle) { high = middle } else { low = middle + 1 }
            }
            return (column.name, low)
        }
        return nil
    }

    /// Whether casting `column`'s values of rows `from...through` fails
    /// with a data exception (SQLSTATE class 22). Changes nothing.
    private func refuses(_ column: Column, from: Int64, through: Int64) -> Bool {
        guard (try? db.execute("SAVEPOINT _etl_probe", "")) != nil else { return false }
        defer { _ = try? db.execute("ROLLBACK TO SAVEPOINT _etl_probe; RELEASE SAVEPOINT _etl_probe", "") }
        do {
            try db.execute("CREATE TEMPORARY TABLE _etl_probe (v \(column.declared)); "
                + "INSERT INTO pg_temp._etl_probe (v) SELECT \(column.value) FROM pg_temp.\(PGName.quoted(temporary)) "
                + "AS s WHERE s.\(PGName.quoted(ordinal)) BETWEEN \(from) AND \(through)", "")
            return false
        } catch {
            return error.sqlState?.hasPrefix("22") == true
        }
    }
}

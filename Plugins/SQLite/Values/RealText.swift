import CSQLite

/// Doubles as text that reads back as the same double: the shortest
/// round-trip form (`0.1`, `5.0`, `1e-05`, `0.30000000000000004`), where
/// SQLite's own conversion keeps only 15 significant digits.
///
/// Used when a float64 value goes into a TEXT column, and by the SQL
/// function `etl_real_text(x)` that the plugin registers on its connection
/// to convert REAL columns when a table is widened to TEXT.
enum RealText {
    /// The text of `value`; infinities and NaN as the host spells them
    /// (`Infinity`, `-Infinity`, `NaN`; PostgreSQL's spelling too), a
    /// negative zero as `0.0` (the host drops the sign of zeros).
    static func format(_ value: Double) -> String {
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        if value.isNaN { return "NaN" }
        return value == 0 ? "0.0" : value.description
    }

    /// The SQL name of the conversion function.
    static let functionName = "etl_real_text"

    /// Registers `etl_real_text(x)`: the text of `x` when it is a REAL,
    /// `x` unchanged otherwise.
    static func register(on connection: OpaquePointer) {
        sqlite3_create_function_v2(
            connection, functionName, 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nil,
            { context, count, arguments in
                guard count == 1, let argument = arguments?[0] else { return }
                guard sqlite3_value_type(argument) == SQLITE_FLOAT else {
                    sqlite3_result_value(context, argument)
                    return
                }
                let value = sqlite3_value_double(argument)
                guard !value.isNaN else { return sqlite3_result_null(context) }
                sqlite3_result_text(context, RealText.format(value), -1, sqliteTransient)
            }, nil, nil, nil)
    }
}

import Foundation

/// The one rule for a stream that returned zero rows in replace mode, the
/// same for every extractor (a header-only CSV file, an empty JSON Lines
/// file, an Airtable table with no records, every row set aside by
/// `--max-bad-rows`):
///
/// - the table **does not exist**: it is created empty with the stream's
///   fields; a stream without any field (an empty JSON Lines file) has
///   nothing to create and is `skipped`;
/// - the table **exists** (etl-host loaded it before, or the warehouse
///   reports it): the replace is **refused** unless `--allow-empty`. The
///   stream fails with bad data (exit 65) and the table keeps its rows: an
///   export that failed upstream must not empty a table;
/// - with `--allow-empty` the table is replaced by an empty one, with the
///   stream's fields or, when it has none, the columns stored by the last
///   run (`_etl_schemas`).
///
/// Append and upsert never remove rows, so zero rows there is no risk and
/// loads as usual (committing the state and the run record).
enum EmptySourceRule {
    /// What the load of a zero-row stream does.
    enum Decision: Equatable {
        /// Load (zero rows) into a table with these columns.
        case load(TableSchema)
        /// Create nothing; the stream is reported `skipped` with this reason.
        case skip(String)
    }

    /// Applies the rule to a replace of `table` that read no rows.
    ///
    /// - Parameters:
    ///   - resolved: the schema resolved from the stream's fields.
    ///   - stored: the schema the last run stored for the table.
    ///   - tableExists: whether the warehouse has the table, when it can
    ///     say (`table_schema`); nil when it cannot.
    ///   - rejected: records set aside (`--max-bad-rows`), for the message.
    /// - Throws: `.badData` for a refused replace; `.invalidArgument` when
    ///   `--allow-empty` cannot empty a table (no fields, no stored schema).
    static func decide(stream: String, table: String, resolved: TableSchema, stored: TableSchema?, tableExists: Bool?,
                       rejected: Int, allowEmpty: Bool) throws -> Decision {
        let exists = stored != nil || tableExists == true
        guard exists else {
            guard !resolved.columns.isEmpty else {
                return .skip("the source returned no rows and no fields; no table was created")
            }
            return .load(resolved)
        }
        guard allowEmpty else {
            let returned = rejected == 0 ? "no rows" : "no valid rows (\(rejected) malformed record\(rejected == 1 ? "" : "s"))"
            throw HostError(.badData, "stream '\(stream)': the source returned \(returned); replacing table '\(table)' would delete all its rows, so it was left unchanged. Pass --allow-empty if an empty source is expected")
        }
        if !resolved.columns.isEmpty { return .load(resolved) }
        guard let stored, !stored.columns.isEmpty else {
            throw HostError(.invalidArgument, "stream '\(stream)': --allow-empty cannot empty table '\(table)': the source returned no rows and no fields, and etl-host stored no columns for the table (it was not loaded by etl-host)")
        }
        return .load(TableSchema(table: table, stream: stream, columns: stored.columns))
    }
}

extension PluginInstance {
    /// Whether the warehouse has `table` (`table_schema`); nil when it
    /// cannot say (the operation is not supported or failed).
    func tableExists(_ table: String) -> Bool? {
        do { return try tableSchema(name: table) != nil } catch { return nil }
    }
}

import ETLPluginKit
import Foundation

/// The one rule for a stream that returned zero rows where that would wipe
/// a table (replace; upsert with `--deletions remove|flag`), the same for
/// every extractor (a header-only or empty CSV file, an empty JSON Lines
/// file, an Airtable table with no records, every row set aside by
/// `--max-bad-rows`):
///
/// - the table **does not exist**: it is created empty with the stream's
///   fields; a stream without any field (an empty JSON Lines file) has
///   nothing to create and is `skipped`;
/// - the table **exists** (etl-host loaded it before, or the warehouse
///   reports it): the load is **refused** unless `--allow-empty`. The
///   stream fails with bad data (exit 65) and the table keeps its rows: an
///   export that failed upstream must not empty a table;
/// - with `--allow-empty` the load goes ahead: a replace leaves an empty
///   table, with the stream's fields or, when it has none, the columns
///   stored by the last run (`_etl_schemas`); `--deletions` removes or
///   flags every row.
///
/// For an incremental upsert with `--deletions`, what counts is the key
/// listing: reading no changed rows is normal, listing no keys is not.
/// Append, and upsert without deletions, never remove rows, so zero rows
/// there loads as usual (committing the state and the run record).
enum EmptySourceRule {
    /// What loading nothing does to an existing table.
    enum Loss: Equatable {
        /// Replace: the table is left empty.
        case replace
        /// Upsert `--deletions remove`: every row is deleted.
        case remove
        /// Upsert `--deletions flag`: every row is flagged as deleted.
        case flag

        /// The harm, for the refusal's message.
        func description(table: String) -> String {
            switch self {
            case .replace: "replacing table '\(table)' would delete all its rows"
            case .remove: "--deletions remove would delete all rows of table '\(table)'"
            case .flag: "--deletions flag would mark all rows of table '\(table)' as deleted"
            }
        }
    }

    /// What a load of `rowsRead` rows (and, for an incremental upsert with
    /// deletions, `keysListed` keys) would wipe; nil when the rule does not
    /// apply (rows were read, or the mode never removes rows).
    static func loss(mode: WriteMode, deletions: DeletionMode, rowsRead: Int, keysListed: Int?) -> Loss? {
        switch mode {
        case .replace:
            return rowsRead == 0 ? .replace : nil
        case .upsert where deletions != .keep:
            guard (keysListed ?? rowsRead) == 0 else { return nil }
            return deletions == .remove ? .remove : .flag
        default:
            return nil
        }
    }

    /// What the load of a zero-row stream does.
    enum Decision: Equatable {
        /// Load (zero rows) into a table with these columns.
        case load(TableSchema)
        /// Create nothing; the stream is reported `skipped` with this reason.
        case skip(String)
    }

    /// Applies the rule to a load of `table` that would wipe it (`loss`).
    ///
    /// - Parameters:
    ///   - resolved: the schema resolved from the stream's fields.
    ///   - stored: the schema the last run stored for the table.
    ///   - tableExists: whether the warehouse has the table, when it can
    ///     say (`table_schema`); nil when it cannot.
    ///   - rejected: records set aside (`--max-bad-rows`), for the message.
    /// - Throws: `.badData` for a refused load, and when `--allow-empty`
    ///   cannot empty a table (no fields, no stored schema): either way the
    ///   table is left unchanged.
    static func decide(stream: String, table: String, loss: Loss, resolved: TableSchema, stored: TableSchema?, tableExists: Bool?,
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
            throw HostError(.badData, "stream '\(stream)': the source returned \(returned); \(loss.description(table: table)), so it was left unchanged. Pass --allow-empty if an empty source is expected")
        }
        if !resolved.columns.isEmpty { return .load(resolved) }
        guard let stored, !stored.columns.isEmpty else {
            throw HostError(.badData, "stream '\(stream)': --allow-empty cannot empty table '\(table)': the source returned no rows and no fields, and etl-host stored no columns for the table (it was not loaded by etl-host)")
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

import ETLPluginKit
import ETLPostgresShared

/// Planning a load: the checks on the request and the merge statement.
extension PostgresTableWriter {
    /// Refuses names PostgreSQL would cut or the plugin reserves, tables
    /// without columns, and duplicate columns.
    static func validate(_ request: TableRequest, schema: String, limit: Int) throws(PostgresError) {
        let table = request.table
        try PGName.check(schema, what: "schema \"\(schema)\"", limit: limit)
        try PGName.check(table, what: "table \"\(table)\"", limit: limit)
        // The host's rejects table is the one _etl_ table loaded through begin().
        guard !table.hasPrefix(PGName.reservedPrefix) || table == "_etl_rejects" else {
            throw PostgresError.invalidArgument("table \"\(table)\": names beginning with \"_etl_\" are reserved "
                + "for the warehouse's own tables (_etl_state, _etl_runs, _etl_schemas, _etl_rejects, staging)")
        }
        guard !request.schema.fields.isEmpty else {
            throw PostgresError.invalidArgument("table \"\(table)\": the schema has no columns; the plugin does not "
                + "create tables without columns")
        }
        var seen: Set<String> = []
        for field in request.schema.fields {
            try PGName.check(field.name, what: "table \"\(table)\": column \"\(field.name)\"", limit: limit)
            guard seen.insert(field.name).inserted else {
                throw PostgresError.invalidArgument("table \"\(table)\": column \"\(field.name)\" appears twice in "
                    + "the schema")
            }
        }
    }

    /// A name for the upsert's row ordinal that no column has.
    static func ordinalColumn(avoiding names: [String]) -> String {
        var name = "_etl_row"
        var suffix = 2
        while names.contains(name) {
            name = "_etl_row_\(suffix)"
            suffix += 1
        }
        return name
    }

    /// `INSERT INTO live (columns) SELECT columns FROM temporary`, with
    /// casts into columns of other types; and for upsert:
    ///
    ///     INSERT INTO live AS t (columns)
    ///     SELECT columns FROM (SELECT DISTINCT ON (keys) * FROM temporary
    ///                          ORDER BY keys, ordinal DESC) AS s
    ///     WHERE NOT EXISTS (SELECT 1 FROM live AS t WHERE keys equal
    ///                       AND (columns) IS NOT DISTINCT FROM (s.columns))
    ///     ON CONFLICT (keys) DO UPDATE SET column = EXCLUDED.column, ...
    ///     WHERE (columns) IS DISTINCT FROM (EXCLUDED.columns)
    ///
    /// The last row of each key wins; rows equal to the stored ones are
    /// left out before the conflict handling, which would otherwise lock
    /// (and write) every existing row it meets; the rest are inserted or
    /// updated. Into a table this load created (`intoNewTable`, empty and
    /// without its key index yet), the last row of each key is inserted
    /// as it is: `INSERT INTO live AS t (columns) SELECT columns FROM
    /// (SELECT DISTINCT ON (keys) ...) AS s`.
    static func mergeSQL(_ request: TableRequest, schema: String, temporary: String, targets: [ColumnInfo?],
                         ordinalName: String, intoNewTable: Bool = false) -> String {
        let fields = request.schema.fields
        let live = PGName.qualified(schema, request.table)
        let source = "pg_temp.\(PGName.quoted(temporary))"
        let names = fields.map { PGName.quoted($0.name) }
        // Other types (and json) read their text; the plugin's families
        // are assigned (PostgreSQL's assignment casts refuse what they
        // would cut, such as a too long varchar).
        let values = zip(fields, targets).map { field, target -> String in
            guard let target else { return "s.\(PGName.quoted(field.name))" }
            return mergeValue(field.name, into: target)
        }
        let into = "INSERT INTO \(live) AS t (\(names.joined(separator: ", ")))"
        guard request.mode == .upsert else {
            return "\(into) SELECT \(values.joined(separator: ", ")) FROM \(source) AS s"
        }
        let keySet = Set(request.keyColumns)
        let keys = request.keyColumns.map(PGName.quoted)
        let last = "(SELECT DISTINCT ON (\(keys.joined(separator: ", "))) * FROM \(source) "
            + "ORDER BY \(keys.joined(separator: ", ")), \(PGName.quoted(ordinalName)) DESC) AS s"
        if intoNewTable {
            return "\(into) SELECT \(values.joined(separator: ", ")) FROM \(last)"
        }
        let keyMatch = request.keyColumns.map { key -> String in
            let index = fields.firstIndex { $0.name == key }!
            return "t.\(PGName.quoted(key)) = \(values[index])"
        }.joined(separator: " AND ")
        // Compared as text where the column's type may have no equality (json).
        let updated = fields.indices.filter { !keySet.contains(fields[$0].name) }
        func compared(_ index: Int, _ other: String) -> (String, String) {
            let exact = targets[index]?.isExact ?? true
            let column = "t.\(names[index])"
            return exact ? (column, other) : ("\(column)::pg_catalog.text", "(\(other))::pg_catalog.text")
        }
        var filter = "NOT EXISTS (SELECT 1 FROM \(live) AS t WHERE \(keyMatch)"
        var conflict = " ON CONFLICT (\(keys.joined(separator: ", "))) "
        if updated.isEmpty {
            conflict += "DO NOTHING"
        } else {
            let current = updated.map { compared($0, values[$0]) }
            filter += " AND (\(current.map(\.0).joined(separator: ", "))) IS NOT DISTINCT FROM "
                + "(\(current.map(\.1).joined(separator: ", ")))"
            let excluded = updated.map { compared($0, "EXCLUDED.\(names[$0])") }
            conflict += "DO UPDATE SET \(updated.map { "\(names[$0]) = EXCLUDED.\(names[$0])" }.joined(separator: ", ")) "
                + "WHERE (\(excluded.map(\.0).joined(separator: ", "))) IS DISTINCT FROM "
                + "(\(excluded.map(\.1).joined(separator: ", ")))"
        }
        filter += ")"
        return "\(into) SELECT \(values.joined(separator: ", ")) FROM \(last) WHERE \(filter)\(conflict)"
    }
}

extension String {
    /// The string with every `target` replaced by `replacement`.
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        return split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

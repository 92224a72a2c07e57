import ETLPluginKit
import Foundation

/// Compares two tables of one SQLite database (a ``SnapshotDiff``'s scratch)
/// through the warehouse plugin's `query`: keys only on one side, and keys
/// whose rows differ on the columns both sides have.
struct TableComparison {
    let instance: PluginInstance

    /// `table`'s differences between its `before` and `after` tables (nil:
    /// the table did not exist then), matched by `key` when both sides
    /// have its columns, else by whole rows.
    func compare(table: String, before: String?, after: String?, key: [String]) throws -> SnapshotDiff.TableDiff {
        let beforeColumns = try before.map(columns) ?? []
        let afterColumns = try after.map(columns) ?? []
        let common = afterColumns.filter(beforeColumns.contains)
        let usable = !key.isEmpty && key.allSatisfy { common.contains($0) }
        let matchBy = usable ? key : (before == nil ? afterColumns : after == nil ? beforeColumns : common)
        var diff = SnapshotDiff.TableDiff(table: table, key: usable ? key : [], added: [], removed: [], changed: [])
        switch (before, after) {
        case (nil, let after?): diff.added = try texts("SELECT \(list(matchBy, in: "n")) FROM \(quote(after)) AS n")
        case (let before?, nil): diff.removed = try texts("SELECT \(list(matchBy, in: "o")) FROM \(quote(before)) AS o")
        case (let before?, let after?):
            diff.added = try texts(missing(from: before, present: after, by: matchBy))
            diff.removed = try texts(missing(from: after, present: before, by: matchBy))
            if usable {
                let columns = common.map(quote).joined(separator: ", ")
                let differing = "SELECT \(columns) FROM \(quote(after)) EXCEPT SELECT \(columns) FROM \(quote(before))"
                diff.changed = try texts("SELECT \(list(key, in: "n")) FROM (\(differing)) AS n WHERE EXISTS (SELECT 1 FROM \(quote(before)) AS o WHERE \(match(key)))")
            }
        case (nil, nil): break
        }
        return diff
    }

    /// Rows of `present` whose `columns` no row of `absentFrom` has.
    private func missing(from absentFrom: String, present: String, by columns: [String]) -> String {
        "SELECT \(list(columns, in: "n")) FROM \(quote(present)) AS n WHERE NOT EXISTS (SELECT 1 FROM \(quote(absentFrom)) AS o WHERE \(match(columns)))"
    }

    /// `o.a IS n.a AND ...` (NULL matches NULL).
    private func match(_ columns: [String]) -> String {
        columns.map { "o.\(quote($0)) IS n.\(quote($0))" }.joined(separator: " AND ")
    }

    /// The columns as one text per row: `a, b` (NULL as `NULL`).
    private func list(_ columns: [String], in alias: String) -> String {
        columns.map { "COALESCE(CAST(\(alias).\(quote($0)) AS TEXT), 'NULL')" }.joined(separator: " || ', ' || ")
    }

    private func columns(_ table: String) throws -> [String] {
        let stream = try instance.query(sql: "SELECT * FROM \(quote(table)) WHERE 0")
        defer { stream.close() }
        return stream.schema.fields.map(\.name)
    }

    /// The first column of every row, sorted.
    private func texts(_ sql: String) throws -> [String] {
        let stream = try instance.query(sql: sql)
        defer { stream.close() }
        var values: [String] = []
        while let batch = try stream.next() {
            for row in 0..<batch.rowCount { values.append(batch.string(row: row, column: 0) ?? "NULL") }
        }
        return values.sorted()
    }

    private func quote(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}

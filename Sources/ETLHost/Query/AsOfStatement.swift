import ETLPluginKit
import Foundation

/// A user's SQL statement turned into one that reads every history table
/// as it was at an instant: one common table expression per history table,
/// named like the current table, so that `FROM orders` reads the rows
/// `orders__history` says were current then (the HISTORY CONTRACT in
/// docs/HISTORY.md):
///
/// ```sql
/// WITH "orders" AS (SELECT "id", "total" FROM "orders__history"
///   WHERE "_etl_valid_from" <= '2026-12-01T09:00:00.000Z'
///   AND ("_etl_valid_to" IS NULL OR "_etl_valid_to" > '2026-12-01T09:00:00.000Z')
///   AND NOT "_etl_deleted")
/// SELECT * FROM orders
/// ```
///
/// A statement that starts with `WITH` / `WITH RECURSIVE` gets these
/// definitions first in its own clause, so its own expressions read the
/// past too. A name the statement defines itself is left to it (listed in
/// ``namesTheStatementDefines``). Schema-qualified names (`main.orders`,
/// `shop.orders`) and views are not rewritten: they read the current table.
///
/// ```swift
/// let statement = AsOfStatement(sql: "SELECT * FROM orders", instant: date, tables: [orders])
/// try warehouse.query(sql: statement.sql)
/// ```
public struct AsOfStatement: Sendable {
    /// One history table and the columns of the table it keeps (the
    /// history table's columns whose names do not start with `_etl_`).
    public struct HistoryTable: Sendable, Equatable {
        /// The current table's name, which the expression takes.
        public var name: String
        /// The history table's name.
        public var historyTable: String
        /// The columns to select, in the history table's order.
        public var columns: [String]

        /// A history table for `name`.
        public init(name: String, historyTable: String, columns: [String]) {
            self.name = name
            self.historyTable = historyTable
            self.columns = columns
        }
    }

    /// The statement to run.
    public let sql: String
    /// The instant as the statement spells it: `2026-12-01T09:00:00.000Z`.
    public let instantLiteral: String
    /// Tables whose name the user's statement defines itself in its `WITH`
    /// clause (compared without regard to case): those names keep the
    /// statement's own meaning.
    public let namesTheStatementDefines: [String]
    /// Where the definitions went in the user's statement (byte offset) and
    /// how many bytes they take.
    private let insertion: (offset: Int, length: Int)

    /// Rewrites `sql` to read `tables` as they were at `instant` (taken to
    /// the millisecond below it: history instants have milliseconds).
    public init(sql: String, instant: Date, tables: [HistoryTable]) {
        let literal = Self.literal(for: instant)
        instantLiteral = literal
        let clause = LeadingWithClause(in: sql)
        let defined = Set((clause?.names ?? []).map { $0.lowercased() })
        let shadowed = tables.filter { defined.contains($0.name.lowercased()) }
        namesTheStatementDefines = shadowed.map(\.name)
        let definitions = tables.filter { !shadowed.contains($0) }.map { Self.definition($0, at: literal) }
        guard !definitions.isEmpty else {
            self.sql = sql
            insertion = (0, 0)
            return
        }
        let utf8 = Array(sql.utf8)
        if let clause {
            let text = " " + definitions.joined(separator: ", ") + ","
            let before = String(decoding: utf8[..<clause.bodyOffset], as: UTF8.self)
            let after = String(decoding: utf8[clause.bodyOffset...], as: UTF8.self)
            self.sql = before + text + after
            insertion = (clause.bodyOffset, text.utf8.count)
        } else {
            let text = "WITH " + definitions.joined(separator: ", ") + "\n"
            self.sql = text + sql
            insertion = (0, text.utf8.count)
        }
    }

    /// The contract's spelling of an instant: ISO 8601 UTC with exactly
    /// three fraction digits, `2026-12-06T09:00:00.000Z` (the instant's
    /// millisecond, rounded down).
    public static func literal(for instant: Date) -> String {
        // To the microsecond first: a double holds .123 as .12299999...
        let microseconds = Int64((instant.timeIntervalSince1970 * 1_000_000).rounded())
        let milliseconds = microseconds >= 0 ? microseconds / 1000 : (microseconds - 999) / 1000
        let text = ValueFormatter.timestamp(milliseconds * 1000)  // ...SS.ffffffZ
        return String(text.dropLast(4)) + "Z"
    }

    /// `"orders" AS (SELECT ... FROM "orders__history" WHERE ...)`.
    static func definition(_ table: HistoryTable, at literal: String) -> String {
        let columns = table.columns.map(quote).joined(separator: ", ")
        let (from, to) = (quote(HistoryNames.validFrom), quote(HistoryNames.validTo))
        return "\(quote(table.name)) AS (SELECT \(columns) FROM \(quote(table.historyTable)) "
            + "WHERE \(from) <= '\(literal)' AND (\(to) IS NULL OR \(to) > '\(literal)') "
            + "AND NOT \(quote(HistoryNames.deleted)))"
    }

    /// The byte offset in the user's statement of `offset` in ``sql``, or
    /// nil when it falls in the added definitions.
    public func userOffset(of offset: Int) -> Int? {
        if offset < insertion.offset { return offset }
        if offset >= insertion.offset + insertion.length { return offset - insertion.length }
        return nil
    }

    /// A warehouse's error message about ``sql`` with its `at offset N`
    /// turned into the offset in the user's statement, or `in the as-of
    /// definitions` when the position is in the text added here.
    public func translating(_ message: String) -> String {
        guard let range = message.range(of: #"at offset [0-9]+"#, options: .regularExpression),
              let offset = Int(message[range].dropFirst("at offset ".count)) else { return message }
        let place = userOffset(of: offset).map { "at offset \($0)" } ?? "in the as-of definitions (at offset \(offset) of the rewritten statement)"
        return message.replacingCharacters(in: range, with: place)
    }

    static func quote(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}

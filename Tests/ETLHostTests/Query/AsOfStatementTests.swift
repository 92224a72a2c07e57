@testable import ETLHost
import Foundation
import Testing

/// `query --as-of` rewrites the user's statement: one common table
/// expression per history table, merged into a leading WITH clause, with
/// the warehouse's error offsets turned back into the user's.
@Suite struct AsOfStatementTests {
    static let orders = AsOfStatement.HistoryTable(name: "orders", historyTable: "orders__history", columns: ["id", "total"])
    static let people = AsOfStatement.HistoryTable(name: "people", historyTable: "people_versions", columns: ["id", "na\"me"])
    static let nine = Timestamp.date("2026-12-01T09:00:00Z")!

    static let ordersAtNine = #""orders" AS (SELECT "id", "total" FROM "orders__history" WHERE "_etl_valid_from" <= "#
        + #"'2026-12-01T09:00:00.000Z' AND ("_etl_valid_to" IS NULL OR "_etl_valid_to" > '2026-12-01T09:00:00.000Z') "#
        + #"AND NOT "_etl_deleted")"#

    @Test func aPlainStatementGetsAWithClauseWithOneDefinitionPerTable() {
        let statement = AsOfStatement(sql: "SELECT * FROM orders", instant: Self.nine, tables: [Self.orders, Self.people])
        #expect(statement.sql == "WITH " + Self.ordersAtNine + #", "people" AS (SELECT "id", "na""me" FROM "people_versions" WHERE "#
            + #""_etl_valid_from" <= '2026-12-01T09:00:00.000Z' AND ("_etl_valid_to" IS NULL OR "_etl_valid_to" > "#
            + #"'2026-12-01T09:00:00.000Z') AND NOT "_etl_deleted")"# + "\nSELECT * FROM orders")
        #expect(statement.namesTheStatementDefines == [])
    }

    @Test func theDefinitionsGoFirstIntoTheStatementsOwnWithClause() {
        let sql = "  -- recent\n with recursive n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 3) SELECT * FROM n, orders"
        let statement = AsOfStatement(sql: sql, instant: Self.nine, tables: [Self.orders])
        #expect(statement.sql == "  -- recent\n with recursive " + Self.ordersAtNine
            + ", n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 3) SELECT * FROM n, orders")
    }

    @Test func aNameTheStatementDefinesItselfKeepsItsMeaning() {
        let sql = #"WITH "Orders" AS MATERIALIZED (SELECT ')' AS p /* ( */), b AS NOT MATERIALIZED (SELECT $x$)($x$) SELECT * FROM orders, people"#
        let statement = AsOfStatement(sql: sql, instant: Self.nine, tables: [Self.orders, Self.people])
        #expect(LeadingWithClause(in: sql)?.names == ["Orders", "b"])
        #expect(statement.namesTheStatementDefines == ["orders"])
        #expect(statement.sql.hasPrefix(#"WITH "people" AS (SELECT "id", "na""me" FROM "people_versions" WHERE"#))
        #expect(statement.sql.hasSuffix(#"NOT "_etl_deleted"), "Orders" AS MATERIALIZED (SELECT ')' AS p /* ( */), b AS NOT MATERIALIZED (SELECT $x$)($x$) SELECT * FROM orders, people"#))
    }

    @Test func everyTableDefinedByTheStatementLeavesItUnchanged() {
        let sql = "WITH orders AS (SELECT 1) SELECT * FROM orders"
        let statement = AsOfStatement(sql: sql, instant: Self.nine, tables: [Self.orders])
        #expect(statement.sql == sql)
        #expect(statement.userOffset(of: 7) == 7)
    }

    @Test func aStatementWithoutWithHasNoClause() {
        #expect(LeadingWithClause(in: "SELECT 1 AS with") == nil)
        #expect(LeadingWithClause(in: "/* WITH */ SELECT 1") == nil)
        #expect(LeadingWithClause(in: "WITHOUT") == nil)
        #expect(LeadingWithClause(in: "WITH a AS (SELECT 1) SELECT 2") == LeadingWithClause(in: "with A as(select 1)select 2"))
    }

    @Test func offsetsInTheWarehousesMessageAreTheUsersOwn() {
        let plain = AsOfStatement(sql: "SELECT * FORM orders", instant: Self.nine, tables: [Self.orders])
        let added = "WITH ".utf8.count + Self.ordersAtNine.utf8.count + 1
        #expect(plain.translating(#"near "FORM": syntax error at offset \#(added + 9) (SQLITE_ERROR)"#)
            == #"near "FORM": syntax error at offset 9 (SQLITE_ERROR)"#)
        #expect(plain.translating("no such column: x at offset 3 (SQLITE_ERROR)")
            == "no such column: x in the as-of definitions (at offset 3 of the rewritten statement) (SQLITE_ERROR)")
        #expect(plain.translating("no offset here") == "no offset here")

        let merged = AsOfStatement(sql: "WITH a AS (SELECT 1) SELEC 2", instant: Self.nine, tables: [Self.orders])
        #expect(merged.userOffset(of: 2) == 2)
        #expect(merged.userOffset(of: 4 + Self.ordersAtNine.utf8.count + 2 + 17) == 21)
    }

    @Test(arguments: [
        ("2026-12-01T09:00:00Z", "2026-12-01T09:00:00.000Z"),
        ("2026-12-01T10:00:00.123+01:00", "2026-12-01T09:00:00.123Z"),
        ("1999-12-31T23:59:59.999Z", "1999-12-31T23:59:59.999Z"),
    ])
    func theInstantIsSpelledWithMillisecondsInUTC(_ text: String, _ literal: String) {
        #expect(AsOfStatement.literal(for: Timestamp.date(text)!) == literal)
    }
}

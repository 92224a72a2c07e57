import ETLHost
import ETLPluginKit
import ETLTestSupport
@testable import ETLWorkflow
import Foundation
import Testing

/// The check kinds against both warehouses: the same table, the same
/// assertions, the same counts and messages.
@Suite("check steps: every assertion kind passing and failing, SQLite and PostgreSQL")
struct CheckRunnerTests {
    static let fields = [
        ArrowField("id", .int64), ArrowField("customer_id", .int64), ArrowField("status", .utf8),
        ArrowField("updated_at", .timestampMicrosecondsUTC), ArrowField("day", .date32), ArrowField("total", .float64),
        ArrowField("note", .utf8),
    ]
    /// 2026-12-05T10:00:00Z, the newest `updated_at`.
    static let newest: Int64 = 1_796_464_800_000_000
    static let rows: [[Value]] = [
        [.int(1), .int(10), .text("open"), .timestamp(newest - 86_400_000_000), .date(20_790), .real(5), .text("2026-12-05T09:00:00+01:00")],
        [.int(2), .null, .text("paid"), .timestamp(newest), .date(20_791), .real(7), .null],
        [.int(2), .int(11), .text("lost"), .null, .null, .real(-1), .text("2026-12-05T07:30:00Z")],
        [.int(3), .null, .null, .timestamp(0), .date(0), .null, .null],
        [.int(4), .int(12), .text("it's"), .null, .null, .real(-2), .null],
    ]
    /// When the newest `updated_at` is `hours` old.
    static func clock(hoursAfterNewest hours: Double) -> () -> Date {
        { Date(timeIntervalSince1970: Double(newest) / 1_000_000 + hours * 3600) }
    }

    static func warehouse(_ kind: StepTestWarehouse.Kind, _ label: String) throws -> StepTestWarehouse {
        let warehouse = try StepTestWarehouse(kind, label)
        try warehouse.load("orders", fields, rows)
        return warehouse
    }

    static let assertions: [CheckAssertion] = [
        .notNull(["id", "customer_id"]),
        .unique(["id"]),
        .unique(["id", "status"]),
        .acceptedValues(column: "status", values: ["open", "paid", "refunded", "it's"]),
        .rowCount(RowCountRule(.atLeast, 10)),
        .rowCount(RowCountRule(.equal, 5)),
        .freshness(column: "updated_at", maxAge: PipelineDuration(seconds: 26 * 3600)),
        .freshness(column: "day", maxAge: PipelineDuration(seconds: 26 * 3600)),
        .freshness(column: "note", maxAge: PipelineDuration(seconds: 3600)),
        .customSQL("SELECT id FROM orders WHERE total < 0"),
    ]

    static let expected: [(CheckResult.Kind, [String], Bool, Int64?, String)] = [
        (.notNull, ["id"], true, 0, "not_null \"id\": no NULL"),
        (.notNull, ["customer_id"], false, 2, "not_null \"customer_id\": 2 rows are NULL"),
        (.unique, ["id"], false, 2, "unique (\"id\"): 2 rows share 1 value"),
        (.unique, ["id", "status"], true, 0, "unique (\"id\", \"status\"): no two rows share a combination"),
        (.acceptedValues, ["status"], false, 1, "accepted_values \"status\": 1 row holds a value not among the 4 accepted"),
        (.rowCount, [], false, nil, "row_count >=10: the table has 5 rows, expected >=10"),
        (.rowCount, [], true, nil, "row_count ==5: the table has 5 rows"),
        (.freshness, ["updated_at"], false, nil, "freshness \"updated_at\": the newest value is 1d6h old, more than 1d2h"),
        // The newest day, 2026-12-04, is its midnight UTC: 64 h before the clock.
        (.freshness, ["day"], false, nil, "freshness \"day\": the newest value is 2d16h old, more than 1d2h"),
        // The newest note is 2026-12-05T09:00:00+01:00, 08:00 UTC.
        (.freshness, ["note"], false, nil, "freshness \"note\": the newest value is 1d8h old, more than 1h"),
        (.customSQL, [], false, 2, "sql: the query returned 2 rows, expected none"),
    ]

    func everyKind(_ kind: StepTestWarehouse.Kind) throws {
        let warehouse = try Self.warehouse(kind, "checks")
        let report = try CheckRunner.run(step: warehouse.check("orders", Self.assertions), name: "orders_ok",
                                         warehouse: warehouse.warehouse, clock: Self.clock(hoursAfterNewest: 30))
        #expect(report.results.count == Self.expected.count)
        for (result, expected) in zip(report.results, Self.expected) {
            #expect(result.kind == expected.0 && result.columns == expected.1 && result.passed == expected.2
                && result.offendingRows == expected.3 && result.description == expected.4, "\(result)")
        }
        #expect(!report.succeeded)
        #expect(report.summary.hasPrefix("step 'orders_ok': 8 of 11 checks on table \"orders\" failed: not_null "
            + "\"customer_id\": 2 rows are NULL; unique (\"id\"): 2 rows share 1 value; "))
        // The same data an hour after the newest value: freshness holds.
        let fresh = try CheckRunner.run(
            step: warehouse.check("orders", [.freshness(column: "updated_at", maxAge: PipelineDuration(seconds: 26 * 3600)),
                                             .freshness(column: "note", maxAge: PipelineDuration(seconds: 3600)),
                                             .acceptedValues(column: "status", values: ["open", "paid", "lost", "it's"]),
                                             .customSQL("SELECT id FROM orders WHERE total < -5")]),
            name: "orders_ok", warehouse: warehouse.warehouse, clock: Self.clock(hoursAfterNewest: -1))
        #expect(fresh.results.map(\.description) == [
            "freshness \"updated_at\": the newest value is in the future, at most 1d2h",
            "freshness \"note\": the newest value is 1h old, at most 1h",
            "accepted_values \"status\": every value is one of the 4 accepted",
            "sql: the query returned 0 rows",
        ])
        #expect(fresh.results.map(\.offendingRows) == [nil, nil, 0, 0])
        #expect(fresh.succeeded && fresh.summary == "step 'orders_ok': all 4 checks on table \"orders\" passed")
    }

    @Test("SQLite: each kind's count and message; dates and timestamps come back as ISO text and are read")
    func everyKindInSQLite() throws { try everyKind(.sqlite) }

    @Test("PostgreSQL: each kind's count and message; timestamps and dates come back typed")
    func everyKindInPostgres() throws { try everyKind(.postgres) }

    @Test("severity warn: failed checks are reported and the step succeeds")
    func severityWarn() throws {
        let warehouse = try Self.warehouse(.sqlite, "warn")
        let log = RunLog(runID: "r1", path: warehouse.folder + "/log.jsonl", level: .info, echo: false)
        let report = try CheckRunner.run(step: warehouse.check("orders", [.notNull(["customer_id"]), .rowCount(RowCountRule(.greaterThan, 0))],
                                                               severity: .warn),
                                         name: "orders_ok", warehouse: warehouse.warehouse, log: log)
        #expect(report.succeeded)
        #expect(report.failures.map(\.description) == ["not_null \"customer_id\": 2 rows are NULL"])
        #expect(report.summary == "step 'orders_ok': 1 of 2 checks on table \"orders\" failed (severity warn: the step "
            + "succeeds): not_null \"customer_id\": 2 rows are NULL")
        let lines = try String(contentsOfFile: warehouse.folder + "/log.jsonl", encoding: .utf8).split(separator: "\n")
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(lines.map { "\($0["level"]!) \($0["message"]!)" } == [
            "warn step 'orders_ok': check failed: not_null \"customer_id\": 2 rows are NULL",
            "info step 'orders_ok': check passed: row_count >0: the table has 5 rows",
        ])
    }

    @Test("a check the warehouse cannot run fails whatever the severity, naming the step, the assertion and the reason")
    func impossibleChecks() throws {
        let warehouse = try Self.warehouse(.sqlite, "impossible")
        func failure(_ assertion: CheckAssertion, table: String = "orders") throws -> String {
            let error = try #require(throws: HostError.self) {
                try CheckRunner.run(step: warehouse.check(table, [assertion], severity: .warn), name: "orders_ok",
                                    warehouse: warehouse.warehouse)
            }
            return error.message
        }
        // SQLite alone would read "nope" as a text literal and find no NULL.
        let columns = "its columns are \"id\", \"customer_id\", \"status\", \"updated_at\", \"day\", \"total\", \"note\""
        #expect(try failure(.notNull(["id", "nope"])) == "step 'orders_ok': not_null on table \"orders\": the table has "
            + "no column \"nope\"; " + columns)
        #expect(try failure(.acceptedValues(column: "Status", values: ["x"])) == "step 'orders_ok': accepted_values on "
            + "table \"orders\": the table has no column \"Status\"; " + columns)
        #expect(try failure(.unique(["nope"]), table: "gone") == "step 'orders_ok': unique on table \"gone\": the "
            + "warehouse refused the query: plugin 'sqlite': query failed: no such table: gone (SQLITE_ERROR) "
            + "[ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(try failure(.rowCount(RowCountRule(.greaterThan, 0)), table: "gone") == "step 'orders_ok': row_count on "
            + "table \"gone\": the warehouse refused the query: plugin 'sqlite': query failed: no such table: gone (SQLITE_ERROR) "
            + "[ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(try failure(.customSQL("SELECT id FORM orders")) == "step 'orders_ok': sql on table \"orders\": the "
            + "warehouse refused the query: plugin 'sqlite': query failed: near \"orders\": syntax error at offset 15 "
            + "(SQLITE_ERROR) [ETL_ERR_INVALID_ARGUMENT (2)]")
        #expect(try failure(.freshness(column: "total", maxAge: PipelineDuration(seconds: 60))) == "step 'orders_ok': "
            + "freshness of \"total\" on table \"orders\": the warehouse returns the column as float64, not a timestamp, "
            + "a date or ISO 8601 text")
        #expect(try failure(.freshness(column: "status", maxAge: PipelineDuration(seconds: 60))) == "step 'orders_ok': "
            + "freshness of \"status\" on table \"orders\": its newest value is text that is not an ISO 8601 date or "
            + "timestamp (YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS[.ffffff][Z|±HH:MM])")
    }

    @Test("freshness of an empty table fails: there is no newest value")
    func freshnessOfAnEmptyTable() throws {
        let warehouse = try StepTestWarehouse(.sqlite, "empty")
        try warehouse.load("orders", Self.fields, [])
        let report = try CheckRunner.run(
            step: warehouse.check("orders", [.freshness(column: "updated_at", maxAge: PipelineDuration(seconds: 60)),
                                             .unique(["id"]), .notNull(["id"])]),
            name: "orders_ok", warehouse: warehouse.warehouse)
        #expect(report.results.map(\.passed) == [false, true, true])
        #expect(report.results[0].description == "freshness \"updated_at\": no value (the table is empty or the column "
            + "is all NULL), expected one at most 1m old")
    }

    @Test("ISO 8601 text forms a freshness column may hold")
    func instantText() {
        #expect(InstantText.secondsSinceEpoch("1970-01-02") == 86_400)
        #expect(InstantText.secondsSinceEpoch("1970-01-01T00:00:01Z") == 1)
        #expect(InstantText.secondsSinceEpoch("1970-01-01 01:00:00+01:00") == 0)
        #expect(InstantText.secondsSinceEpoch("1970-01-01T00:00:00.5-0030") == 1800.5)
        #expect(InstantText.secondsSinceEpoch("2026-12-05T10:00") == 1_796_464_800)
        #expect(InstantText.secondsSinceEpoch("1969-12-31") == -86_400)
        for bad in ["", "yesterday", "2026-13-01", "2026-12-05T", "2026-12-05T10", "2026-12-05T10:00:00.Z",
                    "2026-12-05T10:00:00Zjunk", "2026-12-05T10:00:00+1"] {
            #expect(InstantText.secondsSinceEpoch(bad) == nil, "\(bad)")
        }
    }
}

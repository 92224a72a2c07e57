import ETLHost
import ETLPluginKit
import Foundation

/// Runs a `check` step: each assertion is one query through the
/// warehouse's `query` (SQL from ``CheckQueries``, identifiers quoted),
/// answered with counts, so no row's value is ever read or printed.
///
/// A failed assertion is a result, not an error: the report says whether
/// the step succeeds (``CheckReport/succeeded``: nothing failed, or
/// severity `warn`). What makes the check itself impossible throws
/// instead, whatever the severity: the warehouse refusing a query (an
/// unknown table or column, a syntax error in `sql:`), or a freshness
/// column that is neither a timestamp, a date nor ISO 8601 text.
///
/// ```swift
/// let report = try CheckRunner.run(step: check, name: "orders_ok", warehouse: dwh, clock: { Date() })
/// if !report.succeeded { throw ... report.summary ... }
/// ```
public enum CheckRunner {
    /// Runs every assertion of `step` (named `name`) in `warehouse`;
    /// `clock` is now, for freshness. Each result is logged: info when it
    /// passed, warn when it failed (error when the step fails).
    ///
    /// - Throws: ``HostError`` naming the step, the assertion and the
    ///   warehouse's message; `.cancelled` when `cancellation` is raised
    ///   (the running query is cancelled through the plugin).
    public static func run(step: CheckStep, name: String, warehouse: StepWarehouse, clock: () -> Date = Date.init,
                           log: RunLog? = nil, cancellation: Cancellation? = nil) throws -> CheckReport {
        let cancel = StepCancellation(cancellation: cancellation, place: "step '\(name)'")
        let doing = "while checking table \"\(step.table)\""
        try cancel.check(doing)
        let instance = try warehouse.open()
        defer { instance.close() }
        var checker = Checker(step: name, table: step.table, instance: instance, queries: CheckQueries(table: step.table))
        var results: [CheckResult] = []
        try cancel.guarding([instance], doing) {
            for assertion in step.assertions {
                try cancel.check(doing)
                results += try checker.check(assertion, now: clock())
            }
        }
        let report = CheckReport(step: name, table: step.table, severity: step.severity, results: results)
        for result in results {
            let level: LogLevel = result.passed ? .info : report.succeeded ? .warn : .error
            log?.write(level, plugin: nil, stream: nil, "step '\(name)': check \(result.passed ? "passed" : "failed"): "
                + result.description)
        }
        return report
    }
}

/// Runs the assertions of one check step on one instance.
private struct Checker {
    let step: String
    let table: String
    let instance: PluginInstance
    let queries: CheckQueries
    /// The table's column names, read once, when an assertion first names one.
    private var tableColumns: [String]?

    init(step: String, table: String, instance: PluginInstance, queries: CheckQueries) {
        self.step = step
        self.table = table
        self.instance = instance
        self.queries = queries
    }

    mutating func check(_ assertion: CheckAssertion, now: Date) throws -> [CheckResult] {
        switch assertion {
        case .notNull(let columns):
            try requireColumns(columns, "not_null")
            let sql = queries.notNull(columns)
            let counts = try counts(sql, expected: columns.count, doing: "not_null")
            return zip(columns, counts).map { column, nulls in
                CheckResult(kind: .notNull, columns: [column], passed: nulls == 0, offendingRows: nulls,
                            description: "not_null \(Self.name(column)): "
                                + (nulls == 0 ? "no NULL" : "\(Self.rows(nulls)) \(nulls == 1 ? "is" : "are") NULL"),
                            sql: sql)
            }
        case .unique(let columns):
            try requireColumns(columns, "unique")
            let sql = queries.unique(columns)
            let counts = try counts(sql, expected: 2, doing: "unique")
            let (groups, rows) = (counts[0], counts[1])
            let what = columns.count == 1 ? "value" : "combination"
            return [CheckResult(kind: .unique, columns: columns, passed: groups == 0, offendingRows: rows,
                                description: "unique (\(columns.map(Self.name).joined(separator: ", "))): "
                                    + (groups == 0 ? "no two rows share a \(what)"
                                        : "\(Self.rows(rows)) share \(groups) \(what)\(groups == 1 ? "" : "s")"),
                                sql: sql)]
        case .acceptedValues(let column, let values):
            try requireColumns([column], "accepted_values")
            let sql = queries.acceptedValues(column: column, values: values)
            let outside = try counts(sql, expected: 1, doing: "accepted_values")[0]
            return [CheckResult(kind: .acceptedValues, columns: [column], passed: outside == 0, offendingRows: outside,
                                description: "accepted_values \(Self.name(column)): "
                                    + (outside == 0 ? "every value is one of the \(values.count) accepted"
                                        : "\(Self.rows(outside)) \(outside == 1 ? "holds a value" : "hold values") "
                                            + "not among the \(values.count) accepted"),
                                sql: sql)]
        case .rowCount(let rule):
            let sql = queries.rowCount
            let count = try counts(sql, expected: 1, doing: "row_count")[0]
            let passed = rule.accepts(Int(clamping: count))
            return [CheckResult(kind: .rowCount, columns: [], passed: passed, offendingRows: nil,
                                description: "row_count \(rule): the table has \(Self.rows(count))"
                                    + (passed ? "" : ", expected \(rule)"),
                                sql: sql)]
        case .freshness(let column, let maxAge):
            try requireColumns([column], "freshness")
            return [try freshness(column: column, maxAge: maxAge, now: now)]
        case .customSQL(let sql):
            let returned = try rowsReturned(sql)
            return [CheckResult(kind: .customSQL, columns: [], passed: returned == 0, offendingRows: returned,
                                description: "sql: the query returned \(Self.rows(returned))"
                                    + (returned == 0 ? "" : ", expected none"),
                                sql: sql)]
        }
    }

    private func freshness(column: String, maxAge: PipelineDuration, now: Date) throws -> CheckResult {
        let sql = queries.newest(column)
        let newest = try answer(sql, doing: "freshness") { batch -> Double? in
            let field = batch.schema.fields[0]
            guard batch.rowCount > 0, !batch.isNull(row: 0, column: 0) else { return nil }
            switch field.type {
            case .timestampMicrosecondsUTC: return Double(batch.timestamp(row: 0, column: 0)!) / 1_000_000
            case .date32: return Double(batch.date32(row: 0, column: 0)!) * 86_400
            case .utf8:
                guard let seconds = InstantText.secondsSinceEpoch(batch.string(row: 0, column: 0)!) else {
                    throw HostError(.invalidArgument, "step '\(step)': freshness of \(Self.name(column)) on table "
                        + "\"\(table)\": its newest value is text that is not an ISO 8601 date or timestamp "
                        + "(YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS[.ffffff][Z|±HH:MM])")
                }
                return seconds
            default:
                throw HostError(.invalidArgument, "step '\(step)': freshness of \(Self.name(column)) on table "
                    + "\"\(table)\": the warehouse returns the column as \(field.type), not a timestamp, a date or "
                    + "ISO 8601 text")
            }
        }
        guard let newest = newest ?? nil else {
            return CheckResult(kind: .freshness, columns: [column], passed: false, offendingRows: nil,
                               description: "freshness \(Self.name(column)): no value (the table is empty or the "
                                   + "column is all NULL), expected one at most \(maxAge) old", sql: sql)
        }
        let age = now.timeIntervalSince1970 - newest
        let passed = age <= Double(maxAge.seconds)
        let shown = age <= 0 ? "in the future" : "\(PipelineDuration(seconds: Int(age.rounded(.down)))) old"
        return CheckResult(kind: .freshness, columns: [column], passed: passed, offendingRows: nil,
                           description: "freshness \(Self.name(column)): the newest value is \(shown)"
                               + (passed ? ", at most \(maxAge)" : ", more than \(maxAge)"), sql: sql)
    }

    /// Throws unless the table has every column of `names`. (SQLite reads
    /// a double-quoted name that is no column as a text literal, so a
    /// misspelled column would pass `not_null` silently.)
    private mutating func requireColumns(_ names: [String], _ assertion: String) throws {
        if tableColumns == nil {
            let rows: QueryStream
            do { rows = try instance.query(sql: queries.columns) } catch { throw refused(error, assertion) }
            tableColumns = rows.schema.fields.map(\.name)
            rows.close()
        }
        let known = tableColumns ?? []
        if let missing = names.first(where: { !known.contains($0) }) {
            throw HostError(.invalidArgument, "step '\(step)': \(assertion) on table \"\(table)\": the table has no "
                + "column \(Self.name(missing)); its columns are \(known.map(Self.name).joined(separator: ", "))")
        }
    }

    /// The int64 cells of the first row of `sql`'s answer.
    private func counts(_ sql: String, expected: Int, doing assertion: String) throws -> [Int64] {
        let counts = try answer(sql, doing: assertion) { batch -> [Int64] in
            guard batch.rowCount == 1, batch.columnCount == expected else { return [] }
            return (0..<expected).compactMap { column -> Int64? in
                if batch.isNull(row: 0, column: column) { return 0 }
                switch batch.schema.fields[column].type {
                case .int64: return batch.int64(row: 0, column: column)
                case .utf8: return Int64(batch.string(row: 0, column: column)!)
                default: return nil
                }
            }
        }
        guard let counts, counts.count == expected else {
            throw HostError(.pluginFailed, "step '\(step)': \(assertion) on table \"\(table)\": the warehouse "
                + "answered the count query with something other than \(expected) whole number(s)")
        }
        return counts
    }

    /// `read` applied to the first non-empty batch of `sql` (nil when there
    /// is none); the stream is closed after.
    private func answer<T>(_ sql: String, doing assertion: String, _ read: (ImportedBatch) throws -> T) throws -> T? {
        let rows: QueryStream
        do { rows = try instance.query(sql: sql) } catch { throw refused(error, assertion) }
        defer { rows.close() }
        while true {
            let batch: ImportedBatch?
            do { batch = try rows.next() } catch { throw refused(error, assertion) }
            guard let batch else { return nil }
            if batch.rowCount > 0 { return try read(batch) }
        }
    }

    /// The number of rows `sql` returns, read to the end.
    private func rowsReturned(_ sql: String) throws -> Int64 {
        let rows: QueryStream
        do { rows = try instance.query(sql: sql) } catch { throw refused(error, "sql") }
        defer { rows.close() }
        var count: Int64 = 0
        do {
            while let batch = try rows.next() { count += Int64(batch.rowCount) }
        } catch {
            throw refused(error, "sql")
        }
        return count
    }

    private func refused(_ error: any Error, _ assertion: String) -> HostError {
        let prefix = "step '\(step)': \(assertion) on table \"\(table)\": the warehouse refused the query: "
        guard let error = error as? HostError else { return HostError(.operationFailed, prefix + "\(error)") }
        return error.replacingMessage(with: prefix + error.message).adding(table: table)
    }

    private static func name(_ column: String) -> String { "\"\(column)\"" }

    private static func rows(_ count: Int64) -> String { count == 1 ? "1 row" : "\(count) rows" }
}

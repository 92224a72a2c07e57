/// What a `check` step found: one ``CheckResult`` per assertion (per
/// column for `not_null`), and whether the step succeeds under its
/// severity.
public struct CheckReport: Sendable, Equatable {
    /// The step's name.
    public var step: String
    /// The table checked.
    public var table: String
    /// What a failed assertion does.
    public var severity: CheckSeverity
    /// The results, in the order the assertions are written.
    public var results: [CheckResult]

    /// A report.
    public init(step: String, table: String, severity: CheckSeverity, results: [CheckResult]) {
        self.step = step
        self.table = table
        self.severity = severity
        self.results = results
    }

    /// The assertions that failed.
    public var failures: [CheckResult] { results.filter { !$0.passed } }

    /// Whether the step succeeds: nothing failed, or severity is `warn`
    /// (the failures are then warnings).
    public var succeeded: Bool { failures.isEmpty || severity == .warn }

    /// One line for the run log and the step's error: `step 'orders_ok':
    /// 2 of 5 checks on table "orders" failed: not_null "id": 1 row is NULL;
    /// ...`, or that all passed.
    public var summary: String {
        let failed = failures
        guard !failed.isEmpty else { return "step '\(step)': all \(results.count) checks on table \"\(table)\" passed" }
        return "step '\(step)': \(failed.count) of \(results.count) checks on table \"\(table)\" failed"
            + (severity == .warn ? " (severity warn: the step succeeds)" : "") + ": "
            + failed.map(\.description).joined(separator: "; ")
    }
}

/// The outcome of one assertion.
public struct CheckResult: Sendable, Equatable, CustomStringConvertible {
    /// The kinds of assertion, as the file names them.
    public enum Kind: String, Sendable, CaseIterable {
        /// `not_null`
        case notNull = "not_null"
        /// `unique`
        case unique
        /// `accepted_values`
        case acceptedValues = "accepted_values"
        /// `row_count`
        case rowCount = "row_count"
        /// `freshness`
        case freshness
        /// `sql` (custom SQL that must return no rows)
        case customSQL = "sql"
    }

    /// The kind.
    public var kind: Kind
    /// The columns it is about (none for `row_count` and `sql`).
    public var columns: [String]
    /// Whether it held.
    public var passed: Bool
    /// The rows that broke it: NULLs (`not_null`), rows sharing a value
    /// (`unique`), rows with a value not accepted (`accepted_values`), rows
    /// returned (`sql`); `nil` for `row_count` and `freshness`, which are
    /// not about single rows.
    public var offendingRows: Int64?
    /// What was found, with names and numbers only (never a row's value):
    /// `not_null "id": 2 rows are NULL`.
    public var description: String
    /// The query that was run.
    public var sql: String

    /// A result.
    public init(kind: Kind, columns: [String], passed: Bool, offendingRows: Int64?, description: String, sql: String) {
        self.kind = kind
        self.columns = columns
        self.passed = passed
        self.offendingRows = offendingRows
        self.description = description
        self.sql = sql
    }
}

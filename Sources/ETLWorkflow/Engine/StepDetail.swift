import Foundation

/// What an executor adds to its step's record besides rows: the SQL a
/// `sql` step ran, the results of a `check` step's assertions.
public struct StepDetail: Sendable, Equatable {
    /// The SELECT of a `sql` step.
    public var sql: StepSQLRecord?
    /// The assertions of a `check` step.
    public var checks: [StepCheckRecord]?

    /// A detail.
    public init(sql: StepSQLRecord? = nil, checks: [StepCheckRecord]? = nil) {
        self.sql = sql
        self.checks = checks
    }
}

/// The SQL a `sql` step ran, as its run record keeps it: the file (or
/// `query:`), the text as read at run time and its SHA-256, so a past run
/// says exactly what built the table.
public struct StepSQLRecord: Codable, Sendable, Equatable {
    /// The file as written in the pipeline, or `query:` for inline SQL.
    public var source: String
    /// The text run.
    public var text: String
    /// SHA-256 of the text's UTF-8 bytes, 64 lowercase hex digits.
    public var sha256: String
    /// The table or view built.
    public var target: String
    /// `table` or `view`.
    public var materialize: SQLStep.Materialization

    enum CodingKeys: String, CodingKey {
        case source, text, sha256, target, materialize
    }

    /// The record of `result`, whose SQL came from `source`.
    public init(result: SQLStepResult, source: SQLStep.Source) {
        switch source {
        case .file(let written, _): self.source = written
        case .inline: self.source = "query:"
        }
        text = result.sql
        sha256 = result.sqlSHA256
        target = result.target
        materialize = result.materialize
    }
}

extension SQLStep.Materialization: Codable {}

/// One assertion of a `check` step as its run record keeps it: names and
/// counts, never a row's value.
public struct StepCheckRecord: Codable, Sendable, Equatable {
    /// `not_null`, `unique`, `accepted_values`, `row_count`, `freshness` or `sql`.
    public var kind: String
    /// The columns it is about.
    public var columns: [String]
    /// Whether it held.
    public var passed: Bool
    /// The rows that broke it, when it is about rows.
    public var offendingRows: Int64?
    /// What was found.
    public var description: String

    enum CodingKeys: String, CodingKey {
        case kind, columns, passed, description
        case offendingRows = "offending_rows"
    }

    /// The record of `result`.
    public init(_ result: CheckResult) {
        kind = result.kind.rawValue
        columns = result.columns
        passed = result.passed
        offendingRows = result.offendingRows
        description = result.description
    }
}
